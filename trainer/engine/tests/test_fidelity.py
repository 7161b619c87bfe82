"""Fidelity to the paper and the reference recipes (issue 15): textual inversion as textual inversion,
gradient clipping, the fp16 GradScaler, deterministic files, class images from the base model,
presets. In process on tiny-random (CPU), a few steps each."""

from __future__ import annotations

import json
import re

import pytest
import torch
from conftest import validate_event
from diffusers import DDPMScheduler
from helpers import changed, events_of, make_context, snapshot
from safetensors.torch import load_file

from studio_engine import optim, stage1_inversion
from studio_engine.device import Precision
from studio_engine.dreambooth import ClassImageSourceError, ensure_class_images
from studio_engine.errors import BadSpecError
from studio_engine.safetensors_guard import check_safetensors
from studio_engine.spec import parse_spec
from studio_engine.st_io import content_hash, write_safetensors
from studio_engine.stage1_inversion import run_stage1
from studio_engine.stage2_finetune import run_stage2
from studio_engine.ti_templates import OBJECT_TEMPLATES
from studio_engine.training_state import STATE_JSON, STATE_TENSORS


def scheduler(ctx):
    return DDPMScheduler.from_config(ctx.components.scheduler_config)


def raw(**fields):
    return {"v": 1, "jobId": "t", "baseModel": "tiny-random", "classNoun": "backpack", "images": ["x.jpg"], "outputDir": "/tmp/o", **fields}


# ---------------------------------------------------------------- spec: defaults and presets


def test_defaults_presets_and_max_grad_norm():
    two = parse_spec(raw(method="TWO_STAGE"))
    assert (two.stage2.steps, two.stage2.checkpoint_every, two.max_grad_norm, two.preset) == (400, 200, 1.0, "SECTION_3_2")
    paper = parse_spec(raw(method="TWO_STAGE", preset="SECTION_4_1"))
    assert (paper.stage1.steps, paper.stage1.learning_rate, paper.stage2.steps, paper.stage2.learning_rate, paper.stage2.checkpoint_every) == (100, 5e-4, 800, 5e-6, 200)
    assert parse_spec(raw(method="TWO_STAGE", preset="SECTION_4_1", stage2={"steps": 300})).stage2.steps == 300, "explicit fields win"
    assert parse_spec(raw(method="DREAMBOOTH", maxGradNorm=None)).max_grad_norm is None, "null disables clipping"
    assert parse_spec(raw(method="DREAMBOOTH", maxGradNorm=0.5)).max_grad_norm == 0.5
    ti = parse_spec(raw(method="TEXTUAL_INVERSION"))
    assert (ti.token, ti.initializer, ti.stage1.steps, ti.stage1.learning_rate, ti.stage1.checkpoint_every) == ("<s*>", "backpack", 3000, 5e-3, 500)
    assert ti.instance_prompt == "a photo of <s*>" and ti.samples.prompts == ["a photo of <s*>"], "the TI token is the noun"
    assert ti.samples.every == 500
    for bad, field in [({"maxGradNorm": 0}, "maxGradNorm"), ({"maxGradNorm": -1}, "maxGradNorm"), ({"preset": "SECTION_9"}, "preset")]:
        with pytest.raises(BadSpecError) as err:
            parse_spec(raw(method="TWO_STAGE", **bad))
        assert err.value.field == field
    with pytest.raises(BadSpecError) as err:
        parse_spec(raw(method="TEXTUAL_INVERSION", preset="SECTION_4_1"))
    assert err.value.field == "preset"


# ---------------------------------------------------------------- point 5: identical weights, identical files


