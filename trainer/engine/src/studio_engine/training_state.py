"""The private training state saved with each checkpoint: what a resumed run needs to continue
bit-for-bit as if it had never stopped (trainer/protocol/PROTOCOL.md, "Resume").

A training step depends on: the trained weights (in the checkpoint itself), the optimiser's state
(AdamW's step count and first/second moments per parameter), the GradScaler's state (fp16), the
random number generators' states (torch CPU and CUDA, Python, NumPy: the engine draws every step's
noise from a generator fixed by (seed, stage, step), but anything else that reads a global
generator — dropout, a library — continues exactly where it was), and the step counter. All of it
is written next to the checkpoint's public files as

    training-state.safetensors   every tensor (optimiser moments, RNG states), deterministic bytes
    training-state.json          everything else (step, optimiser hyper-parameters and scalars,
                                 scaler state, Python RNG state, versions, the checkpoint it belongs
                                 to, the sha256 of the .safetensors)

— safetensors + JSON, no pickle: a state file cannot run code when it is read. The files are not
listed in checkpoint.json (the checkpoint's public manifest): the trainer uploads them privately
and they are never exported, shared or shown on a model card.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file

from . import __version__, verified
from .errors import BadSpecError
from .st_io import write_safetensors

STATE_TENSORS = "training-state.safetensors"
STATE_JSON = "training-state.json"
FORMAT = "studio-training-state"
VERSION = 1
IMPLEMENTATION_KEYS = ("fused", "foreach", "capturable", "differentiable")


class TrainingStateError(BadSpecError):
    """The checkpoint's training state cannot be used (another checkpoint's, altered, another
    optimiser): reported as BAD_CHECKPOINT on `resumeFrom`, exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__("BAD_CHECKPOINT", f"resumeFrom: {message}", "resumeFrom")


