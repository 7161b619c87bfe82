"""A training job from spec to checkpoints: the three methods as sequences of stages.

    TWO_STAGE          stage 1 (invert <rare>)  →  stage 2 (fine-tune the UNet, <rare> frozen)
    DREAMBOOTH         class images  →  stage 2 with prior preservation (identifier `sks`)
    TEXTUAL_INVERSION  stage 1 only, with a new noun token and thousands of steps
"""

from __future__ import annotations

import threading
from pathlib import Path

import torch

from .checkpoints import load_embedding, load_unet_state, read_checkpoint
from .device import choose
from .diffusion import LatentCache
from .dreambooth import class_latents, ensure_class_images
from .embedding import LearnedToken
from .errors import BadSpecError
from .events import EventWriter
from .images import ImageInputError, load_subject_images
from .models import load_components
from .run_context import CancelFlag, RunContext
from .spec import DREAMBOOTH, TEXTUAL_INVERSION, TWO_STAGE, JobSpec
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


def heartbeat(events: EventWriter, every: float, stop: threading.Event) -> threading.Thread:
    def beat() -> None:
        while not stop.wait(every):
            events.emit("heartbeat")

    t = threading.Thread(target=beat, name="heartbeat", daemon=True)
    t.start()
    return t


def run_training(spec: JobSpec, events: EventWriter, cancel: CancelFlag) -> RunContext:
    precision = choose(spec.device, spec.mixed_precision)
    components = load_components(spec.base_model, precision.device)
    ctx = RunContext(spec, components, precision, events, cancel, Path(spec.output_dir))
    res = ctx.resolution
    if res % components.vae_scale_factor:
        raise BadSpecError("BAD_SPEC", f"resolution: must be a multiple of {components.vae_scale_factor}", "resolution")
    try:
        images = load_subject_images(spec.images, res)
    except ImageInputError as err:
        raise BadSpecError(err.code, err.message, "images") from err
    ctx.latents = LatentCache(components.vae, images, precision.device)  # once per image, not per step

    resume_stage, resume_step, resume_meta = _resume_point(spec)
    if spec.initializer is not None or (resume_meta and spec.method != DREAMBOOTH):
        saved = load_embedding(spec.resume_from) if resume_meta else None
        ctx.token = LearnedToken(components.tokenizer, components.text_encoder, spec.token, spec.initializer, initial_row=saved[1] if saved else None)
    if resume_meta:
        state = load_unet_state(spec.resume_from)
        if state is not None:
            components.unet.load_state_dict(state)
    noise_scheduler = _noise_scheduler(components)

    if spec.method == TWO_STAGE:
        assert spec.stage1 and spec.stage2
        if resume_stage != "stage2":
            run_stage1(ctx, spec.stage1, noise_scheduler, start_step=resume_step if resume_stage == "stage1" else 0)
        run_stage2(ctx, spec.stage2, noise_scheduler, start_step=resume_step if resume_stage == "stage2" else 0)
    elif spec.method == TEXTUAL_INVERSION:
        assert spec.stage1
        run_stage1(ctx, spec.stage1, noise_scheduler, start_step=resume_step)
    else:
        assert spec.stage2
        paths = ensure_class_images(ctx)
        prior = PriorPreservation(class_latents(ctx, paths), spec.prior_loss_weight, spec.class_prompt)
        run_stage2(ctx, spec.stage2, noise_scheduler, start_step=resume_step, prior=prior)

    events.emit("completed", checkpoints=len(ctx.checkpoints), outputDir=str(ctx.output_dir))
    return ctx


def torch_oom_types() -> tuple[type[BaseException], ...]:
    return (torch.cuda.OutOfMemoryError,) if hasattr(torch.cuda, "OutOfMemoryError") else ()
