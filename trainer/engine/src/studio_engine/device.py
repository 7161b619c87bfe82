"""Device and precision: CUDA when present (bf16/fp16 autocast, SDPA attention), CPU float32 otherwise.

Master weights stay float32 on every device (docs/architecture.md §7): at lr 5e-6 a stage-2 update is below bf16's
resolution, so half-precision weights would silently stop learning. Only activations use autocast.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from .errors import BadSpecError


@dataclass(frozen=True)
class Precision:
    device: torch.device
    autocast_dtype: torch.dtype | None  # None: plain float32

    def autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.autocast_dtype)

    @property
    def needs_grad_scaler(self) -> bool:
        return self.autocast_dtype == torch.float16


def choose(device: str = "auto", mixed: str = "auto") -> Precision:
    if device == "cuda" and not torch.cuda.is_available():
        raise BadSpecError("BAD_SPEC", "device: cuda was asked for but no CUDA device is available", "device")
    dev = torch.device("cuda" if device in ("auto", "cuda") and torch.cuda.is_available() else "cpu")
    if dev.type == "cpu":
        if mixed in ("fp16", "bf16"):
            raise BadSpecError("BAD_SPEC", f"precision.mixed: {mixed} needs a CUDA device; on CPU the engine trains in float32", "precision.mixed")
        return Precision(dev, None)
    if mixed == "auto":
        mixed = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if mixed == "no":
        return Precision(dev, None)
    # TF32 for what runs in float32 outside autocast; a training job then sets it from speed.tf32 (speed.py)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    return Precision(dev, torch.bfloat16 if mixed == "bf16" else torch.float16)
