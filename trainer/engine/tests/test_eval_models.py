"""Evaluation encoders (docs/evaluation-contract.md §1) and the Python reference (§2, §3, §7).

The tiny encoder folder is exported once for this module (in-process, through the CLI's `main`);
the ONNX graphs are run with onnx's reference evaluator (onnxruntime is not a dependency) and
compared with the PyTorch models they came from."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from conftest import run_engine, validate_event
from onnx.reference import ReferenceEvaluator
from PIL import Image

from studio_engine import eval_models
from studio_engine.__main__ import main
from studio_engine.errors import EXIT_BAD_SPEC
from studio_engine.eval_models import (
    REQUIRED_FILES,
    clip_image_embeds,
    clip_text_embeds,
    dino_image_embeds,
    export_eval_models,
    pretrained_encoders,
    read_manifest,
)
from studio_engine.eval_reference import (
    ReferenceEncoders,
    cosine_matrix,
    evaluation_metrics,
    mean_paired_cosine,
    mean_pairwise_cosine,
)
from studio_engine.images import open_rgb

CLIP_MEAN, CLIP_STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def main_in_process(args: list[str]) -> tuple[int, list[dict]]:
    """`main()` here (no second interpreter to start): its exit code and its schema-checked events."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(args)
    events = [json.loads(line) for line in buf.getvalue().splitlines()]
    for e in events:
        validate_event(e)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    return code, events


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("eval") / "tiny-v1"
    start = time.perf_counter()
    code, events = main_in_process(["export-eval-models", "--tiny", "--out", str(out)])
    print(f"tiny export: {time.perf_counter() - start:.1f} s")
    assert code == 0, events
    return out, events


@pytest.fixture(scope="module")
def reference(exported) -> ReferenceEncoders:
    return ReferenceEncoders.load(exported[0])


@pytest.fixture(scope="module")
def photos(tmp_path_factory, subject_images) -> list[str]:
    """A subject photo, the same photo stored sideways with an EXIF rotation, and a transparent PNG."""
    tmp = tmp_path_factory.mktemp("photos")
    img = Image.open(subject_images[0]).convert("RGB")
    img.thumbnail((320, 320))
    rotated = tmp / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    img.transpose(Image.Transpose.ROTATE_90).save(rotated, "JPEG", exif=exif.tobytes())
    cutout = img.convert("RGBA")
    cutout.putalpha(Image.new("L", img.size, 0))
    cutout.paste((200, 30, 30, 255), (20, 20, 120, 90))
    png = tmp / "cutout.png"
    cutout.save(png)
    return [subject_images[0], str(rotated), str(png)]


# --- export-eval-models ---


def test_the_tiny_export_writes_a_complete_folder_and_reports_its_graphs(exported):
    out, events = exported
    assert [e["type"] for e in events] == ["export.file"] * 3 + ["completed"]
    done = events[-1]
    assert done["outputDir"] == str(out) and done["alreadyPresent"] is False and done["tiny"] is True
    for e in events[:-1]:
        assert Path(e["path"]) == out / e["name"]
        assert e["sha256"] == hashlib.sha256(Path(e["path"]).read_bytes()).hexdigest()
    assert all((out / name).is_file() for name in REQUIRED_FILES)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest == read_manifest(out)
    assert {k: manifest[k] for k in ("version", "tiny")} == {"version": 1, "tiny": True}
    assert manifest["clip"] == {"id": "tiny-random-clip", "revision": "tiny-v1-seed0", "imageSize": 224, "embedDim": 32}
    assert manifest["dino"] == {"id": "tiny-random-dino", "revision": "tiny-v1-seed0", "imageSize": 224, "embedDim": 32}
    assert manifest["createdAt"].endswith("Z")
    assert not list(out.parent.glob("*.tmp-*")), "the temporary folder is gone"
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny-v1"]


