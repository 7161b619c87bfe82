"""Stage 2 — fine-tuning the diffusion model (paper §3.2, eq. 4; also the DreamBooth baseline).

    min over Θ of  E ‖ε − ε_Θ(z_t, t, τ_θ(y))‖²   with y = "a photo of <rare> {class}"

The UNet's parameters Θ are trained; the text encoder — including v_rare learned in stage 1 — is
frozen, so τ_θ(y) is computed once. No prior-preservation loss (that is DreamBooth's, and it is
added here only when `prior` is given: L = L_instance + λ · L_prior, as in the DreamBooth paper).

Every step: (fp16: scaled) backward, unscale, clip the global gradient norm to maxGradNorm (1.0, as
diffusers' train_dreambooth.py), AdamW (optim.py).

With `speed.cudaGraph` (off by default) the same step runs as a static-input step (static_step.py): the step's
draws and add_noise / target here, the UNet forward + loss + backward + clip + AdamW there, captured once as a
CUDA graph on CUDA and replayed; on CPU it runs eagerly with the plain loop's exact arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import training_state as ts
from .diffusion import LatentCache, denoising_loss, encode_prompts, noisy_inputs, randint, step_generator
from .errors import BadSpecError
from .optim import make_adamw, make_scaler, optimizer_step
from .run_context import RunContext
from .spec import StageSettings
from .static_step import StaticStep, combined_loss

STAGE = "stage2"


@dataclass
class PriorPreservation:
    latents: LatentCache
    weight: float  # λ
    prompt: str  # "a photo of {class}"


__all__ = ["PriorPreservation", "combined_loss", "make_optimizer", "run_stage2"]


def graph_capture(ctx: RunContext) -> bool:
    """Whether stage 2's step is captured as a CUDA graph: speed.cudaGraph (speed.py resolves it off where it
    cannot run: checked again here) on a CUDA device, without a GradScaler (fp16) or AdamW8bit."""
    return ctx.speed.cuda_graph and ctx.device.type == "cuda" and not ctx.precision.needs_grad_scaler and not ctx.spec.adam8bit


def make_optimizer(ctx: RunContext, params, lr: float):
    if ctx.spec.adam8bit:
        try:
            import bitsandbytes as bnb  # type: ignore[import-not-found]
        except ImportError as err:
            raise BadSpecError("BAD_SPEC", "precision.adam8bit needs the bitsandbytes package (CUDA only)", "precision.adam8bit") from err
        return bnb.optim.AdamW8bit(params, lr=lr, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8)
    return make_adamw(params, lr, ctx.speed.fused_adam, capturable=graph_capture(ctx))


def run_stage2(ctx: RunContext, settings: StageSettings, noise_scheduler, start_step: int = 0, prior: PriorPreservation | None = None, resume=None) -> None:
    """`resume` = training_state.read(...)'s (tensors, doc) of the checkpoint at `start_step`, if any."""
    c, spec = ctx.components, ctx.spec
    assert ctx.latents is not None
    log = ctx.stage_started(STAGE, settings.steps, learningRate=settings.learning_rate, startStep=start_step)

    with torch.no_grad():  # frozen text encoder (with the frozen v_rare): encode the fixed prompts once
        text = encode_prompts(c.tokenizer, c.text_encoder, [spec.instance_prompt], ctx.device).expand(spec.batch_size, -1, -1)
        prior_text = encode_prompts(c.tokenizer, c.text_encoder, [prior.prompt], ctx.device).expand(spec.batch_size, -1, -1) if prior else None

    unet = c.unet
    unet.requires_grad_(True)
    unet.train()
    if spec.gradient_checkpointing:
        unet.enable_gradient_checkpointing()
    params = [p for p in unet.parameters() if p.requires_grad]
    optimizer = make_optimizer(ctx, params, settings.learning_rate)
    if settings.steps > start_step:  # the checkpoints' snapshot buffers, allocated in the background
        ctx.prepare_checkpoint_buffers(params, 0 if spec.adam8bit else 2)
    scaler = make_scaler(ctx.precision)
    if resume is not None:
        ts.restore_optimizer(optimizer, *resume)
        ts.restore_scaler(scaler, resume[1])
        ts.restore_rng(*resume, ctx.device)
    static = None
    if ctx.speed.cuda_graph and scaler is None and not spec.adam8bit:  # speed.py turns it off with fp16 / adam8bit
        texts = [text] if prior is None else [text, prior_text]
        static = StaticStep(unet, optimizer, params, ctx.precision, spec.max_grad_norm, texts, prior.weight if prior else 0.0, capture=graph_capture(ctx))

    try:
        for step in range(start_step + 1, settings.steps + 1):
            ctx.cancel.check()
            ctx.fault_point(STAGE, step)
            gen = step_generator(spec.seed, STAGE, step, ctx.device)  # every draw on the device
            idx = randint(len(ctx.latents), (spec.batch_size,), gen)
            if static is not None:  # the same draws in the same order; the UNet part on static buffers
                inputs = [noisy_inputs(noise_scheduler, ctx.latents.sample(idx, gen), gen)]
                if prior is not None:
                    pidx = randint(len(prior.latents), (spec.batch_size,), gen)
                    inputs.append(noisy_inputs(noise_scheduler, prior.latents.sample(pidx, gen), gen))
                loss = static(inputs)
            else:
                instance = denoising_loss(unet, noise_scheduler, ctx.latents.sample(idx, gen), text, gen, ctx.precision)
                prior_loss = None
                if prior is not None:
                    pidx = randint(len(prior.latents), (spec.batch_size,), gen)
                    prior_loss = denoising_loss(unet, noise_scheduler, prior.latents.sample(pidx, gen), prior_text, gen, ctx.precision)
                loss = combined_loss(instance, prior_loss, prior.weight if prior else 0.0)
                optimizer_step(loss, optimizer, params, scaler, spec.max_grad_norm)
            log.add(step, loss, settings.learning_rate)

            if step % spec.samples.every == 0 or step == settings.steps:
                log.flush()
                ctx.save_samples(STAGE, step)
            if step == settings.steps or (settings.checkpoint_every and step % settings.checkpoint_every == 0):
                log.flush()
                ctx.save_checkpoint(STAGE, step, with_unet=True, optimizer=optimizer, scaler=scaler)
    finally:
        log.flush()
        ctx.wait_for_checkpoints()  # the stage ends when its last checkpoint is durable
        if static is not None:
            static.close()
        unet.eval()
        unet.requires_grad_(False)
