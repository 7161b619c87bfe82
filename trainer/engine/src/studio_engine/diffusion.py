"""Shared pieces of the denoising objective (paper eq. 3 and 4; Stable Diffusion's latent diffusion).

The loss is ‖ε − ε_θ(z_t, t, τ(y))‖² (or the v-target when the scheduler predicts v). Latents of the
4–6 subject images are encoded once; each step samples z from the cached posterior, as training on
the VAE's distribution rather than its mean does in the reference recipes.
"""

from __future__ import annotations

import hashlib

import torch
import torch.nn.functional as F


def step_generator(seed: int, stage: str, step: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A generator on the training device fixed by (seed, stage, step): a resumed run draws the same noise as
    an uninterrupted one, and every draw of the step is made where it is used (no host→device copy; on CUDA
    no host sync either). On CPU the values are those of the CPU generator, draw for draw."""
    digest = hashlib.sha256(f"{seed}:{stage}:{step}".encode()).digest()
    return torch.Generator(device=device).manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))


def randn(shape, gen: torch.Generator, device: torch.device) -> torch.Tensor:
    """N(0, I) drawn on the generator's device, then (only if that differs) moved to `device`."""
    return torch.randn(shape, generator=gen, device=gen.device).to(device)


def randint(high: int, size: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    """Uniform integers in [0, high) on the generator's device."""
    return torch.randint(0, high, size, generator=gen, device=gen.device)


class LatentCache:
    """VAE posteriors of the training images, encoded once (not every step). With `with_flips`, the
    horizontally mirrored images are encoded too (textual inversion's random flip): a flipped sample
    is the encoding of the flipped image, exactly as if the image were flipped before the VAE."""

    def __init__(self, vae, images: torch.Tensor, device: torch.device, with_flips: bool = False) -> None:
        self.scaling = float(vae.config.scaling_factor)
        self.count = images.shape[0]
        self.with_flips = with_flips
        if with_flips:
            images = torch.cat([images, images.flip(-1)])
        with torch.no_grad():
            dist = vae.encode(images.to(device, dtype=torch.float32)).latent_dist
        self.mean = dist.mean.detach()
        self.std = dist.std.detach()

    def __len__(self) -> int:
        return self.count

    def sample(self, indices: torch.Tensor, gen: torch.Generator, flips: torch.Tensor | None = None) -> torch.Tensor:
        if flips is not None:
            assert self.with_flips, "this cache holds no flipped images"
            indices = indices + flips.long() * self.count
        if indices.device != self.mean.device:
            indices = indices.to(self.mean.device)
        mean, std = self.mean[indices], self.std[indices]
        eps = randn(mean.shape, gen, mean.device)
        return (mean + std * eps) * self.scaling


def tokenize(tokenizer, prompts: list[str], device: torch.device) -> torch.Tensor:
    return tokenizer(prompts, padding="max_length", max_length=tokenizer.model_max_length, truncation=True, return_tensors="pt").input_ids.to(device)


def encode_prompts(tokenizer, text_encoder, prompts: list[str], device: torch.device) -> torch.Tensor:
    return text_encoder(tokenize(tokenizer, prompts, device))[0]


def noisy_inputs(noise_scheduler, latents: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A step's draws for one batch of latents: (z_t, t, target) with ε and t drawn from `gen`; the target is
    ε, or v for v-prediction models. Everything here is outside the UNet (stage 2's static-input step
    computes it before its captured region)."""
    bsz = latents.shape[0]
    noise = randn(latents.shape, gen, latents.device)
    timesteps = randint(noise_scheduler.config.num_train_timesteps, (bsz,), gen).to(latents.device)
    noisy = noise_scheduler.add_noise(latents, noise, timesteps)
    if noise_scheduler.config.prediction_type == "v_prediction":
        target = noise_scheduler.get_velocity(latents, noise, timesteps)
    else:
        target = noise
    return noisy, timesteps, target


def prediction_loss(unet, noisy: torch.Tensor, timesteps: torch.Tensor, encoder_hidden_states: torch.Tensor, target: torch.Tensor, precision) -> torch.Tensor:
    """Per-example MSE between `target` and the UNet's prediction for (z_t, t, τ(y)): autocast forward, float32 loss."""
    with precision.autocast():
        pred = unet(noisy, timesteps, encoder_hidden_states).sample
    return F.mse_loss(pred.float(), target.float(), reduction="none").mean(dim=(1, 2, 3))


def denoising_loss(unet, noise_scheduler, latents: torch.Tensor, encoder_hidden_states: torch.Tensor, gen: torch.Generator, precision) -> torch.Tensor:
    """Per-example MSE between the target (ε, or v for v-prediction models) and the UNet's prediction."""
    noisy, timesteps, target = noisy_inputs(noise_scheduler, latents, gen)
    return prediction_loss(unet, noisy, timesteps, encoder_hidden_states, target, precision)
