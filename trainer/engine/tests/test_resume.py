"""Bit-exact resume (issue 15, point 4; PROTOCOL.md "Resume"): for each method, a run SIGKILLed at a
random step of each stage and resumed from its last checkpoint ends with weights whose content hash
(and file bytes) equal an uninterrupted run's with the same seed. The kill is the engine's own
`STUDIO_ENGINE_KILL_AT=stage:step` fault point: SIGKILL as that step begins, no cleanup."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from conftest import ENGINE_DIR, validate_event, write_spec

from studio_engine.__main__ import main
from studio_engine.checkpoints import read_checkpoint

RNG = random.Random()  # the kill steps are random; a failure message names them


def _engine(spec: Path, kill_at: str | None) -> tuple[int, list[dict]]:
    env = {**os.environ, "PYTHONPATH": str(ENGINE_DIR / "src")}
    env.pop("STUDIO_ENGINE_KILL_AT", None)
    if kill_at:
        env["STUDIO_ENGINE_KILL_AT"] = kill_at
    proc = subprocess.run([sys.executable, "-m", "studio_engine", "train", "--spec", str(spec)], cwd=ENGINE_DIR, env=env, capture_output=True, text=True, timeout=600)
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    for e in events:
        validate_event(e)
    return proc.returncode, events


def _last_checkpoint(out: Path) -> Path | None:
    root = out / "checkpoints"
    found = [p for p in root.iterdir() if not p.name.startswith(".")] if root.exists() else []
    return max(found, key=lambda p: (p.name.startswith("stage2"), p.name)) if found else None


def _final(out: Path, name: str) -> dict:
    meta = read_checkpoint(out / "checkpoints" / name)
    return {"contentHash": meta["contentHash"], "files": {f["name"]: f["sha256"] for f in meta["files"]}}


def _reference(tmp: Path, capsys, **fields) -> Path:
    out = tmp / "reference"
    spec = write_spec(tmp / "reference.json", outputDir=str(out), **fields)
    assert main(["train", "--spec", str(spec)]) == 0
    capsys.readouterr()
    return out


def _killed_and_resumed(tmp: Path, kills: list[str], fields: dict, between=None) -> Path:
    """Runs the job, SIGKILLed at each of `kills` in turn, resuming each time from the last checkpoint."""
    out = tmp / "killed"
    resume_from = None
    for i, kill_at in enumerate([*kills, None]):
        extra = {"resumeFrom": str(resume_from)} if resume_from else {}
        spec = write_spec(tmp / f"attempt-{i}.json", outputDir=str(out), **fields, **extra)
        code, events = _engine(spec, kill_at)
        if kill_at:
            assert code == -signal.SIGKILL, f"expected the engine to die at {kill_at}, exit {code}"
            stage, step = kill_at.split(":")
            done = [e["step"] for e in events if e["type"] == "progress" and e["stage"] == stage]
            assert not done or max(done) < int(step), "the kill came before the step finished"
            resume_from = _last_checkpoint(out)
            if between:
                between(i)
        else:
            assert code == 0 and events[-1]["type"] == "completed"
            if resume_from:
                started = [e for e in events if e["type"] == "stage.started" and e.get("startStep")]
                assert started, "the last attempt resumed"
    return out


COMMON = dict(seed=7, samples={"steps": 1, "every": 1000})


def test_two_stage_resumes_bit_exactly_after_sigkill_in_each_stage(tmp_path, subject_images, capsys):
    fields = dict(
        method="TWO_STAGE",
        images=subject_images,
        stage1={"steps": 5, "learningRate": 5e-2, "checkpointEvery": 2},
        stage2={"steps": 5, "learningRate": 1e-3, "checkpointEvery": 2},
        **COMMON,
    )
    kills = [f"stage1:{RNG.randint(3, 5)}", f"stage2:{RNG.randint(3, 5)}"]
    ref = _reference(tmp_path, capsys, **fields)
    out = _killed_and_resumed(tmp_path, kills, fields)
    assert _final(out, "stage2-step-000005") == _final(ref, "stage2-step-000005"), kills
    assert _final(out, "stage1-step-000005") == _final(ref, "stage1-step-000005"), kills


def test_textual_inversion_resumes_bit_exactly_after_sigkill(tmp_path, subject_images, capsys):
    fields = dict(method="TEXTUAL_INVERSION", images=subject_images, batchSize=2, stage1={"steps": 6, "learningRate": 5e-2, "checkpointEvery": 2}, **COMMON)
    kills = [f"stage1:{RNG.randint(3, 6)}"]
    ref = _reference(tmp_path, capsys, **fields)
    out = _killed_and_resumed(tmp_path, kills, fields)
    assert _final(out, "stage1-step-000006") == _final(ref, "stage1-step-000006"), kills


def test_dreambooth_resumes_bit_exactly_and_its_class_images_come_from_the_base_model(tmp_path, subject_images, capsys):
    """Killed while drawing class images, then mid stage 2; before the last resume the class-image
    folder is emptied (a fresh machine): the resumed run redraws them, from the base model, byte for
    byte the images a fresh run draws — not from the fine-tuned UNet it then loads."""
    classes = tmp_path / "class-images"
    fields = dict(
        method="DREAMBOOTH",
        images=subject_images,
        stage2={"steps": 5, "learningRate": 1e-3, "checkpointEvery": 2},
        dreambooth={"classImages": 2, "classImageSteps": 2, "classImagesDir": str(classes)},
        **COMMON,
    )
    ref_fields = {**fields, "dreambooth": {**fields["dreambooth"], "classImagesDir": str(tmp_path / "reference-class-images")}}
    ref = _reference(tmp_path, capsys, **ref_fields)
    kills = ["class_images:2", f"stage2:{RNG.randint(3, 5)}"]

    def empty_the_cache(i: int) -> None:
        if i == 1:
            shutil.rmtree(classes)

    out = _killed_and_resumed(tmp_path, kills, fields, between=empty_the_cache)
    fresh = sorted((tmp_path / "reference-class-images").glob("*.png"))
    redrawn = sorted(classes.glob("*.png"))
    assert [p.name for p in redrawn] == [p.name for p in fresh] == ["class-00000.png", "class-00001.png"]
    assert [p.read_bytes() for p in redrawn] == [p.read_bytes() for p in fresh]
    assert _final(out, "stage2-step-000005") == _final(ref, "stage2-step-000005"), kills
