"""Exports of a checkpoint that other tools load (issue "Team sharing", point 4).

    diffusers     a full pipeline folder: `StableDiffusionPipeline.from_pretrained(OUT)` +
                  `pipe.load_textual_inversion(OUT/learned_embeds.safetensors, token=...)`
    single-file   `model.safetensors` in the original Stable Diffusion layout (single_file.py) that
                  AUTOMATIC1111 and ComfyUI load, plus `<token>.safetensors` ({emb_params: [1, dim]})
    checkpoint    the checkpoint's own files, always plain: `embedding.safetensors`, `unet.safetensors`
                  (decoded when the checkpoint is stored as a delta, byte-identical to the file a plain
                  checkpoint of the same weights has) and a `checkpoint.json` listing them — what a
                  download of a compact checkpoint hands out (the engine reads it back as a checkpoint)

The first two hold the checkpoint's UNet (the base UNet for a stage-1 checkpoint), the base model's VAE and
text encoder, a README.md model card and `studio-export.json` (what was exported, from what). The
diffusers export's scheduler is DDIM with the base model's schedule: the sampler the studio itself
uses, so the same prompt, seed and steps give the same image as in the studio. Everything is written
under `OUT.tmp-<pid>`, fsynced, then renamed to OUT: a reader never sees half an export.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import torch

from . import __version__
from .checkpoints import DELTA_FILE, EMBEDDING_FILE, META_FILE, UNET_FILE, _fsync, load_embedding, load_unet_state, read_checkpoint, sha256_file
from .errors import BadSpecError
from .events import EventWriter
from .models import fingerprint, model_dir
from .safetensors_guard import check_safetensors
from .single_file import GROUPS, key_map, load_component, to_original
from .st_io import write_safetensors

FORMATS = ("diffusers", "single-file", "checkpoint")
DIFFUSERS_EMBEDDING = "learned_embeds.safetensors"  # the name diffusers' textual-inversion examples use
SINGLE_FILE = "model.safetensors"
EXPORT_META = "studio-export.json"
COPIED_COMPONENTS = ("text_encoder", "tokenizer", "vae")


def embedding_file_name(token: str) -> str:
    """A1111 and ComfyUI name an embedding after its file (`<rare>` → `rare.safetensors`, written
    `rare` in A1111 prompts, `embedding:rare` in ComfyUI); keep only characters every OS allows."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", token).strip("-.") or "token"
    return f"{stem}-token.safetensors" if stem == "model" else f"{stem}.safetensors"


