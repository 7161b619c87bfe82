"""Compact, exact checkpoints (checkpoint_codec.py, issue 16 point 2): the stage-2 UNet stored as a
lossless delta against the base model decodes to bit-identical weights, generates pixel-identical
images, exports as plain safetensors, and is refused against another base model."""

from __future__ import annotations

import hashlib
import io
import shutil

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler
from helpers import make_context
from safetensors.torch import load_file, save_file

from studio_engine import checkpoint_codec as codec
from studio_engine.checkpoints import DELTA_FILE, EMBEDDING_FILE, META_FILE, UNET_FILE, load_unet_state, read_checkpoint, save_checkpoint
from studio_engine.errors import BadSpecError
from studio_engine.events import EventWriter
from studio_engine.exports import export_checkpoint
from studio_engine.generation import load_model
from studio_engine.models import model_dir
from studio_engine.safetensors_guard import check_safetensors
from studio_engine.sampling import GenerationRequest, generate
from studio_engine.stage2_finetune import run_stage2


def _tensor_sha(state: dict[str, torch.Tensor]) -> dict[str, str]:
    return {k: hashlib.sha256(v.contiguous().view(torch.uint8).numpy().tobytes()).hexdigest() for k, v in state.items()}


@pytest.fixture(scope="module")
def fine_tuned(tmp_path_factory):
    """tiny-random's UNet moved like a short fine-tune, with the bit patterns a codec gets wrong first."""
    base = load_file(str(model_dir("tiny-random") / codec.BASE_UNET))
    gen = torch.Generator().manual_seed(3)
    state = {k: (v + torch.randn(v.shape, generator=gen) * 1e-4).float() for k, v in base.items()}
    name = sorted(state)[0]
    flat = state[name].view(-1)
    flat[0], flat[1], flat[2], flat[3] = float("nan"), -0.0, float("inf"), -state[name].view(-1)[3]  # a sign flip: a huge delta
    flat.view(torch.int32)[4] = 0x7FC12345  # a NaN with a payload
    return state


def test_encoding_round_trips_bit_exactly(fine_tuned, tmp_path):
    base = model_dir("tiny-random")
    plain = save_checkpoint(tmp_path / "plain", stage="stage2", step=1, meta={"x": 1}, embedding=None, unet_state=fine_tuned)
    enc = save_checkpoint(tmp_path / "enc", stage="stage2", step=1, meta={"x": 1}, embedding=None, unet_state=fine_tuned, base_unet=base / codec.BASE_UNET)
    assert sorted(p.name for p in enc.path.iterdir()) == sorted([DELTA_FILE, META_FILE])
    meta = read_checkpoint(enc.path)
    assert meta["encoding"]["unet"]["scheme"] == codec.SCHEME and meta["encoding"]["unet"]["file"] == DELTA_FILE
    assert meta["encoding"]["unet"]["baseUnetFingerprint"] == codec.base_unet_fingerprint(base / codec.BASE_UNET)
    assert meta["contentHash"] == plain.content_hash, "the content hash is the decoded weights'"
    check_safetensors(enc.path / DELTA_FILE, "checkpoint")  # still a plain, pickle-free safetensors file
    decoded = load_unet_state(enc.path, base)
    assert _tensor_sha(decoded) == _tensor_sha(fine_tuned)
    assert {k: (v.dtype, tuple(v.shape)) for k, v in decoded.items()} == {k: (v.dtype, tuple(v.shape)) for k, v in fine_tuned.items()}
    stored = (enc.path / DELTA_FILE).stat().st_size
    assert stored < 0.8 * (plain.path / UNET_FILE).stat().st_size, f"{stored} bytes is not compact"


def test_a_wrong_base_model_is_refused_with_a_clear_error(fine_tuned, tmp_path):
    base = model_dir("tiny-random")
    enc = save_checkpoint(
        tmp_path / "enc", stage="stage2", step=1, meta={"baseModel": {"id": "tiny-random"}}, embedding=None, unet_state=fine_tuned, base_unet=base / codec.BASE_UNET
    )
    other = tmp_path / "other-base"
    shutil.copytree(base, other)
    weights = load_file(str(other / codec.BASE_UNET))
    first = sorted(weights)[0]
    weights[first] = weights[first] + 1e-3
    save_file(weights, str(other / codec.BASE_UNET))
    with pytest.raises(codec.CheckpointEncodingError, match="encoded against base UNet fingerprint .* but the base model here has"):
        load_unet_state(enc.path, other)
    with pytest.raises(codec.CheckpointEncodingError, match="no UNet file"):
        load_unet_state(enc.path, tmp_path / "nowhere")
    model = load_model("tiny-random", "cpu")
    model.components.folder = other
    with pytest.raises(BadSpecError) as err:
        model.use_checkpoint(str(enc.path))
    assert err.value.code == "BAD_CHECKPOINT" and "fingerprint" in err.value.message


def test_the_entropy_estimate_measures_the_noise_a_delta_carries(tmp_path):
    """Benchmarks report how far any lossless coder could go (DeltaEntropy): 16 uniform random bits per
    weight estimate as 16 bits, an unchanged UNet as 0, and the codec's file is not below the estimate."""
    gen = torch.Generator().manual_seed(0)
    base = torch.ones(1 << 18)
    d = torch.randint(-(1 << 15), 1 << 15, base.shape, generator=gen, dtype=torch.int32)  # zigzag: uniform over 16 bits
    moved = (base.view(torch.int32) + d).view(torch.float32)
    est = codec.DeltaEntropy()
    est.add(moved, base)
    assert abs(est.bits_per_weight() - 16.0) < 0.02, est.bits_per_weight()
    same = codec.DeltaEntropy()
    same.add(base, base)
    assert same.bits_per_weight() == 0.0
    save_file({"w": base}, str(tmp_path / "base.safetensors"))
    planes, meta = codec.encode_unet({"w": moved}, tmp_path / "base.safetensors", "fp")
    stored = sum(len(c) for chunks in planes.values() for c in chunks)
    assert stored * 8 / base.numel() >= est.bits_per_weight() - 0.05


