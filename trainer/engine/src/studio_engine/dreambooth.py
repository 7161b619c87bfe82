"""The DreamBooth baseline's class images (prior preservation; the paper's §3.1.2 and Table 1).

N images of `a photo of {class}` drawn by the *untouched base* model: train.py draws them before
any fine-tuned weight (a resumed run's checkpoint) is loaded. They are cached per (base model file
fingerprint, content hash of the weights that draw them, class prompt, resolution, sampler steps)
and generated only when missing: a second run, or a resumed one, reuses them. Image i always uses
seed i. The cache can receive nothing else: before writing, the writer recomputes the content hash
of the live UNet, text encoder and VAE and refuses (ClassImageSourceError) unless it is the base
model's, recorded right after loading.

The cache keeps to STUDIO_CLASS_IMAGE_CACHE_MAX_BYTES (default 5 GiB): after a run's set is ready,
least recently used sets are evicted; a set any run is drawing or encoding is pinned and kept
(cache_budget.py, docs/caches.md). A folder the spec names (classImagesDir) is the user's, never evicted.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .cache_budget import CLASS_IMAGE_BUDGET_ENV, DEFAULT_CLASS_IMAGE_BUDGET, budget_from_env, evict_to_budget, pinned
from .diffusion import LatentCache
from .images import load_subject_images
from .models import cache_dir
from .run_context import RunContext
from .sampling import GenerationRequest, generate, save_png
from .st_io import module_content_hash

STAGE = "class_images"


class ClassImageSourceError(RuntimeError):
    """The models about to draw class images are not the untouched base model."""


def drawing_weights_hash(ctx: RunContext) -> str:
    c = ctx.components
    return module_content_hash(unet=c.unet, text_encoder=c.text_encoder, vae=c.vae)


def base_weights_hash(ctx: RunContext) -> str:
    """The base model's weights hash, recorded once (train.py records it right after loading)."""
    if ctx.base_weights_hash is None:
        ctx.base_weights_hash = drawing_weights_hash(ctx)
    return ctx.base_weights_hash


def class_images_root() -> Path:
    return cache_dir() / "class-images"


def class_images_dir(ctx: RunContext) -> Path:
    if ctx.spec.class_images_dir:
        return Path(ctx.spec.class_images_dir)
    key = f"{ctx.components.fingerprint[:16]}-w{base_weights_hash(ctx)[:16]}/{ctx.spec.class_noun.replace(' ', '_')}-{ctx.resolution}px-{ctx.spec.class_image_steps}steps"
    return class_images_root() / key


def class_image_latents(ctx: RunContext) -> LatentCache:
    """The class images' latents: draws the missing images and encodes them with the set pinned in the
    cache, then evicts other sets down to the budget."""
    if ctx.spec.class_images_dir:
        return class_latents(ctx, ensure_class_images(ctx))
    budget = budget_from_env(CLASS_IMAGE_BUDGET_ENV, DEFAULT_CLASS_IMAGE_BUDGET)
    root = class_images_root()
    with pinned(root, class_images_dir(ctx)):
        latents = class_latents(ctx, ensure_class_images(ctx))
        evict_to_budget(root, 2, budget)
    return latents


def ensure_class_images(ctx: RunContext) -> list[Path]:
    """Generates the missing class images (reporting progress) and returns all N paths."""
    spec = ctx.spec
    folder = class_images_dir(ctx)
    paths = [folder / f"class-{i:05d}.png" for i in range(spec.class_images)]
    missing = [i for i, p in enumerate(paths) if not p.exists()]
    log = ctx.stage_started(STAGE, len(paths), reused=len(paths) - len(missing), folder=str(folder))
    done = len(paths) - len(missing)
    if missing and drawing_weights_hash(ctx) != base_weights_hash(ctx):
        raise ClassImageSourceError("class images must be drawn by the untouched base model; these weights differ from it")
    for i in missing:
        ctx.cancel.check()
        ctx.fault_point(STAGE, i + 1)
        req = GenerationRequest(prompt=spec.class_prompt, seed=i, steps=spec.class_image_steps, width=ctx.resolution, height=ctx.resolution)
        ((_, img),) = generate(ctx.components, req, ctx.precision)
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
    merged.count = merged.mean.shape[0]
    return merged
