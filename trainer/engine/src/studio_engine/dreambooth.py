"""The DreamBooth baseline's class images (prior preservation; the paper's §3.1.2 and Table 1).

N images of `a photo of {class}` drawn by the *base* model before any fine-tuning. They are cached
per (base model fingerprint, class prompt, resolution, sampler steps) and generated only when
missing: a second run, or a resumed one, reuses them. Image i always uses seed i.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .diffusion import LatentCache
from .images import load_subject_images
from .models import cache_dir
from .run_context import RunContext
from .sampling import GenerationRequest, generate, save_png

STAGE = "class_images"


def class_images_dir(ctx: RunContext) -> Path:
    if ctx.spec.class_images_dir:
        return Path(ctx.spec.class_images_dir)
    key = f"{ctx.components.fingerprint[:16]}/{ctx.spec.class_noun.replace(' ', '_')}-{ctx.resolution}px-{ctx.spec.class_image_steps}steps"
    return cache_dir() / "class-images" / key


def ensure_class_images(ctx: RunContext) -> list[Path]:
    """Generates the missing class images (reporting progress) and returns all N paths."""
    spec = ctx.spec
    folder = class_images_dir(ctx)
    paths = [folder / f"class-{i:05d}.png" for i in range(spec.class_images)]
    missing = [i for i, p in enumerate(paths) if not p.exists()]
    log = ctx.stage_started(STAGE, len(paths), reused=len(paths) - len(missing), folder=str(folder))
    done = len(paths) - len(missing)
    for i in missing:
        ctx.cancel.check()
        req = GenerationRequest(prompt=spec.class_prompt, seed=i, steps=spec.class_image_steps, width=ctx.resolution, height=ctx.resolution)
        (_, img), = generate(ctx.components, req, ctx.precision)
        save_png(img, paths[i])
        done += 1
        log.add(done, None, 0.0)
    log.flush()
    return paths


def class_latents(ctx: RunContext, paths: list[Path]) -> LatentCache:
    images = load_subject_images([str(p) for p in paths], ctx.resolution)
    # encode in chunks: hundreds of images at 512 px would not fit through the VAE at once
    chunks = [LatentCache(ctx.components.vae, images[i : i + 16], ctx.device) for i in range(0, len(images), 16)]
    merged = chunks[0]
    merged.mean = torch.cat([c.mean for c in chunks])
    merged.std = torch.cat([c.std for c in chunks])
    return merged
