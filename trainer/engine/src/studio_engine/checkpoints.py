"""Checkpoints: safetensors only (a shared checkpoint must not be able to run code; docs/architecture.md §5).

A checkpoint is a folder `<stage>-step-NNNNNN/` holding `embedding.safetensors` (the learned token,
in the layout diffusers' `load_textual_inversion` reads), the stage-2 UNet — `unet.safetensors` (its
state dict in diffusers' key layout) or, with STUDIO_CHECKPOINT_ENCODING=delta, `unet.delta.safetensors`
(a lossless delta against the base model's UNet, checkpoint_codec.py) — and `checkpoint.json` (base
model id + fingerprint, method, stage, step, token, class noun, config, engine version, each file's
sha256 and size, `encoding` when the UNet is encoded, and `contentHash`: the content hash (st_io.py)
of every weight in it, `embedding.<token>` and `unet.<key>`, of the decoded weights). The
safetensors files are written deterministically: the same weights give the same bytes, so equal
sha256s mean equal models and equal `contentHash`es mean equal weights.

A training checkpoint also holds the private training state (training_state.py:
`training-state.safetensors` + `training-state.json`), which checkpoint.json does not list. The
whole folder is written into a hidden temporary folder, fsynced, then renamed into place: a reader
never sees a half-written checkpoint (or a checkpoint without its state), even when the process dies
mid-write; a temporary folder left by a dead process is removed by the next write into the same root.

Saving is two steps: `take_snapshot` copies everything to host memory (device→host; on CPU a clone),
which is all the training loop waits for, and `write_checkpoint` writes the snapshot — in the
background (checkpoint_writer.py) during training. Every file's sha256 is computed from the bytes as
they are written (no second read), and the writer records them as verified on this machine
(verified.py), so loading the checkpoint here does not hash it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from . import __version__, verified
from . import checkpoint_codec as codec
from . import training_state as ts
from .st_io import content_hash_update, write_safetensors

EMBEDDING_FILE = "embedding.safetensors"
UNET_FILE = "unet.safetensors"
META_FILE = "checkpoint.json"


sha256_file = verified.sha256_file
DELTA_FILE = codec.DELTA_FILE
KILL_ENV = "STUDIO_ENGINE_KILL_IN_CHECKPOINT"


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


@dataclass
class Snapshot:
    """Everything a checkpoint holds, copied to host memory: the training loop may go on changing
    its own tensors while this is written."""

    stage: str
    step: int
    meta: dict[str, Any]
    embedding: dict[str, torch.Tensor] | None
    unet: dict[str, torch.Tensor] | None
    training_state: tuple[dict[str, torch.Tensor], dict[str, Any]] | None
    base_unet: Path | None = None  # encode the UNet against this base model file (delta encoding)

    def tensors(self) -> list[torch.Tensor]:
        groups = [self.embedding or {}, self.unet or {}, self.training_state[0] if self.training_state else {}]
        return [t for g in groups for t in g.values()]

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.tensors())


def _host_copy(t: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    return t.detach().to(device="cpu", dtype=dtype or t.dtype, copy=True).contiguous()


def take_snapshot(
    *,
    stage: str,
    step: int,
    meta: dict[str, Any],
    embedding: dict[str, torch.Tensor] | None,
    unet_state: dict[str, torch.Tensor] | None,
    training_state: tuple[dict[str, torch.Tensor], dict[str, Any]] | None = None,
    base_unet: Path | None = None,
    pool=None,
) -> Snapshot:
    """Copies the weights to host memory (float32 for the UNet), into reused buffers when a
    host_buffers.HostBufferPool is given. `training_state` = training_state.capture(...)'s (tensors,
    document), whose tensors are host copies already (taken with the same pool)."""
    copy = pool.copy if pool is not None else _host_copy
    emb = {k: copy(v) for k, v in embedding.items()} if embedding is not None else None
    unet = {k: copy(v, torch.float32) for k, v in unet_state.items()} if unet_state is not None else None
    if pool is not None:
        pool.wait()  # the device→host copies into pinned memory were asynchronous
    return Snapshot(stage, step, dict(meta), emb, unet, training_state, base_unet)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(root: Path) -> None:
    """Removes `.tmp-*` folders of writers that are gone (a process killed mid-write)."""
    if not root.is_dir():
        return
    for p in root.iterdir():
        if not p.name.startswith(".tmp-") or not p.is_dir():
            continue
        pid = p.name.rsplit("-", 1)[-1]
        if pid.isdigit() and (int(pid) == os.getpid() or not _pid_alive(int(pid))):
            shutil.rmtree(p, ignore_errors=True)


def _kill_hook(stage: str, step: int, count: int):
    """Fault injection for the crash tests (never set in production): STUDIO_ENGINE_KILL_IN_CHECKPOINT=
    stage:step SIGKILLs the engine halfway through writing that checkpoint's largest file."""
    if os.environ.get(KILL_ENV) != f"{stage}:{step}":
        return None
    half = max(count // 2, 1)

    def hook(index: int) -> None:
        if index + 1 == half:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def write_checkpoint(root: Path, snap: Snapshot) -> SavedCheckpoint:
    """Writes the snapshot's checkpoint folder atomically and durably (files fsynced, renamed, the
    parent folder fsynced); returns it once it is on disk."""
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(root)
    stage, step = snap.stage, snap.step
    final = root / checkpoint_name(stage, step)
    tmp = root / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    st_meta = {"format": "studio-checkpoint", "stage": stage, "step": str(step), "engine": __version__}
    files: list[dict[str, Any]] = []
    chash = hashlib.sha256()  # the content hash of embedding.* then unet.* (sorted names), from the bytes written
    big = max(len(snap.embedding or {}), len(snap.unet or {}))
    kill = _kill_hook(stage, step, big)

    def hashing(prefix: str, group: dict[str, torch.Tensor]):
        def on_tensor(index: int, name: str, t: torch.Tensor, data: memoryview) -> None:
            content_hash_update(chash, f"{prefix}.{name}", t, data)
            if kill is not None and len(group) == big:
                kill(index)

        return on_tensor

    if snap.embedding is not None:
        sha, size = write_safetensors(tmp / EMBEDDING_FILE, snap.embedding, st_meta, hashing("embedding", snap.embedding))
        files.append({"name": EMBEDDING_FILE, "sha256": sha, "bytes": size})
    encoding = None
    if snap.unet is not None:
        if snap.base_unet is not None:
            fingerprint = codec.base_unet_fingerprint(snap.base_unet)
            planes, emeta = codec.encode_unet(snap.unet, snap.base_unet, fingerprint, on_tensor=hashing("unet", snap.unet))
            sha, size = codec.write_encoded(tmp / DELTA_FILE, planes, {**st_meta, **emeta})
            del planes
            plain = sum(t.numel() * t.element_size() for t in snap.unet.values())
            encoding = {"unet": {"file": DELTA_FILE, "scheme": codec.SCHEME, "baseUnetFingerprint": fingerprint, "plainBytes": plain}}
            files.append({"name": DELTA_FILE, "sha256": sha, "bytes": size})
        else:
            sha, size = write_safetensors(tmp / UNET_FILE, snap.unet, st_meta, hashing("unet", snap.unet))
            files.append({"name": UNET_FILE, "sha256": sha, "bytes": size})
    chash_hex = chash.hexdigest()
    for f in files:
        _fsync(tmp / f["name"])
    private: list[dict[str, Any]] | None = None
    if snap.training_state is not None:
        tensors, state_doc = snap.training_state
        written = ts.write(tmp, tensors, {**state_doc, "checkpointContentHash": chash_hex})
        private = []
        for name in (ts.STATE_TENSORS, ts.STATE_JSON):
            _fsync(tmp / name)
            private.append({"name": name, "sha256": written[name][0], "bytes": written[name][1]})
    doc = {**snap.meta, "stage": stage, "step": step, "engineVersion": __version__, "files": files, "contentHash": chash_hex}
    if encoding is not None:
        doc["encoding"] = encoding
    meta_bytes = json.dumps(doc, indent=2, sort_keys=True).encode()
    (tmp / META_FILE).write_bytes(meta_bytes)
    _fsync(tmp / META_FILE)
    if final.exists():  # the same step saved again (a resumed run): replace it whole
        shutil.rmtree(final)
    os.rename(tmp, final)
    _fsync(root)
    files.append({"name": META_FILE, "sha256": hashlib.sha256(meta_bytes).hexdigest(), "bytes": len(meta_bytes)})
    for f in files + (private or []):
        verified.record(final / f["name"], f["sha256"])
    return SavedCheckpoint(
        final,
        stage,
        step,
        [{**f, "path": str(final / f["name"])} for f in files],
        chash_hex,
        [{**f, "path": str(final / f["name"])} for f in private] if private is not None else None,
    )


def save_checkpoint(
    root: Path,
    *,
    stage: str,
    step: int,
    meta: dict[str, Any],
    embedding: dict[str, torch.Tensor] | None,
    unet_state: dict[str, torch.Tensor] | None,
    training_state: tuple[dict[str, torch.Tensor], dict[str, Any]] | None = None,
    base_unet: Path | None = None,
) -> SavedCheckpoint:
    """Snapshot and write in the calling thread (imports, tests; training uses the background writer)."""
    snap = take_snapshot(stage=stage, step=step, meta=meta, embedding=embedding, unet_state=unet_state, training_state=training_state, base_unet=base_unet)
    return write_checkpoint(root, snap)


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint's metadata, after checking each file's size and sha256 against it."""
    p = Path(path)
    meta_path = p / META_FILE
    if not meta_path.exists():
        raise FileNotFoundError(f"{p} is not a checkpoint (no {META_FILE})")
    meta = json.loads(meta_path.read_text())
    for f in meta.get("files", []):
        fp = p / f["name"]
        if not verified.check_file(fp, f["sha256"], f["bytes"]):  # hashed once per machine (verified.py)
            raise ValueError(f"checkpoint file {fp} is missing or does not match its recorded sha256")
    return meta


def load_embedding(path: str | Path) -> tuple[str, torch.Tensor] | None:
    fp = Path(path) / EMBEDDING_FILE
    if not fp.exists():
        return None
    tensors = load_file(str(fp))
    ((token, row),) = tensors.items()
    return token, row.reshape(-1)


def load_unet_state(path: str | Path, base_model_folder: str | Path | None = None) -> dict[str, torch.Tensor] | None:
    """The checkpoint's UNet state dict (float32), decoded when it is stored as a delta against the
    base model in `base_model_folder` (checkpoint_codec.py; CheckpointEncodingError, a ValueError,
    when that base model is not the one it was encoded against). None for a stage-1 checkpoint."""
    p = Path(path)
    fp = p / UNET_FILE
    if fp.exists():
        return load_file(str(fp))
    if not (p / DELTA_FILE).exists():
        return None
    enc = (json.loads((p / META_FILE).read_text()).get("encoding") or {}).get("unet") or {}
    if enc.get("scheme") != codec.SCHEME:
        raise codec.CheckpointEncodingError(f"{p / DELTA_FILE}: checkpoint.json names encoding {enc.get('scheme')!r}, this engine reads {codec.SCHEME}")
    base = codec.base_unet_file(base_model_folder) if base_model_folder is not None else None
    return codec.decode_unet(p / DELTA_FILE, base, enc.get("baseUnetFingerprint"))
