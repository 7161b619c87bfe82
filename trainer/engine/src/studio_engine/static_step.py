"""Stage 2's static-input step and its CUDA graph (`speed.cudaGraph`, issue 18; off by default).

On an H200 the SD 2.1-sized stage-2 step is bound by the CPU launching its kernels (≈4 800 per step, ≈112 ms of
dispatch against ≈40 ms of GPU work; trainer/engine/bench/README.md, "CUDA graphs"). Replaying the whole step as
one CUDA graph removes the dispatch. A graph replays fixed kernels on fixed memory, so the step is split in two:

  outside (eager, every step)  the step's draws from its device generator (image index, latent sample, ε, t: the
                               same draws in the same order as the plain loop, diffusion.step_generator) and
                               add_noise / the target; the caller computes them and this class copies them into
                               static buffers;
  inside (`_body`)             UNet forward (autocast) + loss + backward + clip_grad_norm_ + AdamW, into a static
                               loss; the instance batch, then (DreamBooth) the class-prior batch.

On CPU, and wherever `capture` is False, `_body` simply runs eagerly every step, followed by zero_grad: the plain
loop's arithmetic in the plain loop's order, so losses and weights are bit-identical (tests/test_cuda_graph.py).

On CUDA (`capture=True`, CUDA-only code in `_cuda_step`): the first WARMUP_STEPS steps run `_body` eagerly on a side
stream (real steps, the same math; AdamW's state is created there and cuBLAS/cuDNN settle their kernels), the next
step is captured (after zero_grad(set_to_none), so backward allocates the gradients in the graph's pool) and
replayed, and every later step only replays it. The optimiser must be capturable (optim.make_adamw: step counters
on the device, no host sync) and its learning rate is fixed (the engine's is constant per stage). Parameters,
gradients and AdamW moments are the live tensors the graph updates in place: sampling and checkpoints between steps
run eagerly and read the current weights and optimiser state; a resumed run restores the optimiser before the
warm-up, so the captured step uses the restored tensors. Each step returns a copy of the static loss (the next
replay overwrites it; LossLog reads losses back in batches).
"""

from __future__ import annotations

import sys
import time

import torch

from .diffusion import prediction_loss
from .optim import optimizer_step

WARMUP_STEPS = 3  # eager steps on a side stream before the capture (torch's whole-network example uses 3)


def combined_loss(instance: torch.Tensor, prior: torch.Tensor | None, weight: float) -> torch.Tensor:
    """L = mean(L_instance) + λ · mean(L_prior)."""
    loss = instance.mean()
    if prior is not None:
        loss = loss + weight * prior.mean()
    return loss


class StaticStep:
    """One stage-2 training step on static inputs. `texts`: the fixed text embeddings, one per UNet call (instance,
    then prior); each call's inputs are (z_t, t, target)."""

    def __init__(self, unet, optimizer, params: list[torch.Tensor], precision, max_grad_norm: float | None, texts: list[torch.Tensor], prior_weight: float, capture: bool) -> None:
        self.unet, self.optimizer, self.params, self.precision = unet, optimizer, params, precision
        self.max_grad_norm, self.texts, self.prior_weight = max_grad_norm, texts, prior_weight
        self.capture = capture
        self.static: list[tuple[torch.Tensor, ...]] | None = None
        self.warm_steps = 0
        self.graph = None
        self.loss: torch.Tensor | None = None
        self.capture_seconds: float | None = None
        self._side = None

    def __call__(self, inputs: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """One step on `inputs` ((z_t, t, target) per UNet call); returns the step's loss as a new device tensor."""
        if len(inputs) != len(self.texts):
            raise ValueError(f"expected inputs for {len(self.texts)} UNet calls, got {len(inputs)}")
        self._fill(inputs)
        if not self.capture:
            loss = self._body()
            self.optimizer.zero_grad(set_to_none=True)
            return loss
        return self._cuda_step()

    def _fill(self, inputs) -> None:
        if self.static is None:  # the first step allocates the buffers (outside any graph)
            self.static = [tuple(t.detach().clone() for t in call) for call in inputs]
            return
        for dst, src in zip(self.static, inputs):
            for d, s in zip(dst, src):
                if d.shape != s.shape or d.dtype != s.dtype:
                    raise ValueError(f"static step: an input changed from {tuple(d.shape)} {d.dtype} to {tuple(s.shape)} {s.dtype}")
                d.copy_(s)

    def _body(self) -> torch.Tensor:
        """The captured region: forward(s) + loss + backward + clip + AdamW step; the gradients are kept."""
        assert self.static is not None
        losses = [prediction_loss(self.unet, z, t, text, target, self.precision) for (z, t, target), text in zip(self.static, self.texts)]
        loss = combined_loss(losses[0], losses[1] if len(losses) > 1 else None, self.prior_weight)
        optimizer_step(loss, self.optimizer, self.params, None, self.max_grad_norm, zero_grad=False)
        return loss.detach()

    def _cuda_step(self) -> torch.Tensor:  # CUDA only: `capture` is set only when the training device is CUDA
        if self.graph is None and self.warm_steps < WARMUP_STEPS:
            self.warm_steps += 1
            main = torch.cuda.current_stream()
            if self._side is None:
                self._side = torch.cuda.Stream()
            self._side.wait_stream(main)  # the static inputs were written on the main stream
            with torch.cuda.stream(self._side):
                loss = self._body()
                self.optimizer.zero_grad(set_to_none=True)
            main.wait_stream(self._side)
            if loss.is_cuda:  # (always, outside tests/test_cuda_graph.py's emulation)
                loss.record_stream(main)  # read on the main stream below: not reused by the side stream before that
            return loss.clone()  # on the main stream, after the side stream's work
        if self.graph is None:
            self.optimizer.zero_grad(set_to_none=True)  # backward then allocates the gradients in the graph's pool
            t0 = time.perf_counter()
            graph = torch.cuda.CUDAGraph()
            # thread_local: the checkpoint writer's thread may allocate pinned host buffers meanwhile
            with torch.cuda.graph(graph, capture_error_mode="thread_local"):
                self.loss = self._body()
            self.graph = graph
            self.capture_seconds = time.perf_counter() - t0
            print(
                f"studio_engine: stage 2's step captured as a CUDA graph in {self.capture_seconds:.2f} s after {self.warm_steps} eager warm-up steps; replaying it from here on",
                file=sys.stderr,
                flush=True,
            )
        self.graph.replay()  # this step's math, on the inputs just copied in
        assert self.loss is not None
        return self.loss.clone()

    def close(self) -> None:
        """Drops the graph and its memory pool (the stage is over); the gradients go with it."""
        self.graph = None
        self.loss = None
        self.static = None
        self.optimizer.zero_grad(set_to_none=True)