def test_rerunning_into_a_complete_folder_keeps_it(exported):
    out, _ = exported
    before = (out / "manifest.json").read_text()
    code, events, err = run_engine(["export-eval-models", "--tiny", "--out", str(out)], timeout=120)
    assert code == 0, err
    assert [e["type"] for e in events] == ["completed"] and events[0]["alreadyPresent"] is True
    assert "already present" in err
    assert (out / "manifest.json").read_text() == before


@pytest.fixture(scope="module")
def encoders() -> eval_models.Encoders:
    return eval_models.tiny_encoders()


def test_the_tiny_encoders_are_deterministic(encoders):
    a, b = encoders, eval_models.tiny_encoders()
    for x, y in ((a.clip, b.clip), (a.dino, b.dino)):
        sa, sb = x.state_dict(), y.state_dict()
        assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _graph(path: Path) -> onnx.ModelProto:
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    return model


def _signature(model: onnx.ModelProto) -> tuple:
    def dims(v):
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    (i,), (o,) = model.graph.input, model.graph.output
    return (i.name, i.type.tensor_type.elem_type, dims(i)), (o.name, o.type.tensor_type.elem_type, dims(o))


def test_the_onnx_graphs_are_self_contained_valid_and_have_the_contracts_signature(exported):
    out, _ = exported
    f32, i64 = onnx.TensorProto.FLOAT, onnx.TensorProto.INT64
    expected = {
        "clip/vision.onnx": (("pixel_values", f32, [3, 224, 224]), ("image_embeds", f32, [32])),
        "clip/text.onnx": (("input_ids", i64, [77]), ("text_embeds", f32, [32])),
        "dino/vision.onnx": (("pixel_values", f32, [3, 224, 224]), ("image_embeds", f32, [32])),
    }
    for name, ((iname, itype, idims), (oname, otype, odims)) in expected.items():
        model = _graph(out / name)
        (gi, gt, gd), (go, got, god) = _signature(model)
        assert (gi, gt, go, got) == (iname, itype, oname, otype), name
        assert isinstance(gd[0], str) and gd[1:] == idims, f"{name}: batch must be dynamic, got {gd}"
        assert isinstance(god[0], str) and god[1:] == odims, f"{name}: output {god}"
        assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) >= 17
        assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer), "weights live inside the file"
    assert sorted(p.name for p in out.rglob("*") if p.is_file() and "onnx" in p.name) == ["text.onnx", "vision.onnx", "vision.onnx"]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.diag(cosine_matrix(a, b))


def _close(onnx_out: np.ndarray, torch_out: np.ndarray) -> None:
    assert onnx_out.shape == torch_out.shape and onnx_out.dtype == np.float32
    assert _cosines(onnx_out, torch_out).min() >= 0.9999
    assert np.abs(onnx_out - torch_out).max() < 1e-4


def test_the_onnx_image_graphs_match_pytorch_for_batches_of_1_and_3(exported, reference):
    out, _ = exported
    clip, dino = ReferenceEvaluator(_graph(out / "clip/vision.onnx")), ReferenceEvaluator(_graph(out / "dino/vision.onnx"))
    gen = torch.Generator().manual_seed(0)
    for n in (1, 3):
        x = torch.randn(n, 3, 224, 224, generator=gen)
        with torch.no_grad():
            want_clip, want_dino = clip_image_embeds(reference.clip, x).numpy(), dino_image_embeds(reference.dino, x).numpy()
            # The contract's definitions, spelled out: projected post-layernorm class token; DINO's CLS after the final layernorm.
            vm = reference.clip.vision_model
            last_layer = vm(pixel_values=x, output_hidden_states=True).hidden_states[-1]
            assert np.allclose(reference.clip.visual_projection(vm.post_layernorm(last_layer[:, 0])).numpy(), want_clip, atol=1e-5)
            vit = reference.dino
            last_layer = vit(pixel_values=x, output_hidden_states=True).hidden_states[-1]
            assert np.allclose(vit.layernorm(last_layer)[:, 0].numpy(), want_dino, atol=1e-5)
        _close(clip.run(None, {"pixel_values": x.numpy()})[0], want_clip)
        _close(dino.run(None, {"pixel_values": x.numpy()})[0], want_dino)


