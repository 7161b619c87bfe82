"""The background checkpoint writer (checkpoint_writer.py, issue 16 point 1): training goes on while a
checkpoint is written; events and folders keep the training order; a run ends only once its last
checkpoint is durable; a SIGKILL during a background write leaves the previous checkpoints complete
and no half one; a checkpoint verified once on this machine is not hashed again until it changes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
from conftest import ENGINE_DIR, validate_event, write_spec
from diffusers import DDPMScheduler
from helpers import events_of, make_context

from studio_engine import checkpoint_writer, checkpoints, verified
from studio_engine import training_state as ts
from studio_engine.checkpoints import META_FILE, UNET_FILE, read_checkpoint, save_checkpoint
from studio_engine.stage2_finetune import run_stage2


def _engine(spec: Path, env_extra: dict[str, str]) -> tuple[int, list[dict], str]:
    env = {**os.environ, "PYTHONPATH": str(ENGINE_DIR / "src"), **env_extra}
    proc = subprocess.run([sys.executable, "-m", "studio_engine", "train", "--spec", str(spec)], cwd=ENGINE_DIR, env=env, capture_output=True, text=True, timeout=600)
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    for e in events:
        validate_event(e)
    return proc.returncode, events, proc.stderr


def _complete(folder: Path) -> bool:
    meta = read_checkpoint(folder)  # every public file's size and sha256
    if ts.exists(folder):
        ts.read(folder, stage=meta["stage"], step=meta["step"], checkpoint_hash=meta["contentHash"])
    return True


def test_training_continues_while_a_checkpoint_is_written_and_order_is_kept(tmp_path, subject_images, monkeypatch):
    ctx, buf = make_context(tmp_path, subject_images, stage2={"steps": 6, "learningRate": 1e-3, "checkpointEvery": 2}, samples={"steps": 2, "every": 100})
    step3_began = threading.Event()
    original_fault_point = ctx.fault_point

    def fault_point(stage: str, step: int) -> None:
        if (stage, step) == ("stage2", 3):
            step3_began.set()
        original_fault_point(stage, step)

    ctx.fault_point = fault_point  # type: ignore[method-assign]
    real_write = checkpoint_writer.write_checkpoint
    overlapped: list[bool] = []

    def slow_write(root, snap):
        if snap.step == 2:  # held until training has moved on to step 3: impossible if the save blocked the loop
            overlapped.append(step3_began.wait(timeout=120))
        return real_write(root, snap)

    monkeypatch.setattr(checkpoint_writer, "write_checkpoint", slow_write)
    ns = DDPMScheduler.from_config(ctx.components.scheduler_config)
    run_stage2(ctx, ctx.spec.stage2, ns)
    assert overlapped == [True], "step 3 ran while checkpoint 2 was being written"
    # run_stage2 returned: every checkpoint is on disk, in training order
    assert [c.path.name for c in ctx.checkpoints] == ["stage2-step-000002", "stage2-step-000004", "stage2-step-000006"]
    saved = [e for e in events_of(buf) if e["type"] == "checkpoint.saved"]
    assert [e["step"] for e in saved] == [2, 4, 6] and [e["seq"] for e in saved] == sorted(e["seq"] for e in saved)
    assert all(e["stallSeconds"] >= 0 for e in saved) and len(ctx.stalls) == 3
    pool = ctx.writer().pool
    assert pool.reused >= 2 * len(ctx.components.unet.state_dict()), "snapshots copy into the buffers prepared and given back"
    for e in saved:
        validate_event(e)
        assert _complete(Path(e["path"]))
    # the weights in the last checkpoint are the trained model's
    last = checkpoints.load_unet_state(ctx.checkpoints[-1].path)
    assert all(torch.equal(last[k], v) for k, v in ctx.components.unet.state_dict().items())
    root = ctx.output_dir / "checkpoints"
    assert sorted(p.name for p in root.iterdir()) == ["stage2-step-000002", "stage2-step-000004", "stage2-step-000006"]


def test_a_failed_background_write_fails_the_stage(tmp_path, subject_images, monkeypatch):
    ctx, _ = make_context(tmp_path, subject_images, stage2={"steps": 2, "learningRate": 1e-3, "checkpointEvery": 1}, samples={"steps": 2, "every": 100})

    def broken(root, snap):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint_writer, "write_checkpoint", broken)
    ns = DDPMScheduler.from_config(ctx.components.scheduler_config)
    with pytest.raises(OSError, match="No space"):
        run_stage2(ctx, ctx.spec.stage2, ns)
    assert ctx.checkpoints == []


def test_max_in_flight_is_checked():
    os.environ[checkpoint_writer.ENV] = "9"
    try:
        with pytest.raises(ValueError, match="from 1 to 4"):
            checkpoint_writer.max_in_flight_from_env()
    finally:
        del os.environ[checkpoint_writer.ENV]
    assert checkpoint_writer.max_in_flight_from_env() == 1


def test_sigkill_during_a_background_write_leaves_no_half_checkpoint_and_the_run_resumes(tmp_path, subject_images):
    out = tmp_path / "out"
    fields = dict(
        method="TWO_STAGE", images=subject_images[:2], stage1={"steps": 2}, stage2={"steps": 4, "checkpointEvery": 2}, samples={"steps": 1, "every": 100}, outputDir=str(out)
    )
    spec = write_spec(tmp_path / "spec.json", **fields)
    # SIGKILL halfway through writing the UNet of stage2-step-000002, in the writer thread
    code, events, err = _engine(spec, {checkpoints.KILL_ENV: "stage2:2"})
    assert code == -signal.SIGKILL, err
    assert [(e["stage"], e["step"]) for e in events if e["type"] == "checkpoint.saved"] == [("stage1", 2)]
    root = out / "checkpoints"
    visible = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
    assert visible == ["stage1-step-000002"], "only the previous, complete checkpoint is visible"
    assert _complete(root / "stage1-step-000002")
    half = [p for p in root.iterdir() if p.name.startswith(".tmp-stage2-step-000002-")]
    assert len(half) == 1 and (half[0] / UNET_FILE).exists() and not (half[0] / META_FILE).exists(), "the kill came mid-write"

    resumed = write_spec(tmp_path / "resume.json", **fields, resumeFrom=str(root / "stage1-step-000002"))
    code, events, err = _engine(resumed, {})
    assert code == 0, err
    types = [e["type"] for e in events]
    saved = [i for i, t in enumerate(types) if t == "checkpoint.saved"]
    assert [(events[i]["stage"], events[i]["step"]) for i in saved] == [("stage2", 2), ("stage2", 4)]
    assert types[-1] == "completed" and saved[-1] < len(types) - 1, "completed comes after the last checkpoint is durable"
    assert sorted(p.name for p in root.iterdir()) == ["stage1-step-000002", "stage2-step-000002", "stage2-step-000004"], "the dead writer's temporary folder is gone"
    assert all(_complete(root / n) for n in ("stage2-step-000002", "stage2-step-000004"))


def test_a_checkpoint_verified_once_is_not_hashed_again_until_it_changes(tmp_path, monkeypatch):
    torch.manual_seed(0)
    unet = {"a": torch.randn(64, 64), "b": torch.randn(64)}
    saved = save_checkpoint(tmp_path / "ck", stage="stage2", step=1, meta={"x": 1}, embedding=None, unet_state=unet)
    hashed: list[str] = []
    real = verified.sha256_file
    monkeypatch.setattr(verified, "sha256_file", lambda p: hashed.append(Path(p).name) or real(p))
    read_checkpoint(saved.path)
    assert hashed == [], "the writer hashed the bytes as it wrote them and recorded them as verified"
    # a copy (another path) is hashed once, then trusted while unchanged
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(saved.path, copy)
    read_checkpoint(copy)
    read_checkpoint(copy)
    assert hashed == [UNET_FILE]
    # a changed file (same size) is hashed again and refused
    with open(copy / UNET_FILE, "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\1\2\3\4")
    with pytest.raises(ValueError, match="sha256"):
        read_checkpoint(copy)
    assert hashed == [UNET_FILE, UNET_FILE]
    with pytest.raises(ValueError, match="sha256"):
        read_checkpoint(copy)  # a mismatch is never recorded
    assert hashed == [UNET_FILE, UNET_FILE, UNET_FILE]