def test_a_damaged_delta_file_is_refused(fine_tuned, tmp_path):
    base = model_dir("tiny-random")
    enc = save_checkpoint(tmp_path / "enc", stage="stage2", step=1, meta={}, embedding=None, unet_state=fine_tuned, base_unet=base / codec.BASE_UNET)
    with open(enc.path / DELTA_FILE, "r+b") as f:
        f.seek(-64, 2)
        f.write(b"\xff" * 32)
    with pytest.raises(ValueError, match="sha256"):
        read_checkpoint(enc.path)
    with pytest.raises(codec.CheckpointEncodingError):
        load_unet_state(enc.path, base)  # decoding alone also notices


@pytest.fixture(scope="module")
def trained_encoded(tmp_path_factory, subject_images):
    """A real stage-2 run with STUDIO_CHECKPOINT_ENCODING=delta, and the same weights saved plain."""
    tmp = tmp_path_factory.mktemp("encoded")
    mp = pytest.MonkeyPatch()
    mp.setenv(codec.ENV, "delta")
    try:
        ctx, _ = make_context(tmp, subject_images, stage2={"steps": 3, "learningRate": 1e-3}, samples={"steps": 2, "every": 100})
        run_stage2(ctx, ctx.spec.stage2, DDPMScheduler.from_config(ctx.components.scheduler_config))
    finally:
        mp.undo()
    enc = ctx.checkpoints[-1].path
    plain = save_checkpoint(tmp / "plain", stage="stage2", step=3, meta=ctx.meta(), embedding=ctx.token.file_tensors(), unet_state=ctx.components.unet.state_dict())
    return ctx, enc, plain.path


def test_training_writes_encoded_checkpoints_that_generate_pixel_identical_images(trained_encoded):
    ctx, enc, plain = trained_encoded
    assert (enc / DELTA_FILE).exists() and not (enc / UNET_FILE).exists()
    assert read_checkpoint(enc)["contentHash"] == read_checkpoint(plain)["contentHash"]
    req = GenerationRequest(prompt="a photo of <rare> backpack", seed=5, steps=3)
    images = []
    for folder in (enc, plain):
        model = load_model("tiny-random", "cpu")
        model.use_checkpoint(str(folder))
        ((_, img),) = generate(model.components, req)
        images.append(np.asarray(img))
    assert np.array_equal(images[0], images[1])
    base = load_model("tiny-random", "cpu")
    ((_, img),) = generate(base.components, req)
    assert not np.array_equal(np.asarray(img), images[0]), "the checkpoint changed the model"


@pytest.mark.parametrize("fmt", ["single-file", "diffusers", "checkpoint"])
def test_exports_of_an_encoded_checkpoint_are_plain_safetensors(trained_encoded, tmp_path, fmt):
    ctx, enc, plain = trained_encoded
    a, b = tmp_path / "from-encoded", tmp_path / "from-plain"
    files_a = export_checkpoint("tiny-random", enc, fmt, a, EventWriter(io.StringIO()))
    files_b = export_checkpoint("tiny-random", plain, fmt, b, EventWriter(io.StringIO()))
    weights = sorted(f["name"] for f in files_a if f["name"].endswith(".safetensors"))
    assert weights == sorted(f["name"] for f in files_b if f["name"].endswith(".safetensors")) and weights
    for name in weights:
        check_safetensors(a / name, "export")
        assert hashlib.sha256((a / name).read_bytes()).digest() == hashlib.sha256((b / name).read_bytes()).digest(), name
    assert not any(DELTA_FILE in f["name"] for f in files_a)


def test_a_checkpoint_export_of_an_encoded_checkpoint_is_the_plain_checkpoint(trained_encoded, tmp_path):
    """What a download of a compact checkpoint hands out: the very files a plain save writes."""
    ctx, enc, plain = trained_encoded
    out = tmp_path / "download"
    files = export_checkpoint("tiny-random", enc, "checkpoint", out, EventWriter(io.StringIO()))
    names = sorted(f["name"] for f in files)
    assert names == sorted([EMBEDDING_FILE, UNET_FILE, META_FILE, "README.md", "studio-export.json"])
    for name in (EMBEDDING_FILE, UNET_FILE, META_FILE):
        assert (out / name).read_bytes() == (plain / name).read_bytes(), name
    meta = read_checkpoint(out)  # a readable checkpoint: every listed file's sha256 checks
    assert "encoding" not in meta and meta["contentHash"] == read_checkpoint(enc)["contentHash"]
    assert _tensor_sha(load_unet_state(out)) == _tensor_sha(load_unet_state(enc, model_dir("tiny-random")))


def test_the_encoding_setting_is_checked(monkeypatch):
    monkeypatch.setenv(codec.ENV, "zip")
    with pytest.raises(ValueError, match="plain, delta"):
        codec.encoding_from_env()
    monkeypatch.delenv(codec.ENV)
    assert codec.encoding_from_env() == "plain"
