"""Image generation from the components in memory (base model, a training run, or a loaded checkpoint).

One seed per image, drawn by a CPU generator: the same checkpoint, prompt and seed give the same
image on any run, and samples at different training steps share their noise, so they are comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .models import Components


@dataclass
class GenerationRequest:
    prompt: str
    negative_prompt: str | None = None
    seed: int = 0
    steps: int = 25
    guidance_scale: float = 7.5
    count: int = 1
    width: int | None = None
    height: int | None = None
    scheduler: str = "DDIM"


# The samplers a generation may ask for (GraphQL GenerationScheduler), each built from the base model's
# own scheduler config (its training noise schedule and prediction type).
SCHEDULERS = {
    "DDIM": "DDIMScheduler",  # the default; training samples use it too
    "DPM_SOLVER": "DPMSolverMultistepScheduler",  # DPM-Solver++ (2M): good images in 15-25 steps
    "EULER_ANCESTRAL": "EulerAncestralDiscreteScheduler",  # stochastic (noise from the image's seed)
}


def build_pipeline(c: Components, precision=None, scheduler: str = "DDIM"):
    import diffusers
    from diffusers import StableDiffusionPipeline

    pipe = StableDiffusionPipeline(
        vae=c.vae,
        text_encoder=c.text_encoder,
        tokenizer=c.tokenizer,
        unet=c.unet,
        scheduler=getattr(diffusers, SCHEDULERS[scheduler]).from_config(c.scheduler_config),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


@torch.no_grad()
def generate(c: Components, req: GenerationRequest, precision=None, on_step=None) -> list[tuple[int, Image.Image]]:
    """Returns (seed, image) pairs; image i uses seed `req.seed + i`. `on_step(i, step, total)` is called after
    each denoising step of image i (step 1..total)."""
    pipe = build_pipeline(c, scheduler=req.scheduler)
    was_training = c.unet.training
    c.unet.eval()
    out: list[tuple[int, Image.Image]] = []
    try:
        for i in range(req.count):
            seed = req.seed + i
            gen = torch.Generator().manual_seed(seed)
            ctx = precision.autocast() if precision is not None else torch.autocast("cpu", enabled=False)
            with ctx:
                arr = pipe(
                    req.prompt,
                    negative_prompt=req.negative_prompt,
                    num_inference_steps=req.steps,
                    guidance_scale=req.guidance_scale,
                    height=req.height or c.resolution,
                    width=req.width or c.resolution,
                    generator=gen,
                    output_type="np",
                    **({"callback_on_step_end": _step_callback(on_step, i, req.steps)} if on_step else {}),
                ).images[0]
            out.append((seed, Image.fromarray((np.clip(arr, 0, 1) * 255).round().astype(np.uint8))))
    finally:
        c.unet.train(was_training)
    return out


def _step_callback(on_step, index: int, total: int):
    def callback(_pipe, step: int, _timestep, kwargs):
        on_step(index, step + 1, total)
        return kwargs

    return callback


def save_png(img: Image.Image, path: Path) -> Path:
    """Writes via a temporary name and renames, so a reader never sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    img.save(tmp, format="PNG")
    tmp.replace(path)
    return path
