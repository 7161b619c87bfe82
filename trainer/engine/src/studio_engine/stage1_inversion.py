"""Stage 1 — token inversion (paper §3.2, eq. 3; also the textual-inversion baseline).

    min over v of  E_{z~E(x), y, ε~N(0,I), t} ‖ε − ε_Θ(z_t, t, τ_θ(y))‖²

Only the embedding v of the new token is optimised; UNet, VAE, text encoder and every other
embedding row are frozen.

- TWO_STAGE (§3.2): v = v_rare, an *adjective* initialised from "rare", trained ≈100 steps at 5e-4 on
  the single prompt y = "a photo of <rare> {class}" — it should represent the subject only coarsely.
- TEXTUAL_INVERSION (Gal et al. 2023): v = S*, a *noun* initialised from the class noun, trained
  thousands of steps on y drawn per step from the TI paper's object templates ("a photo of a S*",
  "a rendering of a S*", …; ti_templates.py), each image horizontally flipped with p = 0.5.

Every step: (fp16: scaled) backward, gradient clipping to maxGradNorm, AdamW (optim.py).
"""

from __future__ import annotations

from . import training_state as ts
from .diffusion import denoising_loss, randint, step_generator, tokenize
from .optim import make_adamw, make_scaler, optimizer_step
from .run_context import RunContext
from .spec import TEXTUAL_INVERSION, TI_FLIP_P, StageSettings
from .ti_templates import draw_flips, draw_prompt_ids, template_prompts

STAGE = "stage1"


def run_stage1(ctx: RunContext, settings: StageSettings, noise_scheduler, start_step: int = 0, resume=None) -> None:
    """`resume` = training_state.read(...)'s (tensors, doc) of the checkpoint at `start_step`, if any."""
    c, spec = ctx.components, ctx.spec
    assert ctx.token is not None and ctx.latents is not None
    log = ctx.stage_started(STAGE, settings.steps, learningRate=settings.learning_rate, startStep=start_step)
    textual_inversion = spec.method == TEXTUAL_INVERSION

    row = ctx.token.start_training()  # v, initialised from "rare" (or the class noun for TI)
    optimizer = make_adamw([row], settings.learning_rate, ctx.speed.fused_adam, foreach=None)
    scaler = make_scaler(ctx.precision)
    if resume is not None:
        ts.restore_optimizer(optimizer, *resume)
        ts.restore_scaler(scaler, resume[1])
        ts.restore_rng(*resume, ctx.device)
    fixed_ids = None if textual_inversion else tokenize(c.tokenizer, [spec.instance_prompt] * spec.batch_size, ctx.device)
    template_ids = tokenize(c.tokenizer, template_prompts(spec.token), ctx.device) if textual_inversion else None

    try:
        for step in range(start_step + 1, settings.steps + 1):
            ctx.cancel.check()
            ctx.fault_point(STAGE, step)
            gen = step_generator(spec.seed, STAGE, step, ctx.device)  # every draw on the device
            idx = randint(len(ctx.latents), (spec.batch_size,), gen)
            if textual_inversion:
                ids = draw_prompt_ids(template_ids, spec.batch_size, gen)  # "a rendering of a <s*>", ...
                flips = draw_flips(spec.batch_size, gen, TI_FLIP_P)
                z = ctx.latents.sample(idx, gen, flips)
            else:
                ids = fixed_ids  # "a photo of <rare> backpack"
                z = ctx.latents.sample(idx, gen)  # z ~ E(x)
            with ctx.precision.autocast():
                text = c.text_encoder(ids)[0]  # τ_θ(y): gradients reach v only
            loss = denoising_loss(c.unet, noise_scheduler, z, text, gen, ctx.precision).mean()
            optimizer_step(loss, optimizer, [row], scaler, spec.max_grad_norm)
            log.add(step, loss, settings.learning_rate)

            every = settings.checkpoint_every
            if step % ctx.spec.samples.every == 0 or step == settings.steps:
                log.flush()
                ctx.save_samples(STAGE, step)
            if step == settings.steps or (every and step % every == 0):
                log.flush()
                ctx.save_checkpoint(STAGE, step, with_unet=False, optimizer=optimizer, scaler=scaler)
    finally:
        log.flush()  # a cancelled stage still reports every step it finished
        ctx.wait_for_checkpoints()  # the stage ends when its last checkpoint is durable

    ctx.token.finish_training()  # v is frozen from here on