def _jsonable(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        return v.item()
    raise TypeError(f"cannot store {type(v).__name__} in the training state")


def _host_copy(t: torch.Tensor) -> torch.Tensor:
    return t.detach().to("cpu", copy=True).contiguous()


def _split(value: Any, name: str, tensors: dict[str, torch.Tensor], copy=_host_copy) -> Any:
    """JSON layout of an optimiser state entry; each tensor goes to `tensors` (a host copy the
    checkpoint writer owns) and is referenced by name."""
    if isinstance(value, torch.Tensor):
        tensors[name] = copy(value)
        return {"$tensor": name}
    if isinstance(value, dict):
        return {"$dict": {str(k): _split(v, f"{name}.{k}", tensors, copy) for k, v in value.items()}, "$intKeys": all(isinstance(k, int) for k in value) and bool(value)}
    if isinstance(value, (list, tuple)) and any(isinstance(x, (torch.Tensor, dict)) for x in value):
        return {"$list": [_split(v, f"{name}.{i}", tensors, copy) for i, v in enumerate(value)]}
    return {"$value": _jsonable(value)}


def _join(layout: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if "$tensor" in layout:
        return tensors[layout["$tensor"]]
    if "$dict" in layout:
        return {(int(k) if layout.get("$intKeys") else k): _join(v, tensors) for k, v in layout["$dict"].items()}
    if "$list" in layout:
        return [_join(v, tensors) for v in layout["$list"]]
    return layout["$value"]


def capture(*, stage: str, step: int, optimizer, scaler, device: torch.device, pool=None) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(tensors, json document) of the state after `step` of `stage`; tensors are host copies (into
    `pool`'s reused buffers when given: host_buffers.HostBufferPool)."""
    tensors: dict[str, torch.Tensor] = {}
    opt = optimizer.state_dict()
    copy = (lambda t: pool.copy(t)) if pool is not None else _host_copy
    layout = {str(idx): _split(entry, f"optimizer.{idx}", tensors, copy) for idx, entry in opt["state"].items()}
    tensors["rng.torch"] = torch.get_rng_state().clone()
    if device.type == "cuda" and torch.cuda.is_available():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = s.clone()
    np_state = np.random.get_state()
    tensors["rng.numpy"] = torch.from_numpy(np.asarray(np_state[1], dtype=np.int64))
    py_version, py_internal, py_gauss = random.getstate()
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "stage": stage,
        "step": step,
        "optimizer": {
            "class": type(optimizer).__module__ + "." + type(optimizer).__name__,
            "paramGroups": _jsonable(opt["param_groups"]),
            "state": layout,
        },
        "scaler": _jsonable(scaler.state_dict()) if scaler is not None else None,
        "rng": {
            "python": {"version": py_version, "internal": list(py_internal), "gauss": py_gauss},
            "numpy": {"kind": np_state[0], "pos": int(np_state[2]), "hasGauss": int(np_state[3]), "cachedGaussian": float(np_state[4])},
            "cudaDevices": sum(1 for k in tensors if k.startswith("rng.cuda.")),
        },
        "environment": {
            "engineVersion": __version__,
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "device": device.type,
        },
    }
    return tensors, doc


def write(folder: Path, tensors: dict[str, torch.Tensor], doc: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Writes both files; returns {file name: (sha256, size)}, hashed from the bytes as written."""
    sha, size = write_safetensors(folder / STATE_TENSORS, tensors, {"format": FORMAT})
    doc = {**doc, "tensorsSha256": sha}
    raw = json.dumps(doc, indent=2, sort_keys=True).encode()
    (folder / STATE_JSON).write_bytes(raw)
    return {STATE_TENSORS: (sha, size), STATE_JSON: (hashlib.sha256(raw).hexdigest(), len(raw))}


def exists(folder: str | Path) -> bool:
    p = Path(folder)
    return (p / STATE_JSON).exists() and (p / STATE_TENSORS).exists()


def read(folder: str | Path, *, stage: str, step: int, checkpoint_hash: str) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Loads and checks the state saved with a checkpoint (it must be that checkpoint's, untouched)."""
    p = Path(folder)
    try:
        doc = json.loads((p / STATE_JSON).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise TrainingStateError(f"{STATE_JSON}: {err}") from err
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise TrainingStateError(f"{STATE_JSON}: not a version-{VERSION} training state")
    if doc.get("stage") != stage or doc.get("step") != step or doc.get("checkpointContentHash") != checkpoint_hash:
        raise TrainingStateError("the training state belongs to another checkpoint")
    if not isinstance(doc.get("tensorsSha256"), str) or not verified.check_file(p / STATE_TENSORS, doc["tensorsSha256"]):
        raise TrainingStateError(f"{STATE_TENSORS} does not match the sha256 recorded in {STATE_JSON}")
    return load_file(str(p / STATE_TENSORS)), doc


def restore_optimizer(optimizer, tensors: dict[str, torch.Tensor], doc: dict[str, Any]) -> None:
    o = doc["optimizer"]
    expected = type(optimizer).__module__ + "." + type(optimizer).__name__
    if o["class"] != expected:
        raise TrainingStateError(f"the training state was saved by {o['class']}, this run uses {expected}")
    state = {int(idx): _join(layout, tensors) for idx, layout in o["state"].items()}
    groups = []
    for g, current in zip(o["paramGroups"], optimizer.param_groups):
        # Which kernel runs the update (fused, foreach, ...) is this run's choice (speed.fusedAdam), not
        # state: keep it, so the restored `step` counters also land where that kernel expects them.
        g = {**g, **{k: current[k] for k in IMPLEMENTATION_KEYS if k in current}}
        if isinstance(g.get("betas"), list):
            g["betas"] = tuple(g["betas"])
        groups.append(g)
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def restore_scaler(scaler, doc: dict[str, Any]) -> None:
    if scaler is not None and doc.get("scaler"):
        scaler.load_state_dict(doc["scaler"])


def restore_rng(tensors: dict[str, torch.Tensor], doc: dict[str, Any], device: torch.device) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    if device.type == "cuda" and torch.cuda.is_available():
        states = [tensors[f"rng.cuda.{i}"] for i in range(doc["rng"]["cudaDevices"])]
        if states and len(states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(states)
    py = doc["rng"]["python"]
    random.setstate((py["version"], tuple(py["internal"]), py["gauss"]))
    n = doc["rng"]["numpy"]
    np.random.set_state((n["kind"], tensors["rng.numpy"].numpy().astype(np.uint32), n["pos"], n["hasGauss"], n["cachedGaussian"]))
