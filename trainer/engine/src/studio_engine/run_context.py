"""What every stage of a training job shares: the spec, the models, events, cancellation, and the
helpers that report progress, save samples and write checkpoints. Stages (stage1_inversion.py,
stage2_finetune.py, dreambooth.py) read top to bottom like the paper's algorithm; the plumbing is here.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import checkpoint_codec as codec
from . import training_state as ts
from .checkpoint_writer import CheckpointWriter, max_in_flight_from_env
from .checkpoints import SavedCheckpoint, take_snapshot
from .device import Precision
from .diffusion import LatentCache
from .embedding import LearnedToken
from .errors import BadSpecError, CancelledError
from .events import EventWriter
from .models import Components
from .sampling import GenerationRequest, generate, save_png
from .spec import JobSpec
from .speed import SpeedOptions

LOSS_FLUSH_SECONDS = 1.0


class CancelFlag:
    """Set by SIGTERM; checked between steps, so the current step always finishes."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise CancelledError()


class StderrProgress:
    """A one-line progress bar on stderr, only when stderr is a terminal (people running the CLI)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def show(self, stage: str, step: int, total: int, loss: float | None, sps: float) -> None:
        if not self.enabled:
            return
        width = 30
        done = int(width * step / max(total, 1))
        loss_s = f" loss {loss:.4f}" if loss is not None else ""
        sys.stderr.write(f"\r{stage:<12} [{'#' * done}{'.' * (width - done)}] {step}/{total}{loss_s} {sps:.2f} it/s ")
        if step >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


@dataclass
class LossLog:
    """Collects losses as device tensors and reads them back in batches: one host sync per flush,
    not per step (docs/architecture.md §7), while still reporting one `progress` event per step."""

    ctx: RunContext
    stage: str
    total: int
    pending: list[tuple[int, torch.Tensor | None, float]] = field(default_factory=list)
    last_flush: float = field(default_factory=time.monotonic)
    steps_since: int = 0

    def add(self, step: int, loss: torch.Tensor | None, lr: float) -> None:
        self.pending.append((step, None if loss is None else loss.detach(), lr))
        self.steps_since += 1
        if time.monotonic() - self.last_flush >= LOSS_FLUSH_SECONDS or step >= self.total:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        now = time.monotonic()
        sps = self.steps_since / max(now - self.last_flush, 1e-9)
        tensors = [loss for _, loss, _ in self.pending if loss is not None]
        values = iter(torch.stack(tensors).float().cpu().tolist()) if tensors else iter(())
        for step, loss, lr in self.pending:
            value = next(values) if loss is not None else None
            self.ctx.events.emit("progress", stage=self.stage, step=step, totalSteps=self.total, loss=value, learningRate=lr, stepsPerSecond=round(sps, 4))
            self.ctx.progress_bar.show(self.stage, step, self.total, value, sps)
        self.pending.clear()
        self.last_flush = now
        self.steps_since = 0


@dataclass
class RunContext:
    spec: JobSpec
    components: Components
    precision: Precision
    events: EventWriter
    cancel: CancelFlag
    output_dir: Path
    latents: LatentCache | None = None
    token: LearnedToken | None = None
    progress_bar: StderrProgress = field(default_factory=StderrProgress)
    checkpoints: list[SavedCheckpoint] = field(default_factory=list)
    base_weights_hash: str | None = None  # DreamBooth: content hash of the untouched base model's weights
    stalls: list[float] = field(default_factory=list)  # seconds each checkpoint held the training loop
    speed: SpeedOptions = field(default_factory=SpeedOptions)  # train.py: the job's resolved speed options
    _writer: CheckpointWriter | None = None

    def writer(self) -> CheckpointWriter:
        if self._writer is None:
            try:
                n = max_in_flight_from_env()
            except ValueError as err:
                raise BadSpecError("BAD_SPEC", str(err), "environment") from err
            self._writer = CheckpointWriter(self.output_dir / "checkpoints", n, pin=self.device.type == "cuda")
        return self._writer

    def prepare_checkpoint_buffers(self, params: list[torch.Tensor], optimizer_copies: int) -> None:
        """Stage 2: has the writer allocate the UNet's snapshot buffers (weights + AdamW moments, one
        set per snapshot in flight) in the background, so a checkpoint is a copy, not an allocation."""
        writer = self.writer()
        unet = list(self.components.unet.state_dict().values())
        writer.prepare(unet, torch.float32, writer.max_in_flight)
        if optimizer_copies:
            writer.prepare(params, torch.float32, optimizer_copies * writer.max_in_flight)

    def base_unet_for_encoding(self) -> Path | None:
        """The base model's UNet file when checkpoints are stored as deltas (STUDIO_CHECKPOINT_ENCODING=delta)."""
        try:
            encoding = codec.encoding_from_env()
        except ValueError as err:
            raise BadSpecError("BAD_SPEC", str(err), "environment") from err
        return codec.base_unet_file(self.components.folder) if encoding == "delta" else None

    def wait_for_checkpoints(self) -> None:
        """Blocks until every checkpoint handed to the writer is durable. In a `finally` with an
        exception on its way, waits the same but leaves that exception to propagate."""
        if self._writer is not None:
            self._writer.drain(raise_error=sys.exc_info()[0] is None)

    @property
    def device(self) -> torch.device:
        return self.precision.device

    def meta(self) -> dict[str, Any]:
        s = self.spec
        return {
            "baseModel": {"id": self.components.model_id, "fingerprint": self.components.fingerprint},
            "method": s.method,
            "token": s.token,
            "classNoun": s.class_noun,
            "instancePrompt": s.instance_prompt,
            "resolution": self.resolution,
            "config": s.raw,
        }

    @property
    def resolution(self) -> int:
        return self.spec.resolution or self.components.resolution

    def stage_started(self, stage: str, total: int, **extra: Any) -> LossLog:
        if stage != "class_images":
            extra["speed"] = self.speed.describe()
        self.events.emit("stage.started", stage=stage, totalSteps=total, method=self.spec.method, **extra)
        return LossLog(self, stage, total)

    def save_samples(self, stage: str, step: int) -> None:
        s = self.spec.samples
        for pi, prompt in enumerate(s.prompts):
            for seed in s.seeds:
                self.cancel.check()
                req = GenerationRequest(prompt=prompt, seed=seed, steps=s.steps, guidance_scale=s.guidance_scale, width=self.resolution, height=self.resolution)
                ((_, img),) = generate(self.components, req, self.precision)
                path = save_png(img, self.output_dir / "samples" / f"{stage}-step-{step:06d}-p{pi}-s{seed}.png")
                self.events.emit("sample.saved", stage=stage, step=step, prompt=prompt, promptIndex=pi, seed=seed, path=str(path))

    def fault_point(self, stage: str, step: int) -> None:
        """Fault injection for the resume tests (never set in production): as `step` of `stage`
        begins, STUDIO_ENGINE_KILL_AT=stage:step makes the engine SIGKILL itself (no cleanup, like a
        power cut or kill -9; a checkpoint still being written in the background is lost, the previous
        ones stay); STUDIO_ENGINE_PAUSE_AT=stage:step makes it SIGSTOP itself once the checkpoints
        before that step are durable, so a test can kill -9 the trainer and the engine at exactly that
        step."""
        here = f"{stage}:{step}"
        if os.environ.get("STUDIO_ENGINE_KILL_AT") == here:
            os.kill(os.getpid(), signal.SIGKILL)
        if os.environ.get("STUDIO_ENGINE_PAUSE_AT") == here:
            self.wait_for_checkpoints()  # paused "as the step begins" means with the checkpoints before it durable
            os.kill(os.getpid(), signal.SIGSTOP)

    def save_checkpoint(self, stage: str, step: int, with_unet: bool, optimizer=None, scaler=None) -> float:
        """Hands a snapshot of the checkpoint to the background writer (checkpoint_writer.py) and
        returns the seconds training was held; `checkpoint.saved` follows once it is durable."""
        writer = self.writer()
        base_unet = self.base_unet_for_encoding() if with_unet else None

        def snapshot():
            state = None
            if optimizer is not None:
                state = ts.capture(stage=stage, step=step, optimizer=optimizer, scaler=scaler, device=self.device, pool=writer.pool)
            return take_snapshot(
                stage=stage,
                step=step,
                meta=self.meta(),
                embedding=self.token.file_tensors() if self.token else None,
                unet_state=self.components.unet.state_dict() if with_unet else None,
                training_state=state,
                base_unet=base_unet,
                pool=writer.pool,
            )

        def saved_event(saved: SavedCheckpoint, stall: float) -> None:
            self.checkpoints.append(saved)
            extra = {"trainingState": saved.private_files} if saved.private_files is not None else {}
            self.events.emit(
                "checkpoint.saved",
                stage=stage,
                step=step,
                path=str(saved.path),
                bytes=saved.bytes,
                files=saved.files,
                contentHash=saved.content_hash,
                stallSeconds=round(stall, 4),
                **extra,
            )

        stall = writer.submit(snapshot, saved_event)
        self.stalls.append(stall)
        return stall
