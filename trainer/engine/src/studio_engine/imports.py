"""Import of a shared single-file model (+ embedding) as a studio checkpoint, safely.

Order matters: every file passes the safetensors guard before any library parses it (a pickle is
refused unread), then the file is mapped back to diffusers' layout with the inverse of the export
table (single_file.py). Only fine-tunes of a base model this installation has can be imported: the
file's VAE and text encoder must equal the named base model's bit for bit (in the file's dtype), and
its UNet must have exactly the base UNet's tensors and shapes. What comes out is a checkpoint folder
written by the same atomic writer training uses, so `generate`, `serve` and exports take it as is.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file

from .checkpoints import _fsync, save_checkpoint, sha256_file
from .errors import BadSpecError
from .events import EventWriter
from .exports import fresh_output
from .models import fingerprint, model_dir
from .safetensors_guard import SafetensorsInfo, check_safetensors
from .single_file import GROUPS, PREFIX, Target, from_original, key_map, load_component, original_shape

IMPORTED_METHOD = "IMPORTED"
OWN_FORMAT = "studio-single-file"


LABEL = {"unet": "UNet", "vae": "VAE", "text_encoder": "text encoder"}


def _mismatch(group: str, model_id: str, why: str) -> BadSpecError:
    return BadSpecError(
        "BASE_MODEL_MISMATCH",
        f"the file's {LABEL[group]} is not {model_id}'s ({why}); only UNet + embedding fine-tunes of a base model this installation has can be imported",
        "file",
    )


def _read_group(f, group: str, kmap: dict[str, Target], shapes: dict[str, torch.Size], model_id: str) -> dict[str, torch.Tensor]:
    """Maps one group of the single file back to diffusers tensors, checking keys and shapes first."""
    present = {k for k in f.keys() if k.startswith(PREFIX[group])}
    if not present:
        raise BadSpecError("BAD_CHECKPOINT", f"the file has no {LABEL[group]} ({PREFIX[group]}*): not a full Stable Diffusion checkpoint", "file")
    missing, extra = sorted(set(kmap) - present), sorted(present - set(kmap))
    if group == "unet" and (missing or extra):
        raise BadSpecError(
            "BAD_CHECKPOINT",
            f"the file's UNet does not have {model_id}'s tensors: {len(missing)} missing (e.g. {missing[:2]}), {len(extra)} unexpected (e.g. {extra[:2]})",
            "file",
        )
    if missing:
        raise _mismatch(group, model_id, f"{len(missing)} tensors missing, e.g. {missing[0]}")
    out: dict[str, torch.Tensor] = {}
    for key, target in kmap.items():
        tensor = f.get_tensor(key)
        want = original_shape(target, shapes)
        if tuple(tensor.shape) != want:
            if group == "unet":
                raise BadSpecError("BAD_CHECKPOINT", f"{key} has shape {list(tensor.shape)}; {model_id}'s UNet needs {list(want)}", "file")
            raise _mismatch(group, model_id, f"{key} has shape {list(tensor.shape)}, not {list(want)}")
        out.update(from_original(target, tensor, shapes))
    return out


def _same_as_base(state: dict[str, torch.Tensor], base: dict[str, torch.Tensor]) -> str | None:
    """The first tensor that differs from the base model's (compared in the file's dtype), or None."""
    for k, t in state.items():
        if not torch.equal(t, base[k].to(t.dtype)):
            return k
    return None


def _read_embedding(path: Path, dim: int) -> tuple[str | None, torch.Tensor, str]:
    """(token named by the file or None, row [dim], layout) of a one-vector embedding in any of the
    layouts people share: A1111/ComfyUI `emb_params`, A1111's `string_to_param.*`, diffusers `{token: t}`."""
    tensors = load_file(str(path))
    if len(tensors) != 1:
        raise BadSpecError("BAD_EMBEDDING", f"{path.name} holds {len(tensors)} tensors; an embedding file holds one (SDXL's clip_l/clip_g pairs are not supported)", "embedding")
    ((key, t),) = tensors.items()
    if key == "emb_params":
        token, layout = None, "emb_params"
    elif key.startswith("string_to_param."):
        token, layout = None, "string_to_param"
    else:
        token, layout = key, "diffusers"
    if t.ndim == 2 and t.shape[0] != 1:
        raise BadSpecError("BAD_EMBEDDING", f"{path.name} has {t.shape[0]} vectors; studio checkpoints hold a one-vector token", "embedding")
    row = t.reshape(-1) if t.ndim in (1, 2) else t
    if row.ndim != 1 or row.shape[0] != dim or not row.is_floating_point():
        raise BadSpecError("BASE_MODEL_MISMATCH", f"{path.name} has shape {list(t.shape)}; this base model's token vectors have {dim} floats", "embedding")
    return token, row.float(), layout