def test_safetensors_files_are_deterministic_and_standard(tmp_path):
    a = {"b.weight": torch.randn(3, 4), "a.bias": torch.arange(5, dtype=torch.int64), "c": torch.randn(2).to(torch.bfloat16)}
    b = {k: a[k].clone() for k in reversed(list(a))}  # another insertion order
    write_safetensors(tmp_path / "1.safetensors", a, {"z": "1", "a": "2", "m": "3"})
    write_safetensors(tmp_path / "2.safetensors", b, {"m": "3", "z": "1", "a": "2"})
    assert (tmp_path / "1.safetensors").read_bytes() == (tmp_path / "2.safetensors").read_bytes()
    info = check_safetensors(tmp_path / "1.safetensors")  # the strict guard accepts it
    assert info.metadata == {"a": "2", "m": "3", "z": "1"}
    back = load_file(str(tmp_path / "1.safetensors"))  # and the library reads it
    assert all(torch.equal(back[k], a[k]) for k in a)
    assert content_hash(a) == content_hash(b)
    c = dict(a)
    c["b.weight"] = a["b.weight"].clone()
    c["b.weight"][1, 2] += 1e-6
    assert content_hash(c) != content_hash(a)
    assert content_hash({"x": torch.zeros(2, 3)}) != content_hash({"x": torch.zeros(3, 2)}), "shape is part of the hash"
    assert content_hash({"x": torch.zeros(4)}) != content_hash({"x": torch.zeros(4, dtype=torch.float64)[:4].float().double()}), "dtype too"


# ---------------------------------------------------------------- point 1: textual inversion


def test_textual_inversion_trains_one_noun_row_on_the_ti_templates_with_flips(tmp_path, subject_images, monkeypatch):
    ctx, buf = make_context(
        tmp_path,
        subject_images,
        method="TEXTUAL_INVERSION",
        batchSize=2,
        stage1={"steps": 6, "learningRate": 5e-2, "checkpointEvery": 2},
        samples={"steps": 1},
    )
    c = ctx.components
    vocab_before = len(c.tokenizer) - 1  # the helper already added the token
    emb_before = c.text_encoder.get_input_embeddings().weight.detach().clone()
    text_before, unet_before = snapshot(c.text_encoder), snapshot(c.unet)
    seen_prompts: list[str] = []
    seen_flips: list[bool] = []
    real_ids, real_flips = stage1_inversion.draw_prompt_ids, stage1_inversion.draw_flips
    templates = stage1_inversion.template_prompts("<s*>")  # tokenized once; each step picks rows of it

    def spy_ids(table, n, gen):
        ids = real_ids(table, n, gen)
        assert table.shape[0] == len(templates)
        seen_prompts.extend(templates[next(i for i in range(len(table)) if torch.equal(table[i], row))] for row in ids)
        return ids

    def spy_flips(n, gen, p):
        assert p == 0.5
        f = real_flips(n, gen, p)
        seen_flips.extend(f.tolist())
        return f

    monkeypatch.setattr(stage1_inversion, "draw_prompt_ids", spy_ids)
    monkeypatch.setattr(stage1_inversion, "draw_flips", spy_flips)
    run_stage1(ctx, ctx.spec.stage1, scheduler(ctx))

    # exactly one new token, exactly one changed row: the new one; nothing else in any model
    assert len(c.tokenizer) == vocab_before + 1 and c.tokenizer.convert_ids_to_tokens(ctx.token.token_id) == "<s*>"
    emb_after = c.text_encoder.get_input_embeddings().weight.detach()
    assert (emb_after != emb_before).any(dim=1).nonzero().flatten().tolist() == [ctx.token.token_id]
    assert [k.split(".", 1)[-1] if k.startswith("text_model.") else k for k in changed(text_before, c.text_encoder)] == ["embeddings.token_embedding.weight"]
    assert changed(unet_before, c.unet) == []
    # the prompts: 2 per step, each a TI object template with the token where the noun goes
    assert len(seen_prompts) == 12
    allowed = {t.format("<s*>") for t in OBJECT_TEMPLATES}
    assert set(seen_prompts) <= allowed, set(seen_prompts) - allowed
    assert len(set(seen_prompts)) > 3, "templates vary from step to step"
    assert not any("backpack" in p for p in seen_prompts), "the token is the noun, not an adjective before the class"
    assert all(re.search(r"(a|the|my|one|clean|dirty|cool|nice|small|weird|large) <s\*>$", p) for p in seen_prompts)
    assert len(seen_flips) == 12 and 0 < sum(seen_flips) < 12, "random horizontal flips"
    # its own checkpointEvery: intermediate checkpoints, each with its private training state
    assert [p.path.name for p in ctx.checkpoints] == ["stage1-step-000002", "stage1-step-000004", "stage1-step-000006"]
    for cp in ctx.checkpoints:
        assert (cp.path / STATE_JSON).exists() and (cp.path / STATE_TENSORS).exists()
    for e in events_of(buf):
        validate_event(e)