def test_the_onnx_text_graph_matches_pytorch_and_pools_at_the_first_eos(exported, reference):
    out, _ = exported
    text = ReferenceEvaluator(_graph(out / "clip/text.onnx"))
    for prompts in (["a photo of a dog"], ["a backpack on the beach", "a", "word " * 100]):
        ids = reference.tokenizer(prompts, padding="max_length", max_length=77, truncation=True, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            want = clip_text_embeds(reference.clip, ids).numpy()
            tm = reference.clip.text_model
            hidden = tm(input_ids=ids).last_hidden_state  # after the final layernorm
            first_eos = (ids == 49407).int().argmax(dim=-1)
            spelled_out = reference.clip.text_projection(hidden[torch.arange(len(ids)), first_eos]).numpy()
        assert np.allclose(spelled_out, want, atol=1e-5)
        _close(text.run(None, {"input_ids": ids.numpy()})[0], want)


def test_a_config_with_the_old_eos_id_pools_at_the_first_eos_too(reference):
    """openai/clip-vit-base-patch32's config says eos_token_id=2 (before transformers#24773); transformers then
    pools at the highest token id, which with CLIP's vocabulary is the first EOS: the same embedding."""
    from transformers import CLIPModel

    config = copy.deepcopy(reference.clip.config)
    config.text_config.eos_token_id = 2
    old = CLIPModel(config).eval()
    old.load_state_dict(reference.clip.state_dict())
    ids = reference.tokenizer(["a <rare> dog in the snow", "a", "word " * 100], padding="max_length", max_length=77, truncation=True, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert torch.allclose(clip_text_embeds(old, ids), clip_text_embeds(reference.clip, ids), atol=1e-6)


def test_the_tokenizer_and_preprocessing_are_the_real_models(exported, reference):
    out, _ = exported
    ids = reference.tokenizer(["a photo of a dog"], padding="max_length", max_length=77, truncation=True)["input_ids"][0]
    assert ids[:7] == [49406, 320, 1125, 539, 320, 1929, 49407] and ids[7:] == [49407] * 70, "CLIP's ids; padded with EOS"
    assert reference.tokenizer.is_fast and (out / "clip/tokenizer.json").stat().st_size > 1_000_000
    assert json.loads((out / "clip/special_tokens_map.json").read_text())["pad_token"] == "<|endoftext|>"
    assert json.loads((out / "clip/tokenizer_config.json").read_text())["model_max_length"] == 77

    clip_cfg = json.loads((out / "clip/preprocessor_config.json").read_text())
    dino_cfg = json.loads((out / "dino/preprocessor_config.json").read_text())
    assert clip_cfg["image_processor_type"] == "CLIPImageProcessor" and dino_cfg["image_processor_type"] == "ViTImageProcessor"
    # The files as transformers.js reads them, and as AutoImageProcessor reads them back.
    for cfg, p in ((clip_cfg, reference.clip_processor), (dino_cfg, reference.dino_processor)):
        loaded = json.loads(json.dumps(p.to_dict()))  # tuples as lists, like the file
        assert {k: v for k, v in loaded.items() if k in cfg and k != "image_processor_type"} == {k: v for k, v in cfg.items() if k != "image_processor_type"}
    assert {k: clip_cfg[k] for k in ("size", "crop_size", "resample", "do_center_crop", "image_mean", "image_std", "do_convert_rgb", "rescale_factor")} == {
        "size": {"shortest_edge": 224},
        "crop_size": {"height": 224, "width": 224},
        "resample": 3,
        "do_center_crop": True,
        "image_mean": CLIP_MEAN,
        "image_std": CLIP_STD,
        "do_convert_rgb": True,
        "rescale_factor": 1 / 255,
    }
    assert {k: dino_cfg[k] for k in ("size", "resample", "image_mean", "image_std", "rescale_factor")} == {
        "size": {"height": 224, "width": 224},
        "resample": 2,
        "image_mean": IMAGENET_MEAN,
        "image_std": IMAGENET_STD,
        "rescale_factor": 1 / 255,
    }
    assert not dino_cfg.get("do_center_crop", False)

    # What the processors compute, written out: the TypeScript side must produce these tensors.
    img = Image.effect_mandelbrot((300, 200), (-2, -1.2, 1, 1.2), 60).convert("RGB")

    def normalised(im: Image.Image, mean, std) -> np.ndarray:
        return ((np.asarray(im, np.float32) / 255 - mean) / std).transpose(2, 0, 1)

    resized = img.resize((336, 224), Image.Resampling.BICUBIC)  # shortest edge to 224
    clip_want = normalised(resized.crop((56, 0, 280, 224)), np.float32(CLIP_MEAN), np.float32(CLIP_STD))
    dino_want = normalised(img.resize((224, 224), Image.Resampling.BILINEAR), np.float32(IMAGENET_MEAN), np.float32(IMAGENET_STD))
    assert np.abs(reference.clip_pixels([img])[0] - clip_want).max() < 1e-5
    assert np.abs(reference.dino_pixels([img])[0] - dino_want).max() < 1e-5


def test_the_real_model_code_path_loads_an_encoder_folder_like_the_hub(exported, reference):
    """`--clip/--dino` accept folders, so the real path (from_pretrained) runs offline here."""
    out, _ = exported
    enc = pretrained_encoders(str(out / "clip"), str(out / "dino"))
    assert enc.tiny is False and enc.clip_source["id"] == str(out / "clip") and enc.clip_source["revision"].startswith("local-")
    assert enc.tokenizer("a dog")["input_ids"] == reference.tokenizer("a dog")["input_ids"]
    assert enc.clip_processor.to_dict() == reference.clip_processor.to_dict()
    assert all(torch.equal(v, reference.dino.state_dict()[k]) for k, v in enc.dino.state_dict().items())


def test_a_real_model_that_cannot_be_fetched_fails_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no network in tests; an empty cache
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    code, events, _ = run_engine(["export-eval-models", "--out", str(tmp_path / "real")], timeout=120)
    assert code == EXIT_BAD_SPEC
    err = events[-1]
    assert (err["type"], err["code"], err["field"]) == ("error", "EVAL_MODEL_NOT_FOUND", "clip")
    assert "openai/clip-vit-base-patch32" in err["message"] and "internet" in err["message"] and "--tiny" in err["message"]
    assert not (tmp_path / "real").exists()


# --- the folder is written atomically ---


@pytest.fixture()
def fast_build(exported, encoders, monkeypatch):
    """Exports that copy the module's folder instead of running the exporter (the folder logic is under test)."""
    monkeypatch.setattr(eval_models, "tiny_encoders", lambda: encoders)

    def copy(enc, tmp: Path, log) -> None:
        for name in REQUIRED_FILES[1:]:
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes((exported[0] / name).read_bytes())

    monkeypatch.setattr(eval_models, "_write_encoders", copy)
    return copy


def test_a_failed_export_leaves_nothing_and_keeps_the_old_folder(tmp_path, fast_build, monkeypatch):
    out = tmp_path / "models"
    export_eval_models(out, tiny=True, log=lambda _: None)
    before = (out / "manifest.json").read_text()

    def half_then_crash(enc, tmp: Path, log) -> None:
        (tmp / "clip").mkdir()
        (tmp / "clip" / "vision.onnx").write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(eval_models, "_write_encoders", half_then_crash)
    with pytest.raises(RuntimeError, match="disk full"):
        export_eval_models(tmp_path / "fresh", tiny=True, log=lambda _: None)
    with pytest.raises(RuntimeError, match="disk full"):
        export_eval_models(out, tiny=True, force=True, log=lambda _: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"], "no half-written folder, no temporary left"
    assert (out / "manifest.json").read_text() == before


def test_force_replaces_and_a_foreign_folder_is_refused(tmp_path, fast_build):
    out = tmp_path / "models"
    first = export_eval_models(out, tiny=True, log=lambda _: None)
    time.sleep(1.1)  # createdAt has one-second resolution
    again = export_eval_models(out, tiny=True, force=True, log=lambda _: None)
    assert not again.already_present and again.manifest["createdAt"] != first.manifest["createdAt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]

    (out / "dino" / "vision.onnx").unlink()  # incomplete: not trusted, not silently replaced either
    assert read_manifest(out) is None
    code, events = main_in_process(["export-eval-models", "--tiny", "--out", str(out)])
    assert code == EXIT_BAD_SPEC and (events[-1]["code"], events[-1]["field"]) == ("EVAL_MODELS_DIR_EXISTS", "out")
    code, events = main_in_process(["export-eval-models", "--tiny", "--out", str(out), "--force"])
    assert code == 0 and read_manifest(out) is not None

    empty = tmp_path / "empty"
    empty.mkdir()
    assert not export_eval_models(empty, tiny=True, log=lambda _: None).already_present


def test_a_concurrent_writer_that_wins_the_rename_is_kept(tmp_path, fast_build, monkeypatch, exported):
    out = tmp_path / "models"
    real_write = fast_build

    def write_while_another_process_finishes(enc, tmp: Path, log) -> None:
        real_write(enc, tmp, log)
        other = tmp_path / "other"
        real_write(enc, other, log)  # the other process's folder, renamed into place first
        (other / "manifest.json").write_text((exported[0] / "manifest.json").read_text())
        os.rename(other, out)

    monkeypatch.setattr(eval_models, "_write_encoders", write_while_another_process_finishes)
    result = export_eval_models(out, tiny=True, log=lambda _: None)
    assert result.already_present and result.manifest == read_manifest(exported[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]


@pytest.mark.parametrize("args, message", [(["export-eval-models"], "--out"), (["export-eval-models", "--out", "x", "--tiny", "--clip", "a/b"], "--tiny")])
def test_bad_arguments_are_an_error_event_and_exit_2(args, message):
    code, events = main_in_process(args)
    assert code == EXIT_BAD_SPEC and len(events) == 1
    assert events[0]["type"] == "error" and events[0]["code"] == "BAD_ARGUMENTS" and message in events[0]["message"]


# --- metrics (contract §3), on examples worked out by hand ---

R2 = 1 / np.sqrt(2)


def test_clip_i_and_dino_are_the_mean_cosine_over_all_generated_real_pairs():
    generated = np.array([[1.0, 0.0], [0.0, 3.0]])  # lengths do not matter: cosines
    real = np.array([[2.0, 0.0], [1.0, 1.0]])
    # cos: (g0,r0)=1, (g0,r1)=1/√2, (g1,r0)=0, (g1,r1)=1/√2
    assert mean_pairwise_cosine(generated, real) == pytest.approx((1 + R2 + 0 + R2) / 4, abs=1e-12)
    assert mean_pairwise_cosine(generated[:1], real[:1]) == pytest.approx(1.0)
    assert mean_pairwise_cosine(np.array([[1.0, 0.0]]), np.array([[-1.0, 0.0]])) == pytest.approx(-1.0)


def test_clip_t_and_drift_pair_each_row_with_its_own_partner():
    images = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    prompts = np.array([[5.0, 0.0], [5.0, 0.0], [0.0, 1.0]])
    assert mean_paired_cosine(images, prompts) == pytest.approx((1 + 0 + R2) / 3, abs=1e-12)
    with pytest.raises(ValueError):
        mean_paired_cosine(images, prompts[:2])


def test_metrics_break_down_per_prompt_and_check_drift():
    gen_clip = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    gen_dino = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    prompts = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    real_clip, real_dino = np.array([[1.0, 0.0]]), np.array([[1.0, 1.0, 0.0]])
    drift = (np.array([[1.0, 0.0]]), np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 1.0]]), np.array([[1.0, 1.0, 0.0]]))
    m = evaluation_metrics(gen_clip, gen_dino, prompts, [0, 0, 1], real_clip, real_dino, drift)
    assert m["clipI"] == pytest.approx((1 + 0 + R2) / 3) and m["dino"] == pytest.approx((R2 + R2 + 0) / 3)
    assert m["clipT"] == pytest.approx((1 + 0 + R2) / 3)
    assert m["perPrompt"] == [
        {"promptIndex": 0, "clipI": pytest.approx(0.5), "clipT": pytest.approx(0.5), "dino": pytest.approx(R2), "imageCount": 2},
        {"promptIndex": 1, "clipI": pytest.approx(R2), "clipT": pytest.approx(R2), "dino": pytest.approx(0.0), "imageCount": 1},
    ]
    assert m["drift"] == {"clipI": pytest.approx(0.0), "dino": pytest.approx(R2)}


def test_the_reference_cli_scores_embeddings_given_directly(tmp_path):
    """The TypeScript side checks its formulas on identical embeddings this way (no encoders needed)."""
    request = {
        "embeddings": {"clipImage": [[1, 0], [0, 1], [1, 1], [2, 0]], "dinoImage": [[1, 0], [0, 1], [0, 1], [1, 1]], "clipText": [[1, 0], [0, 1]]},
        "metrics": {
            "generated": [{"image": 0, "text": 0, "promptIndex": 3}, {"image": 1, "text": 0, "promptIndex": 3}, {"image": 2, "text": 1, "promptIndex": 5}],
            "real": [3],
            "drift": {"checkpoint": [0], "base": [2]},
        },
    }
    (tmp_path / "req.json").write_text(json.dumps(request))
    code, events = main_in_process(["eval-reference", "--request", str(tmp_path / "req.json"), "--out", str(tmp_path / "out.json")])
    assert code == 0 and events[-1] == {**events[-1], "type": "completed", "outputFile": str(tmp_path / "out.json")}
    m = json.loads((tmp_path / "out.json").read_text())["metrics"]
    assert m["clipI"] == pytest.approx((1 + 0 + R2) / 3) and m["clipT"] == pytest.approx((1 + 0 + R2) / 3)
    assert m["dino"] == pytest.approx((R2 + R2 + R2) / 3)
    assert [(p["promptIndex"], p["imageCount"]) for p in m["perPrompt"]] == [(3, 2), (5, 1)]
    assert m["drift"] == {"clipI": pytest.approx(R2), "dino": pytest.approx(0.0)}


@pytest.mark.parametrize(
    "request_, field",
    [
        (
            {
                "embeddings": {"clipImage": [[1, 0]], "dinoImage": [[1, 0]], "clipText": [[1, 0]]},
                "metrics": {"generated": [{"image": 4, "text": 0, "promptIndex": 0}], "real": [0]},
            },
            "metrics.generated[0].path",
        ),
        (
            {"embeddings": {"clipImage": [[1, 0]], "dinoImage": [[1, 0]], "clipText": [[1, 0]]}, "metrics": {"generated": [{"image": 0, "text": 0, "promptIndex": 0}], "real": []}},
            "metrics.real",
        ),
        ({"embeddings": {"clipImage": [[1, 0]], "dinoImage": [], "clipText": [[1, 0]]}, "metrics": {}}, "embeddings.dinoImage"),
        ({"images": "one.png"}, "images"),
        ({"surprise": 1}, "request"),
    ],
)
def test_a_bad_reference_request_names_the_field(tmp_path, request_, field):
    (tmp_path / "req.json").write_text(json.dumps(request_))
    code, events = main_in_process(["eval-reference", "--request", str(tmp_path / "req.json"), "--out", str(tmp_path / "out.json")])
    assert code == EXIT_BAD_SPEC and (events[-1]["code"], events[-1]["field"]) == ("BAD_REQUEST", field)
    assert not (tmp_path / "out.json").exists()


# --- the reference on images: decoding, pixels, embeddings, metrics ---


def test_the_reference_cli_decodes_preprocesses_embeds_and_scores_images(exported, reference, photos, tmp_path):
    out, _ = exported
    _, rotated, cutout = photos
    request = {
        "images": photos,
        "texts": ["a photo of a backpack", "a backpack on the beach"],
        "includePixels": True,
        "metrics": {
            "generated": [{"path": rotated, "scoringPrompt": "a photo of a backpack", "promptIndex": 0}, {"image": 2, "text": 1, "promptIndex": 1}],
            "real": [0],
            "drift": {"checkpoint": [rotated], "base": [cutout]},
        },
    }
    (tmp_path / "req.json").write_text(json.dumps(request))
    code, events = main_in_process(["eval-reference", "--models", str(out), "--request", str(tmp_path / "req.json"), "--out", str(tmp_path / "out.json")])
    assert code == 0, events
    answer = json.loads((tmp_path / "out.json").read_text())

    decoded = [open_rgb(p) for p in photos]
    assert answer["decoded"] == [{"width": d.width, "height": d.height, "sha256": hashlib.sha256(d.tobytes()).hexdigest()} for d in decoded]
    assert decoded[1].size == decoded[2].size, "EXIF orientation applied (both come from one upright picture)"
    assert decoded[2].getpixel((0, 0)) == (255, 255, 255), "alpha composited over white"

    clip_pixels = np.asarray(answer["clipPixels"], np.float32).reshape(3, 3, 224, 224)
    dino_pixels = np.asarray(answer["dinoPixels"], np.float32).reshape(3, 3, 224, 224)
    assert np.array_equal(clip_pixels, reference.clip_pixels(decoded)) and np.array_equal(dino_pixels, reference.dino_pixels(decoded))
    # The ONNX graphs on the reference's pixels give the reference's embeddings: the whole path the TS side runs.
    clip_img = np.asarray(answer["clipImage"], np.float32)
    dino_img = np.asarray(answer["dinoImage"], np.float32)
    _close(ReferenceEvaluator(str(out / "clip/vision.onnx")).run(None, {"pixel_values": clip_pixels})[0], clip_img)
    _close(ReferenceEvaluator(str(out / "dino/vision.onnx")).run(None, {"pixel_values": dino_pixels})[0], dino_img)
    clip_txt = np.asarray(answer["clipText"], np.float32)
    assert clip_img.shape == (3, 32) and dino_img.shape == (3, 32) and clip_txt.shape == (2, 32)
    assert np.allclose(clip_txt, reference.clip_text(request["texts"]), atol=1e-6)

    want = evaluation_metrics(clip_img[[1, 2]], dino_img[[1, 2]], clip_txt, [0, 1], clip_img[[0]], dino_img[[0]], (clip_img[[1]], dino_img[[1]], clip_img[[2]], dino_img[[2]]))
    got = answer["metrics"]
    assert got["clipI"] == pytest.approx(want["clipI"], abs=1e-6) and got["dino"] == pytest.approx(want["dino"], abs=1e-6)
    assert got["clipT"] == pytest.approx(want["clipT"], abs=1e-6)
    assert [(p["promptIndex"], p["imageCount"]) for p in got["perPrompt"]] == [(0, 1), (1, 1)]
    assert got["drift"]["dino"] == pytest.approx(want["drift"]["dino"], abs=1e-6)


def test_a_missing_encoder_folder_or_a_bad_image_is_a_clear_error(tmp_path, exported):
    (tmp_path / "bad.png").write_text("not an image")
    (tmp_path / "req.json").write_text(json.dumps({"images": [str(tmp_path / "bad.png")]}))
    args = ["eval-reference", "--request", str(tmp_path / "req.json"), "--out", str(tmp_path / "out.json")]
    code, events = main_in_process([*args, "--models", str(tmp_path / "nowhere")])
    assert code == EXIT_BAD_SPEC and (events[-1]["code"], events[-1]["field"]) == ("EVAL_MODELS_NOT_FOUND", "models")
    assert "export-eval-models" in events[-1]["message"]
    code, events = main_in_process([*args, "--models", str(exported[0])])
    assert code == EXIT_BAD_SPEC and (events[-1]["code"], events[-1]["field"]) == ("IMAGE_UNREADABLE", "images")
    assert "bad.png" in events[-1]["message"]
