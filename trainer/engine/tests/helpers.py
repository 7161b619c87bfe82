"""In-process building blocks for engine tests: a RunContext on tiny-random with events captured."""

from __future__ import annotations

import io
import json
from pathlib import Path

import torch

from studio_engine.device import choose
from studio_engine.diffusion import LatentCache, denoising_loss, encode_prompts, step_generator
from studio_engine.embedding import LearnedToken
from studio_engine.events import EventWriter
from studio_engine.images import load_subject_images
from studio_engine.models import load_components
from studio_engine.run_context import CancelFlag, RunContext
from studio_engine.spec import parse_spec


def make_context(tmp: Path, images: list[str], **spec_fields) -> tuple[RunContext, io.StringIO]:
    raw = {"v": 1, "jobId": "t", "baseModel": "tiny-random", "classNoun": "backpack", "images": images, "outputDir": str(tmp / "out"), **spec_fields}
    raw.setdefault("method", "TWO_STAGE")
    spec = parse_spec(raw)
    precision = choose("cpu", "no")
    components = load_components("tiny-random", precision.device)
    buf = io.StringIO()
    ctx = RunContext(spec, components, precision, EventWriter(buf), CancelFlag(), Path(spec.output_dir))
    images_t = load_subject_images(images, ctx.resolution)
    ctx.latents = LatentCache(components.vae, images_t, precision.device, with_flips=spec.method == "TEXTUAL_INVERSION")
    if spec.initializer is not None:
        ctx.token = LearnedToken(components.tokenizer, components.text_encoder, spec.token, spec.initializer)
    return ctx, buf


def events_of(buf: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before: dict[str, torch.Tensor], module: torch.nn.Module) -> list[str]:
    now = module.state_dict()
    return [k for k, v in before.items() if not torch.equal(v, now[k])]


@torch.no_grad()
def eval_loss(ctx: RunContext, noise_scheduler, prompt: str, n: int = 32) -> float:
    """The denoising loss on fixed (image, noise, timestep) draws: comparable before and after training."""
    text = encode_prompts(ctx.components.tokenizer, ctx.components.text_encoder, [prompt], ctx.device)
    total = 0.0
    for k in range(n):
        gen = step_generator(12345, "eval", k)
        idx = torch.tensor([k % len(ctx.latents)])
        total += denoising_loss(ctx.components.unet, noise_scheduler, ctx.latents.sample(idx, gen), text, gen, ctx.precision).mean().item()
    return total / n
