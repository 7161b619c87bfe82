"""One optimiser step, the same for every stage: backward, (fp16: unscale), clip, step.

- Gradient clipping: the global L2 norm over the trained parameters is clipped to `maxGradNorm`
  (default 1.0, as diffusers' `train_dreambooth.py --max_grad_norm`; `null` disables it).
- fp16 autocast (chosen on GPUs without bf16): the loss is scaled by a GradScaler so small gradients
  (the single embedding row of stage 1 above all) do not underflow; the gradients are *unscaled
  before clipping*, so the clip threshold means the same thing as in float32, and a step whose
  gradients overflowed is skipped by the scaler. bf16 and float32 need no scaler.
- AdamW (β 0.9/0.999, weight decay 1e-2, ε 1e-8) as one fused kernel when the job's `speed.fusedAdam`
  is on (speed.py; the default where this torch has it), else torch's foreach/for-loop implementation.
  The parameters, gradients and moments are float32 either way (master weights stay float32); fused
  and unfused agree to float32 rounding (tests/test_speed.py states the tolerance).
"""

from __future__ import annotations

import torch

from .device import Precision


def make_adamw(params, lr: float, fused: bool, foreach: bool | None = True, capturable: bool = False) -> torch.optim.AdamW:
    """AdamW with the engine's hyper-parameters; `fused` picks the fused kernel (then `foreach` is unused).
    `capturable` (CUDA graphs, static_step.py): the step counters live on the device and the update makes
    no host sync, so it can be captured; the learning rate is then fixed for the graph's life."""
    impl = {"fused": True} if fused else {"foreach": foreach}
    if capturable:
        impl["capturable"] = True
    return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8, **impl)


def make_scaler(precision: Precision):
    """A GradScaler when the precision is fp16, else None."""
    if not precision.needs_grad_scaler:
        return None
    return torch.amp.GradScaler(precision.device.type)


def optimizer_step(loss: torch.Tensor, optimizer, params: list[torch.Tensor], scaler, max_grad_norm: float | None, zero_grad: bool = True) -> torch.Tensor | None:
    """Backward + (unscale) + clip + step + zero_grad. Returns the global gradient norm before clipping
    (None when clipping is off), as a device tensor (no host sync). `zero_grad=False` keeps the gradients
    (a captured step: its backward writes them in place on every replay, static_step.py)."""
    norm = None
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)  # true gradients from here: the clip threshold is in real units
        if max_grad_norm is not None:
            norm = torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
        scaler.step(optimizer)  # skipped when the gradients hold inf/NaN
        scaler.update()
    else:
        loss.backward()
        if max_grad_norm is not None:
            norm = torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
        optimizer.step()
    if zero_grad:
        optimizer.zero_grad(set_to_none=True)
    return norm
