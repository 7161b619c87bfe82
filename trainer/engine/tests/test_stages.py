"""The paper's two stages (§3.2) and the baselines, in process on tiny-random (CPU)."""

from __future__ import annotations

import torch
from conftest import validate_event
from diffusers import DDPMScheduler
from helpers import changed, eval_loss, events_of, make_context, snapshot

from studio_engine.dreambooth import class_latents, ensure_class_images
from studio_engine.stage1_inversion import run_stage1
from studio_engine.stage2_finetune import PriorPreservation, combined_loss, run_stage2


def scheduler(ctx):
    return DDPMScheduler.from_config(ctx.components.scheduler_config)


def test_stage1_changes_exactly_the_new_embedding_row(tmp_path, subject_images):
    ctx, buf = make_context(tmp_path, subject_images, stage1={"steps": 5})
    c = ctx.components
    emb_before = c.text_encoder.get_input_embeddings().weight.detach().clone()
    text_before, unet_before, vae_before = snapshot(c.text_encoder), snapshot(c.unet), snapshot(c.vae)
    rare_id = c.tokenizer.encode("rare", add_special_tokens=False)[0]
    assert torch.equal(emb_before[ctx.token.token_id], emb_before[rare_id]), "v_rare starts as the embedding of 'rare'"

    run_stage1(ctx, ctx.spec.stage1, scheduler(ctx))

    emb_after = c.text_encoder.get_input_embeddings().weight.detach()
    rows_changed = (emb_after != emb_before).any(dim=1).nonzero().flatten().tolist()
    assert rows_changed == [ctx.token.token_id]
    assert changed(unet_before, c.unet) == []
    assert changed(vae_before, c.vae) == []
    assert [k.split(".", 1)[-1] if k.startswith("text_model.") else k for k in changed(text_before, c.text_encoder)] == ["embeddings.token_embedding.weight"]
    for e in events_of(buf):
        validate_event(e)


def test_stage2_changes_unet_only_and_keeps_the_learned_row(tmp_path, subject_images):
    ctx, buf = make_context(tmp_path, subject_images, stage1={"steps": 2}, stage2={"steps": 3, "learningRate": 1e-4})
    c = ctx.components
    run_stage1(ctx, ctx.spec.stage1, scheduler(ctx))
    text_before, unet_before, vae_before = snapshot(c.text_encoder), snapshot(c.unet), snapshot(c.vae)

    run_stage2(ctx, ctx.spec.stage2, scheduler(ctx))

    assert changed(text_before, c.text_encoder) == [], "text encoder and v_rare are frozen in stage 2"
    assert changed(vae_before, c.vae) == []
    assert len(changed(unet_before, c.unet)) > 0.9 * len(unet_before), "the UNet is what stage 2 trains"
    assert all(not p.requires_grad for p in c.unet.parameters()), "stage 2 leaves the UNet frozen again"


def test_stage1_loss_falls(tmp_path, subject_images):
    # A random tiny UNet barely listens to text, so one embedding row moves the loss by ~1%:
    # the margin is small but the measurement is exact (same draws before and after).
    ctx, _ = make_context(tmp_path, subject_images, stage1={"steps": 60, "learningRate": 5e-2})
    ns = scheduler(ctx)
    before = eval_loss(ctx, ns, ctx.spec.instance_prompt)
    run_stage1(ctx, ctx.spec.stage1, ns)
    after = eval_loss(ctx, ns, ctx.spec.instance_prompt)
    assert after < before * 0.995, (before, after)


def test_stage2_loss_falls(tmp_path, subject_images):
    ctx, _ = make_context(tmp_path, subject_images, stage1={"steps": 1}, stage2={"steps": 40, "learningRate": 1e-3})
    ns = scheduler(ctx)
    run_stage1(ctx, ctx.spec.stage1, ns)
    before = eval_loss(ctx, ns, ctx.spec.instance_prompt)
    run_stage2(ctx, ctx.spec.stage2, ns)
    after = eval_loss(ctx, ns, ctx.spec.instance_prompt)
    assert after < before * 0.7, (before, after)