def import_single_file(model_id: str, file: str | Path, out: str | Path, events: EventWriter, embedding: str | Path | None = None, token: str | None = None) -> Path:
    """Turns FILE (+ EMBEDDING) into the checkpoint folder OUT; emits `checkpoint.saved`, `completed`."""
    out = Path(out)
    if out.exists():
        raise BadSpecError("OUTPUT_EXISTS", f"out: {out} already exists; imports never overwrite", "out")
    info: SafetensorsInfo = check_safetensors(file, "file")  # before anything else reads the file
    emb_info = check_safetensors(embedding, "embedding") if embedding else None
    base = model_dir(model_id)
    ours = info.metadata.get("format") == OWN_FORMAT

    states: dict[str, dict[str, torch.Tensor]] = {}
    base_unet: dict[str, torch.Tensor] = {}
    ignored = 0
    with safe_open(str(info.path), framework="pt") as f:
        known = set()
        for group in GROUPS:
            config, base_state = load_component(base, group)
            kmap = key_map(group, config, list(base_state))
            known |= set(kmap)
            shapes = {k: v.shape for k, v in base_state.items()}
            state = _read_group(f, group, kmap, shapes, model_id)
            if group == "unet":
                states[group], base_unet = state, base_state
            else:
                differs = _same_as_base(state, base_state)
                if differs:
                    where = next(k for k, t in kmap.items() if differs in t.sources)
                    raise _mismatch(group, model_id, f"{where} differs")
        ignored = len(set(f.keys()) - known)  # e.g. LDM's noise-schedule buffers, OpenCLIP's unused last layer

    emb = None
    if emb_info is not None:
        from transformers import CLIPTokenizer

        text_dim = load_component(base, "text_encoder")[1]["embeddings.token_embedding.weight"].shape[1]
        file_token, row, layout = _read_embedding(emb_info.path, text_dim)
        token = token or file_token or emb_info.metadata.get("token") or (info.metadata.get("token") if ours else None)
        if not token:
            raise BadSpecError("BAD_ARGUMENTS", f"token: {emb_info.path.name} does not name its token; pass --token", "token")
        tokenizer = CLIPTokenizer.from_pretrained(base / "tokenizer", local_files_only=True)
        # a word the tokenizer already has (e.g. "backpack" is the single token "backpack</w>") would
        # have its meaning replaced in every prompt
        if token in tokenizer.get_vocab() or len(tokenizer.encode(token, add_special_tokens=False)) == 1:
            raise BadSpecError("BAD_ARGUMENTS", f"token: {token!r} is already a word of {model_id}'s tokenizer; choose a new one, like <{token}>", "token")
        emb = {"file": emb_info, "row": row, "layout": layout}
    elif token is None and ours:
        token = info.metadata.get("token") or None

    unet = {k: v.float().contiguous() for k, v in states["unet"].items()}
    unet_changed = _same_as_base(states["unet"], base_unet) is not None
    if ours:
        stage, raw_step = info.metadata.get("stage", "stage2"), info.metadata.get("step", "1")
        if stage not in ("stage1", "stage2") or not raw_step.isdigit() or int(raw_step) < 1:
            raise BadSpecError("BAD_CHECKPOINT", f"the file's studio metadata names stage {stage!r}, step {raw_step!r}", "file")
        step = int(raw_step)
        method, class_noun = info.metadata.get("method") or IMPORTED_METHOD, info.metadata.get("classNoun") or None
    else:  # a checkpoint step counts from 1; an imported file is one opaque step
        stage, step, method, class_noun = ("stage2" if unet_changed else "stage1"), 1, IMPORTED_METHOD, None
    keep_unet = unet_changed or stage == "stage2"

    imported: dict[str, Any] = {
        "filename": info.path.name,
        "sha256": sha256_file(info.path),
        "metadata": info.metadata,
        "ignoredKeys": ignored,
    }
    if emb is not None:
        imported["embedding"] = {"filename": emb["file"].path.name, "sha256": sha256_file(emb["file"].path), "layout": emb["layout"], "metadata": emb["file"].metadata}
    meta = {
        "baseModel": {"id": model_id, "fingerprint": fingerprint(base)},
        "method": method,
        "token": token,
        "classNoun": class_noun,
        "instancePrompt": f"a photo of {token} {class_noun}" if token and class_noun else None,
        "config": {},
        "imported": imported,
    }
    # The same atomic writer as training, into a hidden folder beside OUT; then one more rename.
    root = fresh_output(out.parent / f".import-{out.name}")
    try:
        saved = save_checkpoint(
            root,
            stage=stage,
            step=step,
            meta=meta,
            embedding={token: emb["row"].reshape(1, -1).contiguous()} if emb is not None else None,
            unet_state=unet if keep_unet else None,
        )
        os.rename(saved.path, out)
        _fsync(out.parent)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    files = [{**f, "path": str(out / f["name"])} for f in saved.files]
    events.emit("checkpoint.saved", stage=stage, step=step, path=str(out), bytes=saved.bytes, files=files, contentHash=saved.content_hash)
    events.emit("completed", checkpoints=1, outputDir=str(out))
    return out
