"""A training job from spec to checkpoints: the three methods as sequences of stages.

    TWO_STAGE          stage 1 (invert <rare>)  →  stage 2 (fine-tune the UNet, <rare> frozen)
    DREAMBOOTH         class images  →  stage 2 with prior preservation (identifier `sks`)
    TEXTUAL_INVERSION  stage 1 only, with a new noun token, the TI templates, flips, thousands of steps

Resume (`resumeFrom`): the checkpoint's weights are loaded, and its private training state
(training_state.py: optimiser moments, scaler, RNG states) is restored, so the run continues
bit-for-bit as if it had never stopped (PROTOCOL.md, "Resume"). DreamBooth's class images are drawn
*before* anything from the checkpoint is loaded: always by the untouched base model.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import torch

from . import training_state as ts
from .checkpoints import load_embedding, load_unet_state, read_checkpoint
from .device import choose
from .diffusion import LatentCache
from .dreambooth import base_weights_hash, class_image_latents
from .embedding import LearnedToken
from .errors import BadSpecError
from .events import EventWriter
from .images import ImageInputError, load_subject_images
from .models import load_components
from .phases import LOADING_BASE_MODEL, phase
from .run_context import CancelFlag, RunContext
from .spec import DREAMBOOTH, TEXTUAL_INVERSION, TWO_STAGE, JobSpec
from .speed import apply_backend_flags, prepare_unet
from .speed import resolve as resolve_speed
from .stage1_inversion import run_stage1
from .stage2_finetune import PriorPreservation, run_stage2


def _noise_scheduler(components):
    from diffusers import DDPMScheduler

    return DDPMScheduler.from_config(components.scheduler_config)


def _resume_point(spec: JobSpec) -> tuple[str | None, int, dict | None]:
    """(stage, step, metadata) of the checkpoint to resume from, or (None, 0, None)."""
    if not spec.resume_from:
        return None, 0, None
    try:
        meta = read_checkpoint(spec.resume_from)
    except (FileNotFoundError, ValueError) as err:
        raise BadSpecError("BAD_CHECKPOINT", f"resumeFrom: {err}", "resumeFrom") from err
    if meta.get("method") != spec.method or meta.get("token") != spec.token:
        raise BadSpecError("BAD_CHECKPOINT", "resumeFrom: the checkpoint belongs to another method or token", "resumeFrom")
    return meta["stage"], int(meta["step"]), meta


def _training_state(spec: JobSpec, stage: str, step: int, meta: dict):
    """The checkpoint's private training state, checked against it; None (with a warning) when the
    checkpoint has none — an imported or older checkpoint: the run then resumes with a fresh
    optimiser and is not bit-identical to an uninterrupted one."""
    folder = spec.resume_from
    assert folder is not None
    if not ts.exists(folder) or not meta.get("contentHash"):
        print(f"studio_engine: {folder} has no training state; resuming with a fresh optimiser (not bit-exact)", file=sys.stderr)
        return None
    return ts.read(folder, stage=stage, step=step, checkpoint_hash=meta["contentHash"])  # TrainingStateError: BAD_CHECKPOINT


def heartbeat(events: EventWriter, every: float, stop: threading.Event) -> threading.Thread:
    def beat() -> None:
        while not stop.wait(every):
            events.emit("heartbeat")

    t = threading.Thread(target=beat, name="heartbeat", daemon=True)
    t.start()
    return t


class WarmModel:
    """A base model loaded by a `standby` engine before it has a job (the trainer's warm engine,
    PROTOCOL.md "standby"): handed to the one job this process runs, if that job asks for the same
    model and its folder has not changed since (same fingerprint). Used once: training changes it."""

    def __init__(self, components) -> None:
        self._components = components

    @classmethod
    def load(cls, model_id: str, device: str = "auto") -> WarmModel:
        return cls(load_components(model_id, choose(device, "no").device))

    @property
    def model_id(self) -> str | None:
        return self._components.model_id if self._components is not None else None

    def take(self, model_id: str, device: torch.device):
        """The preloaded components on `device`, or None (another model, a changed folder, already taken)."""
        from .models import fingerprint

        c, self._components = self._components, None
        if c is None or c.model_id != model_id or fingerprint(c.folder) != c.fingerprint:
            return None
        for m in (c.text_encoder, c.vae, c.unet):
            m.to(device)
        return c


def run_training(spec: JobSpec, events: EventWriter, cancel: CancelFlag, warm: WarmModel | None = None) -> RunContext:
    precision = choose(spec.device, spec.mixed_precision)
    speed = resolve_speed(
        spec.speed,
        precision.device,
        precision.autocast_dtype is not None,
        fp16=precision.needs_grad_scaler,
        adam8bit=spec.adam8bit,
        gradient_checkpointing=spec.gradient_checkpointing,
    )  # speed.py
    apply_backend_flags(speed, precision.device)
    with phase(events, LOADING_BASE_MODEL, modelId=spec.base_model) as loaded:
        components = warm.take(spec.base_model, precision.device) if warm is not None else None
        loaded["warm"] = components is not None
        if components is None:
            components = load_components(spec.base_model, precision.device)
    prepare_unet(components.unet, speed)  # attention, channels-last, regional compile: values unchanged
    ctx = RunContext(spec, components, precision, events, cancel, Path(spec.output_dir), speed=speed)
    res = ctx.resolution
    if res % components.vae_scale_factor:
        raise BadSpecError("BAD_SPEC", f"resolution: must be a multiple of {components.vae_scale_factor}", "resolution")
    try:
        images = load_subject_images(spec.images, res)
    except ImageInputError as err:
        raise BadSpecError(err.code, err.message, "images") from err
    # once per image, not per step (textual inversion: the mirrored images too, for its random flip)
    ctx.latents = LatentCache(components.vae, images, precision.device, with_flips=spec.method == TEXTUAL_INVERSION)

    resume_stage, resume_step, resume_meta = _resume_point(spec)
    prior = None
    if spec.method == DREAMBOOTH:
        # Before anything from a checkpoint is loaded: class images come from the untouched base model.
        base_weights_hash(ctx)
        prior = PriorPreservation(class_image_latents(ctx), spec.prior_loss_weight, spec.class_prompt)
    if spec.initializer is not None or (resume_meta and spec.method != DREAMBOOTH):
        saved = load_embedding(spec.resume_from) if resume_meta else None
        ctx.token = LearnedToken(components.tokenizer, components.text_encoder, spec.token, spec.initializer, initial_row=saved[1] if saved else None)
    resume = None
    if resume_meta:
        try:
            state = load_unet_state(spec.resume_from, components.folder)  # decodes a delta-encoded UNet
        except ValueError as err:
            raise BadSpecError("BAD_CHECKPOINT", f"resumeFrom: {err}", "resumeFrom") from err
        if state is not None:
            components.unet.load_state_dict(state)
        resume = _training_state(spec, resume_stage, resume_step, resume_meta)
    noise_scheduler = _noise_scheduler(components)

    if spec.method == TWO_STAGE:
        assert spec.stage1 and spec.stage2
        if resume_stage != "stage2":
            in_stage1 = resume_stage == "stage1"
            run_stage1(ctx, spec.stage1, noise_scheduler, start_step=resume_step if in_stage1 else 0, resume=resume if in_stage1 else None)
        in_stage2 = resume_stage == "stage2"
        run_stage2(ctx, spec.stage2, noise_scheduler, start_step=resume_step if in_stage2 else 0, resume=resume if in_stage2 else None)
    elif spec.method == TEXTUAL_INVERSION:
        assert spec.stage1
        run_stage1(ctx, spec.stage1, noise_scheduler, start_step=resume_step, resume=resume)
    else:
        assert spec.stage2
        run_stage2(ctx, spec.stage2, noise_scheduler, start_step=resume_step, prior=prior, resume=resume)

    ctx.wait_for_checkpoints()  # never `completed` before the last checkpoint is durable (each stage waits too)
    events.emit("completed", checkpoints=len(ctx.checkpoints), outputDir=str(ctx.output_dir))
    return ctx


def torch_oom_types() -> tuple[type[BaseException], ...]:
    return (torch.cuda.OutOfMemoryError,) if hasattr(torch.cuda, "OutOfMemoryError") else ()