# ---------------------------------------------------------------- point 3: clipping and the scaler


class _NormRecorder:
    """Records the global gradient norm each AdamW step sees (after clipping, before the update)."""

    def __init__(self, monkeypatch):
        self.norms: list[float] = []
        real = torch.optim.AdamW.step
        rec = self

        def step(opt, *a, **kw):
            grads = [p.grad for g in opt.param_groups for p in g["params"] if p.grad is not None]
            rec.norms.append(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])).item())
            return real(opt, *a, **kw)

        monkeypatch.setattr(torch.optim.AdamW, "step", step)


def _huge_loss(monkeypatch, module):
    real = module.denoising_loss
    monkeypatch.setattr(module, "denoising_loss", lambda *a, **kw: real(*a, **kw) * 1e6)


@pytest.mark.parametrize("max_norm", [1.0, None])
def test_clipping_bounds_the_global_gradient_norm_in_both_stages(tmp_path, subject_images, monkeypatch, max_norm):
    from studio_engine import stage2_finetune

    ctx, _ = make_context(tmp_path, subject_images, maxGradNorm=max_norm, stage1={"steps": 2}, stage2={"steps": 2, "checkpointEvery": 100}, samples={"steps": 1, "every": 1000})
    rec = _NormRecorder(monkeypatch)
    _huge_loss(monkeypatch, stage1_inversion)
    _huge_loss(monkeypatch, stage2_finetune)
    run_stage1(ctx, ctx.spec.stage1, scheduler(ctx))
    run_stage2(ctx, ctx.spec.stage2, scheduler(ctx))
    assert len(rec.norms) == 4
    if max_norm is None:
        assert min(rec.norms) > 100, rec.norms  # the forced gradient is large ...
    else:
        assert max(rec.norms) <= max_norm * (1 + 1e-4), rec.norms  # ... and clipping bounds it


class SpyScaler(torch.amp.GradScaler):
    """A real (CPU) GradScaler that logs the order of calls the training step makes."""

    calls: list[str] = []

    def scale(self, outputs):
        SpyScaler.calls.append("scale")
        return super().scale(outputs)

    def unscale_(self, optimizer):
        SpyScaler.calls.append("unscale")
        return super().unscale_(optimizer)

    def step(self, optimizer, *a, **kw):
        SpyScaler.calls.append("step")
        return super().step(optimizer, *a, **kw)

    def update(self, new_scale=None):
        SpyScaler.calls.append("update")
        return super().update(new_scale)


def test_fp16_stages_use_the_grad_scaler_and_unscale_before_clipping(tmp_path, subject_images, monkeypatch):
    """No CUDA here: the precision claims fp16 (needs_grad_scaler) while computing in float32, and the
    scaler is a real CPU GradScaler that records its calls; clipping is recorded in the same log."""
    monkeypatch.setattr(Precision, "needs_grad_scaler", property(lambda self: True))
    monkeypatch.setattr(optim.torch.amp, "GradScaler", lambda device: SpyScaler(device, init_scale=1024.0))
    real_clip = torch.nn.utils.clip_grad_norm_
    monkeypatch.setattr(optim.torch.nn.utils, "clip_grad_norm_", lambda *a, **kw: (SpyScaler.calls.append("clip"), real_clip(*a, **kw))[1])
    SpyScaler.calls = []
    ctx, buf = make_context(tmp_path, subject_images, stage1={"steps": 1}, stage2={"steps": 1}, samples={"steps": 1})
    run_stage1(ctx, ctx.spec.stage1, scheduler(ctx))
    run_stage2(ctx, ctx.spec.stage2, scheduler(ctx))
    step_calls = ["scale", "unscale", "clip", "step", "update"]
    assert SpyScaler.calls == step_calls * 2, "stage 1 and stage 2: scale → unscale → clip → step → update"
    for cp in ctx.checkpoints:  # the scaler's state travels with the checkpoint
        doc = json.loads((cp.path / STATE_JSON).read_text())
        assert doc["scaler"]["scale"] == 1024.0 and doc["scaler"]["growth_interval"] == 2000


