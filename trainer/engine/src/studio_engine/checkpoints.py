"""Checkpoints: safetensors only (a shared checkpoint must not be able to run code; docs/architecture.md §5).

A checkpoint is a folder `<stage>-step-NNNNNN/` holding `embedding.safetensors` (the learned token,
in the layout diffusers' `load_textual_inversion` reads), `unet.safetensors` (stage 2: the UNet's
state dict in diffusers' key layout) and `checkpoint.json` (base model id + fingerprint, method,
stage, step, token, class noun, config, engine version, each file's sha256 and size, and
`contentHash`: the content hash (st_io.py) of every weight in it, `embedding.<token>` and
`unet.<key>`). The safetensors files are written deterministically: the same weights give the same
bytes, so equal sha256s mean equal models and equal `contentHash`es mean equal weights.

A training checkpoint also holds the private training state (training_state.py:
`training-state.safetensors` + `training-state.json`), which checkpoint.json does not list. The
whole folder is written into a hidden temporary folder, fsynced, then renamed into place: a reader
never sees a half-written checkpoint (or a checkpoint without its state), even when the process dies
mid-write.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from . import __version__
from . import training_state as ts
from .st_io import content_hash, write_safetensors

EMBEDDING_FILE = "embedding.safetensors"
UNET_FILE = "unet.safetensors"
META_FILE = "checkpoint.json"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class SavedCheckpoint:
    path: Path
    stage: str
    step: int
    files: list[dict[str, Any]]
    content_hash: str = ""
    private_files: list[dict[str, Any]] | None = None

    @property
    def bytes(self) -> int:
        return sum(f["bytes"] for f in self.files)


def checkpoint_name(stage: str, step: int) -> str:
    return f"{stage}-step-{step:06d}"


def save_checkpoint(
    root: Path,
    *,
    stage: str,
    step: int,
    meta: dict[str, Any],
    embedding: dict[str, torch.Tensor] | None,
    unet_state: dict[str, torch.Tensor] | None,
    training_state: tuple[dict[str, torch.Tensor], dict[str, Any]] | None = None,
) -> SavedCheckpoint:
    """Writes the checkpoint folder atomically. `training_state` = training_state.capture(...)'s
    (tensors, document): written into the same folder, bound to this checkpoint's content hash."""
    root.mkdir(parents=True, exist_ok=True)
    final = root / checkpoint_name(stage, step)
    tmp = root / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    st_meta = {"format": "studio-checkpoint", "stage": stage, "step": str(step), "engine": __version__}
    files: list[dict[str, Any]] = []
    weights: dict[str, torch.Tensor] = {}
    if embedding is not None:
        emb = {k: v.detach().cpu().contiguous() for k, v in embedding.items()}
        write_safetensors(tmp / EMBEDDING_FILE, emb, st_meta)
        weights.update({f"embedding.{k}": v for k, v in emb.items()})
    if unet_state is not None:
        unet = {k: v.detach().float().cpu().contiguous() for k, v in unet_state.items()}
        write_safetensors(tmp / UNET_FILE, unet, st_meta)
        weights.update({f"unet.{k}": v for k, v in unet.items()})
        del unet
    chash = content_hash(weights)
    del weights
    for name in (EMBEDDING_FILE, UNET_FILE):
        p = tmp / name
        if p.exists():
            _fsync(p)
            files.append({"name": name, "sha256": sha256_file(p), "bytes": p.stat().st_size})
    private: list[dict[str, Any]] | None = None
    if training_state is not None:
        tensors, state_doc = training_state
        ts.write(tmp, tensors, {**state_doc, "checkpointContentHash": chash})
        private = []
        for name in (ts.STATE_TENSORS, ts.STATE_JSON):
            _fsync(tmp / name)
            private.append({"name": name, "sha256": sha256_file(tmp / name), "bytes": (tmp / name).stat().st_size})
    doc = {**meta, "stage": stage, "step": step, "engineVersion": __version__, "files": files, "contentHash": chash}
    (tmp / META_FILE).write_text(json.dumps(doc, indent=2, sort_keys=True))
    _fsync(tmp / META_FILE)
    if final.exists():  # the same step saved again (a resumed run): replace it whole
        shutil.rmtree(final)
    os.rename(tmp, final)
    _fsync(root)
    meta_bytes = (final / META_FILE).stat().st_size
    files.append({"name": META_FILE, "sha256": sha256_file(final / META_FILE), "bytes": meta_bytes})
    return SavedCheckpoint(
        final,
        stage,
        step,
        [{**f, "path": str(final / f["name"])} for f in files],
        chash,
        [{**f, "path": str(final / f["name"])} for f in private] if private is not None else None,
    )


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint's metadata, after checking each file's size and sha256 against it."""
    p = Path(path)
    meta_path = p / META_FILE
    if not meta_path.exists():
        raise FileNotFoundError(f"{p} is not a checkpoint (no {META_FILE})")
    meta = json.loads(meta_path.read_text())
    for f in meta.get("files", []):
        fp = p / f["name"]
        if not fp.exists() or fp.stat().st_size != f["bytes"] or sha256_file(fp) != f["sha256"]:
            raise ValueError(f"checkpoint file {fp} is missing or does not match its recorded sha256")
    return meta


def load_embedding(path: str | Path) -> tuple[str, torch.Tensor] | None:
    fp = Path(path) / EMBEDDING_FILE
    if not fp.exists():
        return None
    tensors = load_file(str(fp))
    (token, row), = tensors.items()
    return token, row.reshape(-1)


def load_unet_state(path: str | Path) -> dict[str, torch.Tensor] | None:
    fp = Path(path) / UNET_FILE
    return load_file(str(fp)) if fp.exists() else None