def fresh_output(out: Path) -> Path:
    """The temporary folder beside OUT; OUT itself must not exist (an export never overwrites)."""
    if out.exists():
        raise BadSpecError("OUTPUT_EXISTS", f"out: {out} already exists; exports and imports never overwrite", "out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f"{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp


def _copy_component(src: Path, dst: Path) -> None:
    """Copies one component folder: configs and tokenizer files, and safetensors weights only (never
    `.bin` pickles; not `*.fp16.safetensors` variants, which from_pretrained would not pick by default)."""
    dst.mkdir(parents=True)
    for p in sorted(src.iterdir()):
        weights = p.suffix == ".safetensors" and p.name.count(".") == 1
        if p.is_file() and not p.name.startswith(".") and (weights or p.suffix in (".json", ".txt")):
            shutil.copyfile(p, dst / p.name)
    if src.name != "tokenizer" and not any(dst.glob("*.safetensors")):
        raise BadSpecError("BASE_MODEL_NOT_SAFETENSORS", f"{src} has no safetensors weights; the studio exports safetensors only", "model")


def _write_diffusers(tmp: Path, base: Path, unet_state: dict[str, torch.Tensor] | None, checkpoint: Path) -> None:
    from diffusers import DDIMScheduler

    for name in COPIED_COMPONENTS:
        _copy_component(base / name, tmp / name)
    if unet_state is None:  # stage 1 trains the token only: the UNet is the base model's
        _copy_component(base / "unet", tmp / "unet")
    else:
        (tmp / "unet").mkdir()
        shutil.copyfile(base / "unet" / "config.json", tmp / "unet" / "config.json")
        write_safetensors(tmp / "unet" / "diffusion_pytorch_model.safetensors", unet_state, {"format": "pt"})
    scheduler_config = json.loads((base / "scheduler" / "scheduler_config.json").read_text())
    DDIMScheduler.from_config(scheduler_config).save_pretrained(tmp / "scheduler")
    index = json.loads((base / "model_index.json").read_text())
    index.update(
        {
            "scheduler": ["diffusers", "DDIMScheduler"],
            "safety_checker": [None, None],
            "feature_extractor": [None, None],
            "requires_safety_checker": False,
        }
    )
    (tmp / "model_index.json").write_text(json.dumps(index, indent=2))
    if (checkpoint / EMBEDDING_FILE).exists():  # already {token: [1, dim]}, as load_textual_inversion reads it
        shutil.copyfile(checkpoint / EMBEDDING_FILE, tmp / DIFFUSERS_EMBEDDING)


def _write_single_file(tmp: Path, base: Path, unet_state: dict[str, torch.Tensor] | None, embedding: tuple[str, torch.Tensor] | None, header: dict[str, str], half: bool) -> None:
    dtype = torch.float16 if half else torch.float32
    tensors: dict[str, torch.Tensor] = {}
    for group in GROUPS:
        config, state = load_component(base, group)
        if group == "unet" and unet_state is not None:
            state = unet_state
        for key, target in key_map(group, config, list(state)).items():
            t = to_original(target, state)
            tensors[key] = (t.to(dtype) if t.is_floating_point() else t).contiguous()
        del state
    write_safetensors(tmp / SINGLE_FILE, tensors, header)
    if embedding is not None:
        token, row = embedding
        write_safetensors(
            tmp / embedding_file_name(token),
            {"emb_params": row.reshape(1, -1).to(dtype).contiguous()},
            {"format": "studio-embedding", "token": token, "baseModel": header["baseModel"]},
        )


def _write_plain_checkpoint(tmp: Path, checkpoint: Path, meta: dict[str, Any], unet_state: dict[str, torch.Tensor] | None) -> None:
    """The checkpoint folder a plain save of the same weights writes (checkpoints.write_checkpoint's
    file layout and safetensors metadata), so its files' sha256 equal that checkpoint's."""
    files: list[dict[str, Any]] = []
    if (checkpoint / EMBEDDING_FILE).exists():
        shutil.copyfile(checkpoint / EMBEDDING_FILE, tmp / EMBEDDING_FILE)
        files.append({"name": EMBEDDING_FILE, "sha256": sha256_file(tmp / EMBEDDING_FILE), "bytes": (tmp / EMBEDDING_FILE).stat().st_size})
    if unet_state is not None:
        st_meta = {"format": "studio-checkpoint", "stage": str(meta["stage"]), "step": str(meta["step"]), "engine": str(meta.get("engineVersion") or __version__)}
        sha, size = write_safetensors(tmp / UNET_FILE, unet_state, st_meta)
        files.append({"name": UNET_FILE, "sha256": sha, "bytes": size})
    doc = {k: v for k, v in meta.items() if k != "encoding"}
    doc["files"] = files
    (tmp / META_FILE).write_bytes(json.dumps(doc, indent=2, sort_keys=True).encode())


def _model_card(fmt: str, meta: dict[str, Any], token: str | None, files: list[str]) -> str:
    base = meta["baseModel"]["id"]
    hf = {"stable-diffusion-2-1-base": "stabilityai/stable-diffusion-2-1-base"}.get(base)
    lines = ["---", "library_name: diffusers" if fmt == "diffusers" else "tags: [stable-diffusion, safetensors]"]
    if hf:
        lines.append(f"base_model: {hf}")
    lines += ["---", "", f"# {meta.get('classNoun') or 'subject'} — personalized {base}", ""]
    lines += [
        f"- base model: `{base}` (fingerprint `{meta['baseModel'].get('fingerprint', '?')}`)",
        f"- token: `{token}`" if token else "- token: none (the UNet alone carries the subject)",
        f"- class noun: `{meta.get('classNoun')}`",
        f"- method: `{meta.get('method')}`, stage `{meta.get('stage')}`, step {meta.get('step')}",
        f"- prompt: `a photo of {token or ''} {meta.get('classNoun') or ''}`".replace("  ", " "),
        "",
        "## Use",
        "",
    ]
    if fmt == "diffusers":
        lines += [
            "```python",
            "from diffusers import StableDiffusionPipeline",
            'pipe = StableDiffusionPipeline.from_pretrained("THIS_FOLDER")',
        ]
        if token:
            lines.append(f'pipe.load_textual_inversion("THIS_FOLDER/{DIFFUSERS_EMBEDDING}", token="{token}")')
        lines += ["```", "", "The scheduler is DDIM, as in the studio: same prompt, seed and steps give the studio's image."]
    elif fmt == "checkpoint":
        lines += [
            f"The studio's checkpoint files, plain: `{UNET_FILE}` (the UNet state dict in diffusers' key layout)"
            if UNET_FILE in files
            else "A stage-1 checkpoint: the token's embedding only (the UNet is the base model's).",
            *([f"`{EMBEDDING_FILE}` is `{{token: [1, dim]}}`, loadable by diffusers' `load_textual_inversion`."] if EMBEDDING_FILE in files else []),
            f"`{META_FILE}` lists each file's sha256; `studio_engine generate --checkpoint THIS_FOLDER` reads it.",
        ]
    else:
        emb = next((f for f in files if f not in (SINGLE_FILE, "README.md", EXPORT_META)), None)
        lines += [f"Put `{SINGLE_FILE}` with the checkpoints of AUTOMATIC1111 or ComfyUI (SD 2.x layout, epsilon prediction)."]
        if emb:
            name = emb.removesuffix(".safetensors")
            lines += [f"Put `{emb}` with the embeddings and write `{name}` (A1111) or `embedding:{name}` (ComfyUI) where the studio writes `{token}`."]
    lines += ["", f"Exported by studio_engine {__version__}. Files and hashes: `{EXPORT_META}`.", ""]
    return "\n".join(lines)


def export_checkpoint(model_id: str, checkpoint: str | Path, fmt: str, out: str | Path, events: EventWriter, half: bool = False) -> list[dict[str, Any]]:
    """Writes the export folder OUT; emits one `export.file` per file, then `completed`."""
    if fmt not in FORMATS:
        raise BadSpecError("BAD_ARGUMENTS", f"format: one of {', '.join(FORMATS)}", "format")
    ckpt = Path(checkpoint)
    try:
        meta = read_checkpoint(ckpt)  # also checks every file's sha256
    except (FileNotFoundError, ValueError) as err:
        raise BadSpecError("BAD_CHECKPOINT", str(err), "checkpoint") from err
    if meta["baseModel"]["id"] != model_id:
        raise BadSpecError("BAD_CHECKPOINT", f"checkpoint is for {meta['baseModel']['id']}, not {model_id}", "checkpoint")
    for name in (EMBEDDING_FILE, UNET_FILE, DELTA_FILE):
        if (ckpt / name).exists():
            check_safetensors(ckpt / name, "checkpoint")
    base = model_dir(model_id)
    base_fp = fingerprint(base)
    if base_fp != meta["baseModel"].get("fingerprint"):
        print(f"studio_engine: warning: {model_id} on this machine differs from the one the checkpoint was trained on", file=sys.stderr)
    embedding = load_embedding(ckpt)
    token = embedding[0] if embedding else meta.get("token")
    try:
        unet_state = load_unet_state(ckpt, base)  # exports are always plain: a delta-encoded UNet is decoded here
    except ValueError as err:
        raise BadSpecError("BAD_CHECKPOINT", str(err), "checkpoint") from err

    out = Path(out)
    tmp = fresh_output(out)
    try:
        header = {
            "format": "studio-single-file",
            "baseModel": model_id,
            "baseModelFingerprint": base_fp,
            "token": token or "",
            "classNoun": str(meta.get("classNoun") or ""),
            "method": str(meta.get("method") or ""),
            "stage": str(meta["stage"]),
            "step": str(meta["step"]),
            "engineVersion": __version__,
            "config": json.dumps(meta.get("config") or {}, sort_keys=True),
        }
        if fmt == "diffusers":
            _write_diffusers(tmp, base, unet_state, ckpt)
        elif fmt == "checkpoint":
            _write_plain_checkpoint(tmp, ckpt, meta, unet_state)
        else:
            _write_single_file(tmp, base, unet_state, embedding, header, half)
        written = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        (tmp / "README.md").write_text(_model_card(fmt, meta, token, written))
        doc = {
            "format": fmt,
            "dtype": "float16" if half and fmt == "single-file" else "float32",
            "token": token,
            "classNoun": meta.get("classNoun"),
            "method": meta.get("method"),
            "stage": meta["stage"],
            "step": meta["step"],
            "baseModel": {"id": model_id, "fingerprint": base_fp},
            "source": {"checkpoint": ckpt.name, "contentHash": meta.get("contentHash"), "files": [{"name": f["name"], "sha256": f["sha256"]} for f in meta.get("files", [])]},
            "engineVersion": __version__,
        }
        (tmp / EXPORT_META).write_text(json.dumps(doc, indent=2))
        files = []
        for p in sorted(q for q in tmp.rglob("*") if q.is_file()):
            _fsync(p)
            name = p.relative_to(tmp).as_posix()
            files.append({"name": name, "path": str(out / name), "bytes": p.stat().st_size, "sha256": sha256_file(p)})
        os.rename(tmp, out)
        _fsync(out.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for f in files:
        events.emit("export.file", **f)
    events.emit("completed", outputDir=str(out), files=len(files))
    return files
