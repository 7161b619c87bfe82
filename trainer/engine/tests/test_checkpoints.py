"""Checkpoints (docs/architecture.md §5): safetensors only, atomic, and reproducible: loading a checkpoint and
generating with seed s gives the same image as the in-memory model did."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import run_engine
from diffusers import DDPMScheduler, StableDiffusionPipeline
from helpers import make_context
from PIL import Image

from studio_engine.checkpoints import EMBEDDING_FILE, META_FILE, UNET_FILE, read_checkpoint, save_checkpoint
from studio_engine.generation import load_model
from studio_engine.models import model_dir
from studio_engine.sampling import GenerationRequest, generate
from studio_engine.stage1_inversion import run_stage1
from studio_engine.stage2_finetune import run_stage2


@pytest.fixture(scope="module")
def trained(tmp_path_factory, subject_images):
    tmp = tmp_path_factory.mktemp("trained")
    ctx, _ = make_context(
        tmp, subject_images, stage1={"steps": 3, "learningRate": 5e-2}, stage2={"steps": 4, "learningRate": 1e-3, "checkpointEvery": 2}, samples={"steps": 2, "every": 100}
    )
    ns = DDPMScheduler.from_config(ctx.components.scheduler_config)
    run_stage1(ctx, ctx.spec.stage1, ns)
    run_stage2(ctx, ctx.spec.stage2, ns)
    req = GenerationRequest(prompt="a photo of <rare> backpack on the beach", seed=7, steps=4)
    ((_, image),) = generate(ctx.components, req)
    return ctx, req, np.asarray(image)


def test_checkpoints_hold_safetensors_and_complete_metadata(trained):
    ctx, _, _ = trained
    names = [p.path.name for p in ctx.checkpoints]
    assert names == ["stage1-step-000003", "stage2-step-000002", "stage2-step-000004"]
    last = ctx.checkpoints[-1].path
    private = ["training-state.json", "training-state.safetensors"]
    assert sorted(p.name for p in last.iterdir()) == sorted([EMBEDDING_FILE, UNET_FILE, META_FILE, *private])
    meta = read_checkpoint(last)  # also verifies every file's sha256 and size
    assert sorted(f["name"] for f in meta["files"]) == sorted([EMBEDDING_FILE, UNET_FILE]), "the training state is not in the public manifest"
    assert len(meta["contentHash"]) == 64
    assert meta["baseModel"]["id"] == "tiny-random" and len(meta["baseModel"]["fingerprint"]) == 64
    assert (meta["method"], meta["stage"], meta["step"], meta["token"], meta["classNoun"]) == ("TWO_STAGE", "stage2", 4, "<rare>", "backpack")
    assert meta["config"]["stage2"]["steps"] == 4 and meta["engineVersion"]
    assert not any(p.name.startswith(".tmp") for p in last.parent.iterdir())
    stage1 = ctx.checkpoints[0].path
    assert sorted(p.name for p in stage1.iterdir()) == sorted([EMBEDDING_FILE, META_FILE, *private]), "stage 1 saves the embedding only"


def test_loading_a_checkpoint_reproduces_the_in_memory_image(trained):
    ctx, req, expected = trained
    fresh = load_model("tiny-random", "cpu")
    fresh.use_checkpoint(str(ctx.checkpoints[-1].path))
    ((_, image),) = generate(fresh.components, req)
    assert np.array_equal(np.asarray(image), expected)
    # and switching back to the base model really restores it
    fresh.use_checkpoint(None)
    ((_, base_image),) = generate(fresh.components, req)
    assert not np.array_equal(np.asarray(base_image), expected)


def test_the_cli_generates_the_same_image_from_the_checkpoint(trained, tmp_path):
    ctx, req, expected = trained
    code, events, err = run_engine(
        [
            "generate",
            "--model",
            "tiny-random",
            "--checkpoint",
            str(ctx.checkpoints[-1].path),
            "--prompt",
            req.prompt,
            "--seed",
            "7",
            "--steps",
            "4",
            "--device",
            "cpu",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0, err
    saved = [e for e in events if e["type"] == "image.saved"]
    assert len(saved) == 1 and saved[0]["seed"] == 7
    assert np.array_equal(np.asarray(Image.open(saved[0]["path"]).convert("RGB")), expected)


def test_the_embedding_file_loads_with_diffusers_load_textual_inversion(trained):
    ctx, _, _ = trained
    pipe = StableDiffusionPipeline.from_pretrained(model_dir("tiny-random"), local_files_only=True, safety_checker=None)
    pipe.load_textual_inversion(str(ctx.checkpoints[-1].path / EMBEDDING_FILE))
    tid = pipe.tokenizer.convert_tokens_to_ids("<rare>")
    assert tid == len(pipe.tokenizer) - 1
    loaded = pipe.text_encoder.get_input_embeddings().weight[tid]
    assert torch.equal(loaded, ctx.token.current_row())


def test_a_tampered_checkpoint_is_refused(trained, tmp_path):
    ctx, _, _ = trained
    saved = save_checkpoint(tmp_path, stage="stage2", step=1, meta={"x": 1}, embedding=ctx.token.file_tensors(), unet_state=None)
    with open(saved.path / EMBEDDING_FILE, "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\0\0\0\0")
    with pytest.raises(ValueError, match="sha256"):
        read_checkpoint(saved.path)
    json.loads((saved.path / META_FILE).read_text())  # metadata itself stays readable
