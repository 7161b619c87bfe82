"""Named base models and the one loading path they share (docs/architecture.md §5).

`stable-diffusion-2-1-base` is the production default: loaded from a local folder
(`STUDIO_SD21_BASE_DIR`), a copy `./studio models pull` put in the cache, or the Hugging Face cache;
never downloaded here (model_store.py). `tiny-random` is
built locally (tiny.py) into the cache and loaded by exactly the same code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .errors import ModelNotFoundError
from .model_store import BASE_MODELS, BaseModel, cache_dir, locate  # noqa: F401 - BaseModel, cache_dir: re-exported

# The registry and where each model is found live in model_store.py (no PyTorch there).

TINY_VERSION = 1  # bump when tiny.py changes what it builds


def model_dir(model_id: str) -> Path:
    """The folder of a named model, building `tiny-random` on first use (atomically: build, then rename)."""
    if model_id not in BASE_MODELS:
        raise ModelNotFoundError("UNKNOWN_BASE_MODEL", f"unknown base model {model_id!r}; known: {', '.join(BASE_MODELS)}", "baseModel")
    if model_id == "tiny-random":
        target = cache_dir() / "models" / f"tiny-random-v{TINY_VERSION}"
        if not (target / "model_index.json").exists():
            from .tiny import make_tiny_model

            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tiny-", dir=target.parent))
            make_tiny_model(tmp)
            try:
                tmp.rename(target)
            except OSError:  # another process built it first
                shutil.rmtree(tmp, ignore_errors=True)
        return target
    folder, why = locate(model_id)
    if folder is None:
        raise ModelNotFoundError(
            "BASE_MODEL_NOT_FOUND",
            f"{model_id} is not on this machine ({why}): run `./studio models pull {model_id}` (or set STUDIO_SD21_BASE_DIR to its folder, or put it in the Hugging Face cache)",
            "baseModel",
        )
    return folder


def fingerprint(folder: Path) -> str:
    """A content hash of a model folder: every config file whole, and every weight file by size and its
    first and last MiB (hashing gigabytes at each load would cost seconds for little gain)."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.name.startswith("."):
            continue
        rel = p.relative_to(folder).as_posix()
        size = p.stat().st_size
        h.update(f"{rel}\0{size}\0".encode())
        with p.open("rb") as f:
            if size <= 4 << 20:
                h.update(f.read())
            else:
                h.update(f.read(1 << 20))
                f.seek(-(1 << 20), os.SEEK_END)
                h.update(f.read())
    return h.hexdigest()


@dataclass
class Components:
    """The pieces of a Stable Diffusion model, loaded once per job."""

    model_id: str
    folder: Path
    fingerprint: str
    tokenizer: Any
    text_encoder: torch.nn.Module
    vae: torch.nn.Module
    unet: torch.nn.Module
    scheduler_config: dict
    resolution: int

    @property
    def prediction_type(self) -> str:
        return self.scheduler_config.get("prediction_type", "epsilon")

    @property
    def vae_scale_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)


def quiet_libraries() -> None:
    """diffusers/transformers print warnings and progress bars; our stdout carries only events."""
    import diffusers
    import transformers

    transformers.logging.set_verbosity_error()
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def import_model_classes() -> None:
    """Imports what `load_components` and a training job use (seconds: diffusers and transformers), so a
    standby engine without a model to preload still has them loaded when its job comes."""
    quiet_libraries()
    from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel  # noqa: F401
    from transformers import CLIPTextModel, CLIPTokenizer  # noqa: F401


def load_components(model_id: str, device: torch.device, attention: str | None = None) -> Components:
    """Loads tokenizer, text encoder, VAE and UNet (fp32 master weights) with local files only."""
    quiet_libraries()
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    folder = model_dir(model_id)
    tokenizer = CLIPTokenizer.from_pretrained(folder / "tokenizer", local_files_only=True)
    text_encoder = CLIPTextModel.from_pretrained(folder / "text_encoder", local_files_only=True, torch_dtype=torch.float32)
    vae = AutoencoderKL.from_pretrained(folder / "vae", local_files_only=True, torch_dtype=torch.float32)
    unet = UNet2DConditionModel.from_pretrained(folder / "unet", local_files_only=True, torch_dtype=torch.float32)
    scheduler_config = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
    for m in (text_encoder, vae, unet):
        m.to(device)
        m.eval()
        m.requires_grad_(False)
    return Components(
        model_id=model_id,
        folder=folder,
        fingerprint=fingerprint(folder),
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        unet=unet,
        scheduler_config=scheduler_config,
        resolution=BASE_MODELS[model_id].resolution,
    )


def sd21_base_random_unet() -> torch.nn.Module:
    """Stable Diffusion 2.1 base's UNet (865.9 M parameters) with random weights (torch's global seed)."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=64,
        in_channels=4,
        out_channels=4,
        layers_per_block=2,
        block_out_channels=(320, 640, 1280, 1280),
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        attention_head_dim=(5, 10, 20, 20),
        cross_attention_dim=1024,
        use_linear_projection=True,
    )


def sd21_base_random_components(device: torch.device, seed: int = 0) -> Components:
    """Stable Diffusion 2.1 base's architecture (UNet, OpenCLIP ViT-H text encoder, VAE) with random
    weights, built in memory: benchmarks get real sizes and FLOPs on any machine, with no download."""
    quiet_libraries()
    from diffusers import AutoencoderKL
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    from .tiny import write_clip_tokenizer

    torch.manual_seed(seed)
    tok_dir = Path(tempfile.mkdtemp(prefix="sd21-tokenizer-"))
    write_clip_tokenizer(tok_dir)
    tokenizer = CLIPTokenizer.from_pretrained(tok_dir)
    shutil.rmtree(tok_dir, ignore_errors=True)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=49408,
            hidden_size=1024,
            intermediate_size=4096,
            num_hidden_layers=23,
            num_attention_heads=16,
            max_position_embeddings=77,
            hidden_act="gelu",
            projection_dim=512,
            bos_token_id=49406,
            eos_token_id=49407,
            pad_token_id=0,
        )
    )
    vae = AutoencoderKL(
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        block_out_channels=[128, 256, 512, 512],
        layers_per_block=2,
        latent_channels=4,
        sample_size=512,
        scaling_factor=0.18215,
    )
    unet = sd21_base_random_unet()
    for m in (text_encoder, vae, unet):
        m.to(device)
        m.eval()
        m.requires_grad_(False)
    scheduler_config = {
        "_class_name": "DDIMScheduler",
        "num_train_timesteps": 1000,
        "beta_start": 0.00085,
        "beta_end": 0.012,
        "beta_schedule": "scaled_linear",
        "clip_sample": False,
        "set_alpha_to_one": False,
        "steps_offset": 1,
        "prediction_type": "epsilon",
    }
    return Components("sd21-base-random", Path("."), "random-weights", tokenizer, text_encoder, vae, unet, scheduler_config, 512)
