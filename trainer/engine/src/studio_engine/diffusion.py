"""Shared pieces of the denoising objective (paper eq. 3 and 4; Stable Diffusion's latent diffusion).

The loss is ‖ε − ε_θ(z_t, t, τ(y))‖² (or the v-target when the scheduler predicts v). Latents of the
4–6 subject images are encoded once; each step samples z from the cached posterior, as training on
the VAE's distribution rather than its mean does in the reference recipes.
"""

from __future__ import annotations

import hashlib

import torch
import torch.nn.functional as F


def step_generator(seed: int, stage: str, step: int) -> torch.Generator:
    """A CPU generator fixed by (seed, stage, step): a resumed run draws the same noise as an uninterrupted one."""
    digest = hashlib.sha256(f"{seed}:{stage}:{step}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))


class LatentCache:
    """VAE posteriors of the training images, encoded once (not every step)."""

    def __init__(self, vae, images: torch.Tensor, device: torch.device) -> None:
        self.scaling = float(vae.config.scaling_factor)
        with torch.no_grad():
            dist = vae.encode(images.to(device, dtype=torch.float32)).latent_dist
        self.mean = dist.mean.detach()
        self.std = dist.std.detach()

    def __len__(self) -> int:
        return self.mean.shape[0]

    def sample(self, indices: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        mean, std = self.mean[indices], self.std[indices]
        eps = torch.randn(mean.shape, generator=gen).to(mean.device)
        return (mean + std * eps) * self.scaling


def tokenize(tokenizer, prompts: list[str], device: torch.device) -> torch.Tensor:
    return tokenizer(prompts, padding="max_length", max_length=tokenizer.model_max_length, truncation=True, return_tensors="pt").input_ids.to(device)


def encode_prompts(tokenizer, text_encoder, prompts: list[str], device: torch.device) -> torch.Tensor:
    return text_encoder(tokenize(tokenizer, prompts, device))[0]


def denoising_loss(unet, noise_scheduler, latents: torch.Tensor, encoder_hidden_states: torch.Tensor, gen: torch.Generator, precision) -> torch.Tensor:
    """Per-example MSE between the target (ε, or v for v-prediction models) and the UNet's prediction."""
    bsz = latents.shape[0]
    noise = torch.randn(latents.shape, generator=gen).to(latents.device)
    timesteps = torch.randint(0, noise_scheduler.config.num_train_timesteps, (bsz,), generator=gen).to(latents.device)
    noisy = noise_scheduler.add_noise(latents, noise, timesteps)
    if noise_scheduler.config.prediction_type == "v_prediction":
        target = noise_scheduler.get_velocity(latents, noise, timesteps)
    else:
        target = noise
    with precision.autocast():
        pred = unet(noisy, timesteps, encoder_hidden_states).sample
    return F.mse_loss(pred.float(), target.float(), reduction="none").mean(dim=(1, 2, 3))