# ---------------------------------------------------------------- point 2: class images from the base model only


def test_the_class_image_writer_refuses_weights_other_than_the_base_models(tmp_path, subject_images):
    ctx, _ = make_context(tmp_path, subject_images, method="DREAMBOOTH", dreambooth={"classImages": 1, "classImageSteps": 1, "classImagesDir": str(tmp_path / "c")})
    from studio_engine.dreambooth import base_weights_hash

    base_weights_hash(ctx)  # recorded right after loading, as train.py does
    with torch.no_grad():
        next(ctx.components.unet.parameters()).add_(1e-3)  # a fine-tuned UNet
    with pytest.raises(ClassImageSourceError):
        ensure_class_images(ctx)
    assert not list((tmp_path / "c").glob("*.png")), "nothing was written"


# ---------------------------------------------------------------- point 4: the training state round trip


def _optimizers():
    yield "AdamW", lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=1e-2, foreach=True)
    try:
        import bitsandbytes as bnb  # noqa: F401
    except ImportError:
        return
    yield "AdamW8bit", lambda ps: bnb.optim.AdamW8bit(ps, lr=1e-2, weight_decay=1e-2, min_8bit_size=16)


@pytest.mark.parametrize("name,make", list(_optimizers()), ids=lambda x: x if isinstance(x, str) else "")
def test_training_state_round_trip_continues_bit_exactly(tmp_path, name, make):
    """Optimiser moments, step counts, scaler and RNG go through safetensors + JSON (no pickle) and a
    fresh optimiser restored from them takes exactly the steps the original would have taken."""
    from studio_engine import training_state as ts

    torch.manual_seed(0)
    init = [torch.randn(64, 8), torch.randn(8)]

    def steps(opt, params, n):
        for _ in range(n):
            loss = sum((p * torch.randn(p.shape)).sum() ** 2 for p in params)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)

    a = [torch.nn.Parameter(t.clone()) for t in init]
    opt_a = make(a)
    scaler = torch.amp.GradScaler("cpu", init_scale=512.0)
    steps(opt_a, a, 3)
    tensors, doc = ts.capture(stage="stage2", step=3, optimizer=opt_a, scaler=scaler, device=torch.device("cpu"))
    ts.write(tmp_path, tensors, {**doc, "checkpointContentHash": "x" * 64})
    assert json.loads((tmp_path / STATE_JSON).read_text())["optimizer"]["class"].endswith(name)
    snapshot_a = [p.detach().clone() for p in a]
    steps(opt_a, a, 2)  # the uninterrupted run goes on

    b = [torch.nn.Parameter(t.clone()) for t in snapshot_a]  # a "resumed process": weights from the checkpoint
    opt_b = make(b)
    scaler_b = torch.amp.GradScaler("cpu")
    loaded = ts.read(tmp_path, stage="stage2", step=3, checkpoint_hash="x" * 64)
    ts.restore_optimizer(opt_b, *loaded)
    ts.restore_scaler(scaler_b, loaded[1])
    ts.restore_rng(*loaded, torch.device("cpu"))
    steps(opt_b, b, 2)
    assert all(torch.equal(x, y) for x, y in zip(a, b)), "resumed steps equal the uninterrupted ones"
    assert scaler_b.get_scale() == 512.0
    other = torch.optim.SGD(b, lr=0.1) if name != "SGD" else None
    with pytest.raises(ts.TrainingStateError) as err:
        ts.restore_optimizer(other, *loaded)  # a resumed spec with another optimiser
    assert (err.value.code, err.value.field) == ("BAD_CHECKPOINT", "resumeFrom")
    with pytest.raises(ts.TrainingStateError):
        ts.read(tmp_path, stage="stage2", step=4, checkpoint_hash="x" * 64)  # another checkpoint's state
    (tmp_path / STATE_TENSORS).write_bytes((tmp_path / STATE_TENSORS).read_bytes()[:-1] + b"\x01")
    with pytest.raises(ts.TrainingStateError):
        ts.read(tmp_path, stage="stage2", step=3, checkpoint_hash="x" * 64)  # tampered tensors