def test_textual_inversion_uses_a_noun_token_from_the_class_and_its_loss_falls(tmp_path, subject_images):
    ctx, _ = make_context(tmp_path, subject_images, method="TEXTUAL_INVERSION", stage1={"steps": 60, "learningRate": 5e-2})
    c = ctx.components
    assert ctx.spec.token == "<s*>" and ctx.spec.instance_prompt == "a photo of <s*>"
    backpack_id = c.tokenizer.encode("backpack", add_special_tokens=False)[0]
    assert torch.equal(c.text_encoder.get_input_embeddings().weight[ctx.token.token_id], c.text_encoder.get_input_embeddings().weight[backpack_id])
    ns = scheduler(ctx)
    before = eval_loss(ctx, ns, ctx.spec.instance_prompt)
    run_stage1(ctx, ctx.spec.stage1, ns)
    assert eval_loss(ctx, ns, ctx.spec.instance_prompt) < before * 0.995


def test_dreambooth_loss_falls_with_prior_preservation(tmp_path, subject_images):
    ctx, buf = make_context(
        tmp_path,
        subject_images,
        method="DREAMBOOTH",
        stage2={"steps": 40, "learningRate": 1e-3},
        dreambooth={"classImages": 3, "classImageSteps": 2, "classImagesDir": str(tmp_path / "class")},
    )
    assert ctx.token is None and ctx.spec.instance_prompt == "a photo of sks backpack"
    ns = scheduler(ctx)
    paths = ensure_class_images(ctx)
    prior = PriorPreservation(class_latents(ctx, paths), 1.0, ctx.spec.class_prompt)
    before = eval_loss(ctx, ns, ctx.spec.instance_prompt)
    run_stage2(ctx, ctx.spec.stage2, ns, prior=prior)
    assert eval_loss(ctx, ns, ctx.spec.instance_prompt) < before * 0.7


def test_dreambooth_class_images_are_generated_once_and_reused(tmp_path, subject_images):
    spec = dict(method="DREAMBOOTH", dreambooth={"classImages": 2, "classImageSteps": 2, "classImagesDir": str(tmp_path / "class")})
    ctx, buf = make_context(tmp_path, subject_images, **spec)
    first = ensure_class_images(ctx)
    mtimes = [p.stat().st_mtime_ns for p in first]
    started = [e for e in events_of(buf) if e["type"] == "stage.started"]
    assert started[-1]["reused"] == 0
    progress = [e for e in events_of(buf) if e["type"] == "progress" and e["stage"] == "class_images"]
    assert [e["step"] for e in progress] == [1, 2], "class image generation is shown as progress"

    ctx2, buf2 = make_context(tmp_path, subject_images, **spec)
    second = ensure_class_images(ctx2)
    assert second == first
    assert [p.stat().st_mtime_ns for p in second] == mtimes, "nothing regenerated"
    assert [e for e in events_of(buf2) if e["type"] == "stage.started"][-1]["reused"] == 2


def test_prior_preservation_combines_the_terms_with_lambda():
    instance = torch.tensor([1.0, 3.0])  # mean 2
    prior = torch.tensor([0.5, 1.5])  # mean 1
    assert combined_loss(instance, None, 0.7).item() == 2.0
    assert combined_loss(instance, prior, 0.0).item() == 2.0
    assert combined_loss(instance, prior, 1.0).item() == 3.0
    assert abs(combined_loss(instance, prior, 0.25).item() - 2.25) < 1e-7


def test_stage2_with_8bit_adam_and_gradient_checkpointing_still_trains(tmp_path, subject_images):
    ctx, _ = make_context(
        tmp_path,
        subject_images,
        stage1={"steps": 1},
        stage2={"steps": 2, "learningRate": 1e-3},
        precision={"adam8bit": True, "gradientCheckpointing": True},
    )
    run_stage1(ctx, ctx.spec.stage1, scheduler(ctx))
    before = snapshot(ctx.components.unet)
    run_stage2(ctx, ctx.spec.stage2, scheduler(ctx))
    assert len(changed(before, ctx.components.unet)) > 0.9 * len(before)
