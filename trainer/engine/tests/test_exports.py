"""Team sharing: exports other tools load (diffusers folder, original-layout single file), the
safetensors guard, and import of shared files back into checkpoints (tiny-random, CPU)."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import run_engine, validate_event
from diffusers import DDPMScheduler, StableDiffusionPipeline
from helpers import events_of, make_context
from safetensors.torch import load_file, save_file

from studio_engine.checkpoints import EMBEDDING_FILE, UNET_FILE, read_checkpoint, sha256_file
from studio_engine.errors import BadSpecError
from studio_engine.events import EventWriter
from studio_engine.exports import DIFFUSERS_EMBEDDING, SINGLE_FILE, export_checkpoint
from studio_engine.generation import load_model
from studio_engine.imports import import_single_file
from studio_engine.models import model_dir
from studio_engine.safetensors_guard import check_safetensors
from studio_engine.sampling import GenerationRequest, generate
from studio_engine.single_file import GROUPS, PREFIX, key_map, load_component, original_shape
from studio_engine.stage1_inversion import run_stage1
from studio_engine.stage2_finetune import run_stage2

PROMPT = "a photo of <rare> backpack on the beach"


@pytest.fixture(scope="module")
def trained(tmp_path_factory, subject_images):
    """A real tiny TWO_STAGE run: a stage-1 checkpoint (embedding) and a stage-2 one (+ UNet)."""
    tmp = tmp_path_factory.mktemp("trained")
    ctx, _ = make_context(
        tmp, subject_images, stage1={"steps": 2, "learningRate": 5e-2}, stage2={"steps": 2, "learningRate": 1e-3, "checkpointEvery": 2}, samples={"steps": 1, "every": 100}
    )
    ns = DDPMScheduler.from_config(ctx.components.scheduler_config)
    run_stage1(ctx, ctx.spec.stage1, ns)
    run_stage2(ctx, ctx.spec.stage2, ns)
    stage1, stage2 = (c.path for c in ctx.checkpoints)
    return stage1, stage2


@pytest.fixture(scope="module")
def single_file(trained, tmp_path_factory) -> Path:
    """The stage-2 checkpoint exported as one original-layout file (in process)."""
    out = tmp_path_factory.mktemp("single") / "export"
    export_checkpoint("tiny-random", trained[1], "single-file", out, EventWriter(io.StringIO()))
    return out


def error_of(fn) -> BadSpecError:
    with pytest.raises(BadSpecError) as info:
        fn()
    return info.value


# --- safetensors guard ------------------------------------------------------------------------


def craft(path: Path, header: dict | bytes, data: bytes = b"", length: int | None = None) -> Path:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw) if length is None else length) + raw + data)
    return path


F32x2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize(
    "header, data, length, why",
    [
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12), None, "overlap"),
        ({"a": F32x2}, bytes(8), 10_000, "runs past the end"),
        ({"a": F32x2}, bytes(8), 200_000_000, "outside 2..100000000"),
        ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8), None, "needs 12"),
        ({"a": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}}, bytes(8), None, "unknown dtype 'Q4'"),
        (b"{not json", b"", None, "not UTF-8 JSON"),
        (b"\xff\xfe{}", b"", None, "not UTF-8 JSON"),
        (b"[1, 2]", b"", None, "not a JSON object"),
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}}, bytes(8), None, "past the data region"),
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12), None, "gap before 'a'"),
        ({"a": F32x2}, bytes(12), None, "8..12 at the end"),
        ({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, bytes(8), None, "non-negative integers"),
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}, bytes(8), None, "begin <= end"),
        ({"__metadata__": {"k": 1}, "a": F32x2}, bytes(8), None, "__metadata__ must map strings"),
        (b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', bytes(8), None, "duplicate key"),
        ({"a": {**F32x2, "extra": 1}}, bytes(8), None, "exactly dtype, shape and data_offsets"),
        (b"", b"", 1, "outside 2.."),
    ],
)
def test_guard_refuses_malformed_safetensors(tmp_path, header, data, length, why):
    path = craft(tmp_path / "crafted.safetensors", header, data, length)
    err = error_of(lambda: check_safetensors(path, "file"))
    assert (err.code, err.field) == ("BAD_SAFETENSORS", "file")
    assert why in err.message and "crafted.safetensors" in err.message


def test_guard_accepts_what_safetensors_writes_and_reads_its_header(tmp_path):
    path = tmp_path / "ok.safetensors"
    save_file({"x": torch.ones(2, 3), "empty": torch.zeros(0), "i": torch.arange(4)}, str(path), metadata={"k": "v"})
    info = check_safetensors(path)
    assert info.metadata == {"k": "v"}
    assert {k: (t.dtype, t.shape) for k, t in info.tensors.items()} == {"x": ("F32", (2, 3)), "empty": ("F32", (0,)), "i": ("I64", (4,))}
    craft(tmp_path / "short.safetensors", b"", b"", None).write_bytes(b"\x01\x00")
    assert "fewer than the 8-byte" in error_of(lambda: check_safetensors(tmp_path / "short.safetensors")).message


@pytest.mark.parametrize(
    "name, save, what",
    [
        ("model.ckpt", lambda t, p: torch.save(t, p), "zip archive"),
        ("weights.safetensors", lambda t, p: torch.save(t, p, _use_new_zipfile_serialization=False), "is a pickle file"),
        ("model.ckpt", lambda t, p: save_file(t, str(p)), "extension (.ckpt)"),
    ],
)
def test_guard_refuses_pickles_whatever_their_name(tmp_path, name, save, what):
    path = tmp_path / name
    save({"w": torch.ones(2)}, path)
    err = error_of(lambda: check_safetensors(path, "embedding"))
    assert (err.code, err.field) == ("UNSAFE_FORMAT", "embedding")
    assert what in err.message and err.message.startswith(name) and "pickle can run code" in err.message


# --- the key map -------------------------------------------------------------------------------


def test_key_map_places_every_tensor_exactly_once_with_its_shape():
    base = model_dir("tiny-random")
    seen_original: set[str] = set()
    for group in GROUPS:
        config, state = load_component(base, group)
        kmap = key_map(group, config, list(state))
        sources = [s for t in kmap.values() for s in t.sources]
        assert sorted(sources) == sorted(state), f"{group}: every diffusers tensor is used exactly once"
        assert all(k.startswith(PREFIX[group]) for k in kmap) and not seen_original & set(kmap)
        seen_original |= set(kmap)
        dims = {k: v.shape for k, v in state.items()}
        for key, target in kmap.items():
            shapes = [tuple(state[s].shape) for s in target.sources]
            if target.op == "concat":  # OpenCLIP's fused q/k/v: rows stacked
                assert key.endswith(("attn.in_proj_weight", "attn.in_proj_bias")) and len(shapes) == 3
                assert original_shape(target, dims) == (3 * shapes[0][0], *shapes[0][1:])
            elif target.op == "conv1x1":  # the VAE's attention: linear in diffusers, 1x1 conv in ldm
                assert ".mid.attn_1." in key and original_shape(target, dims) == (*shapes[0], 1, 1)
            else:
                assert target.op == "copy" and original_shape(target, dims) == shapes[0]
    # spot checks of the layout A1111 / ComfyUI detect
    for k in (
        "model.diffusion_model.input_blocks.0.0.weight",
        "model.diffusion_model.output_blocks.2.1.proj_in.weight",
        "model.diffusion_model.input_blocks.2.0.op.weight",
        "model.diffusion_model.output_blocks.1.1.conv.weight",
        "first_stage_model.decoder.up.3.block.0.conv1.weight",
        "first_stage_model.encoder.mid.attn_1.q.weight",
        "cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight",
        "cond_stage_model.model.positional_embedding",
        "cond_stage_model.model.token_embedding.weight",
        "cond_stage_model.model.ln_final.weight",
    ):
        assert k in seen_original, k


def test_diffusers_own_single_file_loader_reads_our_file_to_identical_weights(trained, single_file):
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from diffusers.loaders.single_file_utils import convert_open_clip_checkpoint
    from transformers import CLIPTextModel

    base = model_dir("tiny-random")
    path = str(single_file / SINGLE_FILE)
    unet = UNet2DConditionModel.from_single_file(path, config=str(base), subfolder="unet", local_files_only=True)
    trained_unet = load_file(str(trained[1] / UNET_FILE))
    assert {k: v for k, v in unet.state_dict().items()}.keys() == trained_unet.keys()
    assert all(torch.equal(v, trained_unet[k]) for k, v in unet.state_dict().items())
    vae = AutoencoderKL.from_single_file(path, config=str(base), subfolder="vae", local_files_only=True)
    base_vae = load_component(base, "vae")[1]
    assert all(torch.equal(v, base_vae[k]) for k, v in vae.state_dict().items()) and len(base_vae) == len(vae.state_dict())
    text_model = CLIPTextModel.from_pretrained(base / "text_encoder", local_files_only=True)
    text = convert_open_clip_checkpoint(text_model, load_file(path))
    base_text = load_component(base, "text_encoder")[1]
    assert {k.removeprefix("text_model.") for k in text} == set(base_text)
    assert all(torch.equal(v, base_text[k.removeprefix("text_model.")]) for k, v in text.items())


# --- exports ----------------------------------------------------------------------------------


def assert_export_events(events: list[dict], out: Path) -> None:
    assert events[0]["type"] == "ready" and events[-1]["type"] == "completed"
    files = [e for e in events if e["type"] == "export.file"]
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert sorted(f["name"] for f in files) == on_disk and events[-1] == {**events[-1], "outputDir": str(out), "files": len(on_disk)}
    for f in files:
        assert f["path"] == str(out / f["name"]) and f["sha256"] == sha256_file(Path(f["path"])) and f["bytes"] == Path(f["path"]).stat().st_size
    assert not any(p.name.startswith(out.name + ".tmp") for p in out.parent.iterdir())


def test_diffusers_export_loads_in_diffusers_and_draws_the_studios_image(trained, tmp_path):
    stage2 = trained[1]
    out = tmp_path / "pipeline"
    code, events, err = run_engine(["export", "--model", "tiny-random", "--checkpoint", str(stage2), "--format", "diffusers", "--out", str(out)])
    assert code == 0, err
    assert_export_events(events, out)
    names = {e["name"] for e in events if e["type"] == "export.file"}
    assert {
        "model_index.json",
        "unet/diffusion_pytorch_model.safetensors",
        "vae/config.json",
        "text_encoder/model.safetensors",
        "tokenizer/vocab.json",
        "scheduler/scheduler_config.json",
        DIFFUSERS_EMBEDDING,
        "README.md",
        "studio-export.json",
    } <= names
    assert not any(n.endswith((".bin", ".ckpt", ".pt")) for n in names)
    doc = json.loads((out / "studio-export.json").read_text())
    meta = read_checkpoint(stage2)
    assert (doc["format"], doc["token"], doc["baseModel"], doc["stage"], doc["step"]) == ("diffusers", "<rare>", meta["baseModel"], "stage2", 2)
    assert {f["name"]: f["sha256"] for f in doc["source"]["files"]} == {f["name"]: f["sha256"] for f in meta["files"]}
    card = (out / "README.md").read_text()
    assert all(s in card for s in ("`tiny-random`", "`<rare>`", "`backpack`", "`TWO_STAGE`", "stage `stage2`, step 2"))

    pipe = StableDiffusionPipeline.from_pretrained(out, local_files_only=True)
    pipe.load_textual_inversion(str(out / DIFFUSERS_EMBEDDING), token="<rare>")
    pipe.set_progress_bar_config(disable=True)
    arr = pipe(PROMPT, num_inference_steps=3, guidance_scale=7.5, height=64, width=64, generator=torch.Generator().manual_seed(11), output_type="np").images[0]
    exported = (np.clip(arr, 0, 1) * 255).round().astype(np.uint8)

    studio = load_model("tiny-random", "cpu")
    studio.use_checkpoint(str(stage2))
    ((_, image),) = generate(studio.components, GenerationRequest(prompt=PROMPT, seed=11, steps=3), studio.precision)
    expected = np.asarray(image)
    assert np.abs(exported.astype(int) - expected.astype(int)).max() <= 1
    studio.use_checkpoint(None)  # and the export really carries the fine-tune: the base model draws another image
    ((_, base_image),) = generate(studio.components, GenerationRequest(prompt="a photo of backpack on the beach", seed=11, steps=3), studio.precision)
    assert not np.array_equal(np.asarray(base_image), expected)


def test_a_stage1_export_carries_the_base_unet_and_the_token(trained, tmp_path):
    out = tmp_path / "s1"
    export_checkpoint("tiny-random", trained[0], "diffusers", out, EventWriter(io.StringIO()))
    base = model_dir("tiny-random")
    assert sha256_file(out / "unet" / "diffusion_pytorch_model.safetensors") == sha256_file(base / "unet" / "diffusion_pytorch_model.safetensors")
    assert load_file(str(out / DIFFUSERS_EMBEDDING)).keys() == {"<rare>"}
    err = error_of(lambda: export_checkpoint("tiny-random", trained[0], "diffusers", out, EventWriter(io.StringIO())))
    assert (err.code, err.field) == ("OUTPUT_EXISTS", "out")


def test_single_file_export_then_import_round_trips_the_checkpoint(trained, tmp_path):
    stage2 = trained[1]
    out = tmp_path / "single"
    code, events, err = run_engine(["export", "--model", "tiny-random", "--checkpoint", str(stage2), "--format", "single-file", "--out", str(out)])
    assert code == 0, err
    assert_export_events(events, out)
    assert sorted(p.name for p in out.iterdir()) == ["README.md", SINGLE_FILE, "rare.safetensors", "studio-export.json"]
    header = check_safetensors(out / SINGLE_FILE).metadata
    assert {k: header[k] for k in ("format", "baseModel", "token", "classNoun", "method", "stage", "step")} == {
        "format": "studio-single-file",
        "baseModel": "tiny-random",
        "token": "<rare>",
        "classNoun": "backpack",
        "method": "TWO_STAGE",
        "stage": "stage2",
        "step": "2",
    }
    assert header["baseModelFingerprint"] == read_checkpoint(stage2)["baseModel"]["fingerprint"]
    emb = load_file(str(out / "rare.safetensors"))
    assert list(emb) == ["emb_params"] and emb["emb_params"].shape == (1, 32) and emb["emb_params"].dtype == torch.float32

    ckpt = tmp_path / "imported"
    buf = io.StringIO()  # in process (the CLI path of `import` is exercised by the pickle test)
    import_single_file("tiny-random", out / SINGLE_FILE, ckpt, EventWriter(buf), embedding=out / "rare.safetensors")
    events = events_of(buf)
    for e in events:
        validate_event(e)
    assert [e["type"] for e in events] == ["checkpoint.saved", "completed"]
    assert events[0]["path"] == str(ckpt) and (events[0]["stage"], events[0]["step"]) == ("stage2", 2)
    meta = read_checkpoint(ckpt)
    assert (meta["method"], meta["token"], meta["classNoun"], meta["stage"], meta["step"]) == ("TWO_STAGE", "<rare>", "backpack", "stage2", 2)
    assert meta["imported"]["filename"] == SINGLE_FILE and meta["imported"]["sha256"] == sha256_file(out / SINGLE_FILE)
    assert meta["imported"]["metadata"]["format"] == "studio-single-file" and meta["imported"]["embedding"]["layout"] == "emb_params"
    original, back = load_file(str(stage2 / UNET_FILE)), load_file(str(ckpt / UNET_FILE))
    assert original.keys() == back.keys() and all(torch.equal(original[k], back[k]) for k in original)
    assert torch.equal(load_file(str(ckpt / EMBEDDING_FILE))["<rare>"], load_file(str(stage2 / EMBEDDING_FILE))["<rare>"])
    assert not any(p.name.startswith(".import-") for p in tmp_path.iterdir())


def test_half_export_stores_float16_and_imports(trained, tmp_path):
    out = tmp_path / "half"
    export_checkpoint("tiny-random", trained[1], "single-file", out, EventWriter(io.StringIO()), half=True)
    info = check_safetensors(out / SINGLE_FILE)
    assert {t.dtype for t in info.tensors.values()} == {"F16"}
    ckpt = tmp_path / "ckpt"
    import_single_file("tiny-random", out / SINGLE_FILE, ckpt, EventWriter(io.StringIO()), embedding=out / "rare.safetensors")
    original, back = load_file(str(trained[1] / UNET_FILE)), load_file(str(ckpt / UNET_FILE))
    assert all(torch.equal(original[k].half().float(), back[k]) for k in original)


# --- import refusals and foreign files ----------------------------------------------------------


def test_import_refuses_a_pickle_and_writes_nothing(tmp_path):
    torch.save({"state_dict": {"w": torch.ones(1)}}, tmp_path / "model.ckpt")
    out = tmp_path / "never"
    code, events, _ = run_engine(["import", "--model", "tiny-random", "--file", str(tmp_path / "model.ckpt"), "--out", str(out)])
    assert code == 2
    assert events[-1]["type"] == "error" and (events[-1]["code"], events[-1]["field"], events[-1]["retryable"]) == ("UNSAFE_FORMAT", "file", False)
    assert "model.ckpt" in events[-1]["message"] and "pickle can run code" in events[-1]["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.ckpt"]


def rewrite(src: Path, dst: Path, change) -> Path:
    """A copy of a single file without our metadata (as another tool would write it), changed by `change`."""
    tensors = load_file(str(src))
    change(tensors)
    save_file(tensors, str(dst))
    return dst


def test_import_checks_the_base_model_and_the_unet(single_file, tmp_path):
    src = single_file / SINGLE_FILE

    def refused(change, code: str, words: str):
        path = rewrite(src, tmp_path / f"{code}.safetensors", change)
        err = error_of(lambda: import_single_file("tiny-random", path, tmp_path / "out", EventWriter(io.StringIO())))
        assert (err.code, err.field) == (code, "file") and words in err.message, err.message
        assert not (tmp_path / "out").exists() and not any(p.name.startswith(".import-") for p in tmp_path.iterdir())

    vae_key = "first_stage_model.decoder.conv_out.weight"
    refused(lambda t: t[vae_key].add_(1e-3), "BASE_MODEL_MISMATCH", f"not tiny-random's ({vae_key} differs)")
    text_key = "cond_stage_model.model.transformer.resblocks.1.attn.in_proj_weight"
    refused(lambda t: t[text_key].mul_(2), "BASE_MODEL_MISMATCH", "text encoder is not tiny-random's")
    unet_key = "model.diffusion_model.output_blocks.2.1.proj_in.weight"
    refused(lambda t: t.pop(unet_key), "BAD_CHECKPOINT", "1 missing")
    refused(lambda t: t.update({unet_key: t[unet_key][:, :8].contiguous()}), "BAD_CHECKPOINT", "needs [32, 32]")
    refused(lambda t: [t.pop(k) for k in list(t) if k.startswith("first_stage_model.")], "BAD_CHECKPOINT", "no VAE")


def test_import_of_a_foreign_file_with_an_a1111_embedding(single_file, trained, tmp_path):
    def like_a1111(t):  # the noise-schedule buffers and OpenCLIP extras real SD 2.x files carry
        t["alphas_cumprod"] = torch.linspace(1, 0, 1000)
        t["cond_stage_model.model.logit_scale"] = torch.tensor(4.6)
        t["cond_stage_model.model.text_projection"] = torch.eye(32)

    foreign = rewrite(single_file / SINGLE_FILE, tmp_path / "someones-model.safetensors", like_a1111)
    row = load_file(str(trained[1] / EMBEDDING_FILE))["<rare>"]
    emb = tmp_path / "bag.safetensors"
    save_file({"string_to_param.*": row.clone()}, str(emb))
    err = error_of(lambda: import_single_file("tiny-random", foreign, tmp_path / "x", EventWriter(io.StringIO()), embedding=emb))
    assert (err.code, err.field) == ("BAD_ARGUMENTS", "token")
    err = error_of(lambda: import_single_file("tiny-random", foreign, tmp_path / "x", EventWriter(io.StringIO()), embedding=emb, token="backpack"))
    assert (err.code, err.field) == ("BAD_ARGUMENTS", "token") and "already a word" in err.message

    buf = io.StringIO()
    out = import_single_file("tiny-random", foreign, tmp_path / "ckpt", EventWriter(buf), embedding=emb, token="<bag>")
    meta = read_checkpoint(out)
    assert (meta["method"], meta["token"], meta["stage"], meta["step"]) == ("IMPORTED", "<bag>", "stage2", 1)
    assert meta["imported"]["ignoredKeys"] == 3 and meta["imported"]["embedding"]["layout"] == "string_to_param"
    assert [e["type"] for e in events_of(buf)] == ["checkpoint.saved", "completed"]
    assert torch.equal(load_file(str(out / EMBEDDING_FILE))["<bag>"], row)
    # the studio generates from it like from any checkpoint
    studio = load_model("tiny-random", "cpu")
    studio.use_checkpoint(str(out))
    ((_, image),) = generate(studio.components, GenerationRequest(prompt="a photo of <bag> backpack", seed=1, steps=1), studio.precision)
    assert np.asarray(image).shape == (64, 64, 3)

    too_many = tmp_path / "two.safetensors"
    save_file({"emb_params": torch.zeros(2, 32)}, str(too_many))
    err = error_of(lambda: import_single_file("tiny-random", foreign, tmp_path / "y", EventWriter(io.StringIO()), embedding=too_many, token="<x>"))
    assert (err.code, err.field) == ("BAD_EMBEDDING", "embedding")
    torch.save({"string_to_param": {"*": row}}, tmp_path / "bag.pt")
    err = error_of(lambda: import_single_file("tiny-random", foreign, tmp_path / "y", EventWriter(io.StringIO()), embedding=tmp_path / "bag.pt", token="<x>"))
    assert (err.code, err.field) == ("UNSAFE_FORMAT", "embedding")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
