"""Stage 1 — token inversion (paper §3.2, eq. 3; also the textual-inversion baseline).

    min over v_rare of  E_{z~E(x), y, ε~N(0,I), t} ‖ε − ε_Θ(z_t, t, τ_θ(y))‖²

Only the embedding v_rare of the new token is optimised (≈100 steps at 5e-4 for the paper's method:
the token should represent the subject only *coarsely*; textual inversion runs thousands of steps).
UNet, VAE, text encoder and every other embedding row are frozen.
"""

from __future__ import annotations

import torch

from .diffusion import denoising_loss, step_generator, tokenize
from .run_context import RunContext
from .spec import StageSettings

STAGE = "stage1"


def run_stage1(ctx: RunContext, settings: StageSettings, noise_scheduler, start_step: int = 0) -> None:
    c, spec = ctx.components, ctx.spec
    assert ctx.token is not None and ctx.latents is not None
    log = ctx.stage_started(STAGE, settings.steps, learningRate=settings.learning_rate, startStep=start_step)

    row = ctx.token.start_training()  # v_rare, initialised from "rare" (or the class noun for TI)
    optimizer = torch.optim.AdamW([row], lr=settings.learning_rate, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8)
    ids = tokenize(c.tokenizer, [spec.instance_prompt] * spec.batch_size, ctx.device)  # "a photo of <rare> backpack"

    try:
        for step in range(start_step + 1, settings.steps + 1):
            ctx.cancel.check()
            gen = step_generator(spec.seed, STAGE, step)
            idx = torch.randint(0, len(ctx.latents), (spec.batch_size,), generator=gen)
            z = ctx.latents.sample(idx, gen)  # z ~ E(x)
            with ctx.precision.autocast():
                text = c.text_encoder(ids)[0]  # τ_θ(y): gradients reach v_rare only
            loss = denoising_loss(c.unet, noise_scheduler, z, text, gen, ctx.precision).mean()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            log.add(step, loss, settings.learning_rate)

            every = settings.checkpoint_every
            if step % ctx.spec.samples.every == 0 or step == settings.steps:
                log.flush()
                ctx.save_samples(STAGE, step)
            if step == settings.steps or (every and step % every == 0):
                log.flush()
                ctx.save_checkpoint(STAGE, step, with_unet=False)
    finally:
        log.flush()  # a cancelled stage still reports every step it finished

    ctx.token.finish_training()  # v_rare is frozen from here on
