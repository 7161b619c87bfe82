"""The engine as the trainer service drives it: a process, a spec file, NDJSON events, exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENGINE_DIR, run_engine, validate_event, write_spec
from PIL import Image

from studio_engine.__main__ import main
from studio_engine.checkpoints import read_checkpoint
from studio_engine.errors import EXIT_BAD_SPEC, EXIT_CANCELLED


def cmyk_and_rotated(src: str, tmp: Path) -> list[str]:
    """Two of the subject photos as phones and print workflows deliver them."""
    img = Image.open(src).convert("RGB")
    cmyk = tmp / "cmyk.jpg"
    img.convert("CMYK").save(cmyk, "JPEG")
    rotated = tmp / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    img.transpose(Image.Transpose.ROTATE_90).save(rotated, "JPEG", exif=exif.tobytes())
    return [str(cmyk), str(rotated)]


def test_two_stage_training_end_to_end(tmp_path, subject_images):
    images = subject_images[:2] + cmyk_and_rotated(subject_images[2], tmp_path)
    spec = write_spec(
        tmp_path / "spec.json",
        method="TWO_STAGE",
        images=images,
        stage1={"steps": 4},
        stage2={"steps": 6, "checkpointEvery": 3},
        samples={"prompts": ["a photo of <rare> backpack", "a <rare> backpack on the beach"], "seeds": [1, 2], "every": 3, "steps": 2},
        outputDir=str(tmp_path / "out"),
    )
    code, events, err = run_engine(["train", "--spec", str(spec)])
    assert code == 0, err
    types = [e["type"] for e in events]
    assert types[0] == "ready" and types[-1] == "completed"
    # loading the base model is a visible phase: started, then ended with its duration, before any stage
    phases = [e for e in events if e["type"] == "phase"]
    assert [(e["phase"], e["state"], e["modelId"]) for e in phases] == [("loading_base_model", s, "tiny-random") for s in ("started", "ended")]
    assert isinstance(phases[1]["durationMs"], int) and phases[1]["durationMs"] >= 0 and "durationMs" not in phases[0]
    assert types.index("phase") < types.index("stage.started") and events.index(phases[1]) < types.index("stage.started")
    progress = [(e["stage"], e["step"]) for e in events if e["type"] == "progress"]
    assert progress == [("stage1", s) for s in range(1, 5)] + [("stage2", s) for s in range(1, 7)], "stage 1, then stage 2, every step once"
    assert all(isinstance(e["loss"], float) and e["loss"] > 0 for e in events if e["type"] == "progress")
    ckpts = [e for e in events if e["type"] == "checkpoint.saved"]
    assert [(e["stage"], e["step"]) for e in ckpts] == [("stage1", 4), ("stage2", 3), ("stage2", 6)]
    for e in ckpts:
        meta = read_checkpoint(e["path"])
        assert meta["step"] == e["step"] and e["bytes"] == sum(f["bytes"] for f in e["files"])
    samples = [(e["stage"], e["step"], e["promptIndex"], e["seed"]) for e in events if e["type"] == "sample.saved"]
    assert samples == [(st, step, p, s) for st, step in [("stage1", 3), ("stage1", 4), ("stage2", 3), ("stage2", 6)] for p in (0, 1) for s in (1, 2)]
    assert all(Path(e["path"]).exists() for e in events if e["type"] == "sample.saved")
    started = [e for e in events if e["type"] == "stage.started"]
    assert [(e["stage"], e["totalSteps"]) for e in started] == [("stage1", 4), ("stage2", 6)]
    assert started[0]["learningRate"] == 5e-4 and started[1]["learningRate"] == 5e-6, "the paper's learning rates by default"


def run_in_process(args: list[str], capsys) -> tuple[int, list[dict]]:
    """`main()` in this process (the exit code it would exit with, and its validated events): fast
    for the many bad-input cases; the subprocess tests above and below cover the real process."""
    code = main(args)
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for e in events:
        validate_event(e)
    return code, events


def test_the_process_exit_code_for_a_bad_spec(tmp_path):
    (tmp_path / "spec.json").write_text("{ not json")
    code, events, _ = run_engine(["train", "--spec", str(tmp_path / "spec.json")])
    assert code == EXIT_BAD_SPEC and events[-1]["field"] == "spec"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"classNoun": None}, "classNoun"),
        ({"stage2": {"steps": -5}}, "stage2.steps"),
        ({"stage2": {"steps": 10**9}}, "stage2.steps"),
        ({"stage1": {"learningRate": float("nan")}}, "stage1.learningRate"),
        ({"stage1": {"learningRate": 0}}, "stage1.learningRate"),
        ({"method": "MAGIC"}, "method"),
        ({"resolution": 100}, "resolution"),
        ({"surprise": 1}, "surprise"),
        ({"baseModel": "stable-diffusion-9"}, "baseModel"),
    ],
)
def test_a_bad_spec_exits_with_the_bad_spec_code_naming_the_field(tmp_path, subject_images, change, field, capsys):
    raw = {"v": 1, "jobId": "j", "method": "TWO_STAGE", "baseModel": "tiny-random", "classNoun": "backpack", "images": subject_images, "outputDir": str(tmp_path / "o")}
    for k, v in change.items():
        if v is None:
            raw.pop(k)
        else:
            raw[k] = v
    (tmp_path / "spec.json").write_text(json.dumps(raw))  # json writes NaN as NaN, as a careless client would
    code, events = run_in_process(["train", "--spec", str(tmp_path / "spec.json")], capsys)
    assert code == EXIT_BAD_SPEC
    error = events[-1]
    assert error["type"] == "error" and error["retryable"] is False
    assert error["field"] == field, error
    assert not (tmp_path / "o" / "checkpoints").exists()


@pytest.mark.parametrize("kind, code", [("truncated", "IMAGE_CORRUPT"), ("text", "IMAGE_UNREADABLE"), ("tiny", "IMAGE_TOO_SMALL")])
def test_a_bad_image_fails_the_spec_naming_the_file(tmp_path, subject_images, kind, code, capsys):
    bad = tmp_path / f"bad-{kind}.jpg"
    if kind == "truncated":
        data = Path(subject_images[0]).read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif kind == "text":
        bad.write_text("this is not a photo")
    else:
        Image.new("RGB", (1, 1)).save(bad, "PNG")
    spec = write_spec(tmp_path / "spec.json", method="TWO_STAGE", images=[*subject_images[:2], str(bad)], outputDir=str(tmp_path / "o"))
    exit_code, events = run_in_process(["train", "--spec", str(spec)], capsys)
    assert exit_code == EXIT_BAD_SPEC
    assert events[-1]["code"] == code and bad.name in events[-1]["message"]


def _start(spec: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ENGINE_DIR / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "studio_engine", "train", "--spec", str(spec)], cwd=ENGINE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def test_sigterm_mid_stage2_exits_cleanly_and_resume_continues_at_the_next_step(tmp_path, subject_images):
    out = tmp_path / "out"
    fields = dict(method="TWO_STAGE", images=subject_images, stage1={"steps": 2}, samples={"every": 10000, "steps": 1}, outputDir=str(out))
    spec = write_spec(tmp_path / "spec.json", stage2={"steps": 10000, "checkpointEvery": 3}, **fields)
    proc = _start(spec)
    events = []
    for line in proc.stdout:
        events.append(json.loads(line))
        e = events[-1]
        if e["type"] == "progress" and e["stage"] == "stage2" and e["step"] >= 8:
            proc.send_signal(signal.SIGTERM)
            break
    rest, _ = proc.communicate(timeout=120)
    events += [json.loads(line) for line in rest.splitlines()]
    for e in events:
        validate_event(e)
    assert proc.returncode == EXIT_CANCELLED
    assert events[-1]["type"] == "error" and events[-1]["code"] == "CANCELLED"
    ckpt_root = out / "checkpoints"
    assert not [p for p in ckpt_root.iterdir() if p.name.startswith(".tmp")], "no half-written checkpoint"
    saved = [e for e in events if e["type"] == "checkpoint.saved" and e["stage"] == "stage2"]
    assert saved and all(read_checkpoint(e["path"]) for e in saved)
    assert sorted(p.name for p in ckpt_root.iterdir()) == sorted(Path(e["path"]).name for e in events if e["type"] == "checkpoint.saved")
    last = saved[-1]

    spec2 = write_spec(tmp_path / "resume.json", stage2={"steps": last["step"] + 2, "checkpointEvery": 3}, resumeFrom=last["path"], **fields)
    code, events2, err = run_engine(["train", "--spec", str(spec2)])
    assert code == 0, err
    started = [e for e in events2 if e["type"] == "stage.started"]
    assert [(e["stage"], e["startStep"]) for e in started] == [("stage2", last["step"])], "stage 1 is not run again"
    steps = [e["step"] for e in events2 if e["type"] == "progress"]
    assert steps == [last["step"] + 1, last["step"] + 2]


def test_serve_keeps_the_model_loaded_and_answers_each_request(tmp_path):
    requests = [
        {"id": "a", "baseModel": "tiny-random", "prompt": "a photo of a backpack", "seed": 3, "steps": 2, "count": 2, "outputDir": str(tmp_path / "a")},
        {"id": "b", "baseModel": "tiny-random", "prompt": "x" * 10_000, "outputDir": str(tmp_path / "b")},
        {"id": "c", "baseModel": "tiny-random", "prompt": "a photo of a backpack", "seed": 3, "steps": 2, "outputDir": str(tmp_path / "c")},
    ]
    stdin = "".join(json.dumps(r) + "\n" for r in requests) + "not json\n"
    code, events, err = run_engine(["serve", "--device", "cpu"], input=stdin)
    assert code == 0, err
    by = lambda rid, t: [e for e in events if e.get("requestId") == rid and e["type"] == t]  # noqa: E731
    assert [e["seed"] for e in by("a", "image.saved")] == [3, 4] and by("a", "generation.completed")[0]["images"] == 2
    # progress while denoising: each image's last step always comes, in order, before that image is saved
    prog = by("a", "generation.progress")
    assert [(e["index"], e["step"]) for e in prog if e["step"] == 2] == [(0, 2), (1, 2)]
    assert all(e["totalSteps"] == 2 and e["images"] == 2 for e in prog)
    assert events.index(prog[-1]) < events.index(by("a", "image.saved")[1]) and events.index(by("a", "generation.started")[0]) < events.index(prog[0])
    assert by("b", "error")[0]["code"] == "BAD_REQUEST" and by("b", "error")[0]["field"] == "prompt"
    same = Image.open(by("a", "image.saved")[0]["path"]).tobytes() == Image.open(by("c", "image.saved")[0]["path"]).tobytes()
    assert same, "same model, prompt and seed give the same image"
    assert events[-1]["type"] == "error" and events[-1]["code"] == "BAD_REQUEST", "a non-JSON line is answered, not fatal"


def test_serve_samples_with_the_scheduler_and_size_asked_for(tmp_path):
    base = {"baseModel": "tiny-random", "prompt": "a photo of a backpack", "seed": 5, "steps": 3}
    requests = [{**base, "id": name, "scheduler": name, "outputDir": str(tmp_path / name)} for name in ("DDIM", "DPM_SOLVER", "EULER_ANCESTRAL")] + [
        {**base, "id": "again", "scheduler": "EULER_ANCESTRAL", "outputDir": str(tmp_path / "again")},
        {**base, "id": "wide", "width": 96, "height": 64, "outputDir": str(tmp_path / "wide")},
        {**base, "id": "bad", "scheduler": "LMS", "outputDir": str(tmp_path / "bad")},
    ]
    code, events, err = run_engine(["serve", "--device", "cpu"], input="".join(json.dumps(r) + "\n" for r in requests))
    assert code == 0, err
    image = {e["requestId"]: Image.open(e["path"]) for e in events if e["type"] == "image.saved"}
    pixels = {k: v.tobytes() for k, v in image.items()}
    assert len({pixels["DDIM"], pixels["DPM_SOLVER"], pixels["EULER_ANCESTRAL"]}) == 3, "each scheduler samples differently"
    assert pixels["again"] == pixels["EULER_ANCESTRAL"], "an ancestral sampler's noise comes from the image's seed: repeatable"
    assert image["wide"].size == (96, 64)
    bad = next(e for e in events if e.get("requestId") == "bad")
    assert bad["type"] == "error" and bad["code"] == "BAD_REQUEST" and bad["field"] == "scheduler"


def test_make_tiny_model_builds_a_loadable_model(tmp_path, capsys):
    code, events = run_in_process(["make-tiny-model", str(tmp_path / "tiny")], capsys)
    assert code == 0 and events[-1]["type"] == "completed"
    from transformers import CLIPTokenizer

    tok = CLIPTokenizer.from_pretrained(tmp_path / "tiny" / "tokenizer")
    assert len(tok) == 49408 and tok.tokenize("a photo of rare backpack") == ["a</w>", "photo</w>", "of</w>", "rare</w>", "backpack</w>"]
    assert sorted(p.name for p in (tmp_path / "tiny").iterdir()) == ["model_index.json", "scheduler", "text_encoder", "tokenizer", "unet", "vae"]
    assert not list((tmp_path / "tiny").rglob("*.bin")), "safetensors only"


def test_stable_diffusion_is_never_downloaded(tmp_path, subject_images, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hf-cache"))
    monkeypatch.delenv("STUDIO_SD21_BASE_DIR", raising=False)
    spec = write_spec(tmp_path / "spec.json", method="TWO_STAGE", baseModel="stable-diffusion-2-1-base", images=subject_images, outputDir=str(tmp_path / "o"))
    code, events = run_in_process(["train", "--spec", str(spec)], capsys)
    assert code == EXIT_BAD_SPEC
    assert events[-1]["code"] == "BASE_MODEL_NOT_FOUND" and "STUDIO_SD21_BASE_DIR" in events[-1]["message"]
    assert "./studio models pull stable-diffusion-2-1-base" in events[-1]["message"], "the error names the command that fixes it"


def test_the_engine_stops_when_its_parent_dies(tmp_path, subject_images):
    """A trainer killed with -9 must not leave its engine training for nobody."""
    spec = write_spec(tmp_path / "spec.json", method="TWO_STAGE", images=subject_images, stage1={"steps": 20000}, outputDir=str(tmp_path / "o"))
    # a throw-away parent: a shell that starts the engine in the background, prints its pid, then dies
    env = {**os.environ, "PYTHONPATH": str(ENGINE_DIR / "src")}
    script = f"STUDIO_PARENT_PID=$$ exec \"{sys.executable}\" -c \"import os,subprocess,sys; p=subprocess.Popen([sys.executable,'-m','studio_engine','train','--spec','{spec}'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={{**os.environ, 'STUDIO_PARENT_PID': str(os.getpid())}}); print(p.pid, flush=True); import time; time.sleep(12)\""
    parent = subprocess.Popen(["sh", "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    engine_pid = int(parent.stdout.readline())
    parent.kill()  # SIGKILL: no chance to clean up
    parent.wait()
    import time

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            os.kill(engine_pid, 0)
        except ProcessLookupError:
            break
        # reap it if it became our zombie (it did not: it was re-parented away from us)
        time.sleep(0.5)
    else:
        os.kill(engine_pid, signal.SIGKILL)
        raise AssertionError("the engine outlived its parent by a minute")
