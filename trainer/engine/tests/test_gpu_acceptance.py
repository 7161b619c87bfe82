"""The GPU acceptance script (bench/gpu_acceptance.py) on CPU: its measuring pieces, and a short end-to-end run on
tiny-random (build + a real engine job, timed from inside). The figures themselves are taken on a GPU machine."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ENGINE_DIR = Path(__file__).resolve().parents[1]
SCRIPT = ENGINE_DIR / "bench" / "gpu_acceptance.py"

_spec = importlib.util.spec_from_file_location("gpu_acceptance", SCRIPT)
ga = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(ga)


def test_steady_rate_excludes_the_warmup_steps_only():
    s = ga.interval_stats([5.0, 0.5, 0.1, 0.1, 0.2, 0.1], warmup=2)
    assert s["stepsTimed"] == 4 and s["warmupSteps"] == 2
    assert s["warmupSeconds"] == 5.5 and s["firstStepSeconds"] == 5.0
    assert s["stepsPerSecond"] == round(4 / 0.5, 3)
    assert s["maxMsPerStep"] == 200.0
    assert ga.interval_stats([], 5) == {"stepsTimed": 0}


def test_tqdm_updates_of_train_dreambooth_are_parsed_and_timed_on_arrival():
    line = "Steps:  50%|█████     | 40/80 [00:05<00:05,  7.80it/s, loss=0.123, lr=5e-6]"
    assert ga.parse_tqdm(line) == (40, 80, "00:05<00:05,  7.80it/s, loss=0.123, lr=5e-6")
    assert ga.parse_tqdm("Loading pipeline components...: 100%|██████████| 5/5 [00:00<00:00, 12.85it/s]") is None
    updates = [(100.0, 0), (103.0, 1), (104.0, 10), (106.0, 30), (109.0, 60)]
    r = ga.tqdm_rate(updates, skip_steps=10)
    assert r["fromStep"] == 10 and r["toStep"] == 60
    assert r["stepsPerSecond"] == round(50 / 5, 3)
    assert ga.tqdm_rate([(1.0, 5)], 1) == {}


def test_flush_rate_combines_the_engines_loss_flushes_without_the_first_and_the_last():
    def prog(step, sps, stage="stage2"):
        return (0.0, {"type": "progress", "stage": stage, "step": step, "stepsPerSecond": sps})

    ev = [
        prog(1, 2.0),
        prog(2, 2.0),  # warm-up + capture: dropped
        prog(3, 30.0),
        prog(4, 30.0),
        prog(5, 30.0),  # 3 steps in 0.1 s
        (0.0, {"type": "heartbeat"}),
        prog(6, 20.0),  # 1 step in 0.05 s
        prog(7, 5.0),
        prog(1, 9.0, "stage1"),
    ]  # the last flush (cut short by the end): dropped; another stage: ignored
    r = ga.flush_rate(ev, "stage2")
    assert r["flushes"] == 4 and r["flushesUsed"] == 2 and r["stepsTimed"] == 4 and (r["fromStep"], r["toStep"]) == (3, 6)
    assert r["stepsPerSecond"] == round(4 / 0.15, 3) and r["msPerStep"] == round(1000 * 0.15 / 4, 2)
    assert ga.flush_rate(ev[:2], "stage2") == {"flushes": 1, "stepsTimed": 0}


def test_goals_pass_or_fail_only_where_they_apply():
    summary = {
        "stage2StepsPerSecond": 41.0,
        "stage1StepsPerSecond": 30.0,
        "recipeTrainingSeconds": 19.0,
        "peakVramGiB": 18.5,
        "speedupVsDiffusers": 3.2,
        "stage1StepsPerSecondCompiled": 70.0,
    }
    goals = {g["metric"]: g for g in ga.evaluate_goals(summary, applicable=True)}
    assert goals["stage2StepsPerSecond"]["pass"] is True
    assert goals["stage1StepsPerSecond"]["pass"] is False and goals["stage1StepsPerSecond"]["passWithCompile"] is True
    assert goals["recipeTrainingSeconds"]["pass"] is True
    assert goals["peakVramGiB"]["pass"] is False
    assert goals["speedupVsDiffusers"]["pass"] is True
    on_cpu = ga.evaluate_goals(summary, applicable=False)
    assert all(g["pass"] is None and g["value"] is not None for g in on_cpu)


def test_event_breakdown_splits_training_samples_and_checkpoints():
    ev = [
        (1.0, {"type": "ready"}),
        (3.0, {"type": "stage.started", "stage": "stage1"}),
        (4.0, {"type": "progress", "stage": "stage1", "stepsPerSecond": 10.0}),
        (4.5, {"type": "heartbeat"}),
        (5.0, {"type": "sample.saved"}),
        (5.25, {"type": "checkpoint.saved", "stage": "stage1", "step": 1, "bytes": 10}),
        (5.25, {"type": "stage.started", "stage": "stage2"}),
        (7.0, {"type": "progress", "stage": "stage2", "stepsPerSecond": 5.0}),
        (8.0, {"type": "sample.saved"}),
        (9.0, {"type": "checkpoint.saved", "stage": "stage2", "step": 2, "bytes": 20}),
        (9.0, {"type": "completed"}),
    ]
    b = ga.Acceptance.event_breakdown(0.0, ev, {"seconds": 10.0})
    assert b["processStartToReadySeconds"] == 1.0 and b["readyToStage1Seconds"] == 2.0
    assert b["stage1Seconds"] == 2.25 and b["stage2Seconds"] == 3.75 and b["trainingSeconds"] == 6.0
    assert b["samples"] == {"count": 2, "seconds": 2.0}  # the heartbeat between does not shorten the first
    assert [c["seconds"] for c in b["checkpoints"]] == [0.25, 1.0]
    assert b["trainingStepsSeconds"] == 6.0 - 2.0 - 1.25
    assert b["engineReportedStepsPerSecondMedian"] == {"stage1": 10.0, "stage2": 5.0}


def test_a_short_run_on_tiny_random_times_a_real_engine_job(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ENGINE_DIR / "src"), "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--model",
            "tiny-random",
            "--out",
            str(out),
            "--work",
            str(tmp_path / "work"),
            "--sections",
            "build,recipe",
            "--recipe-stage1",
            "3",
            "--recipe-stage2",
            "4",
            "--warmup",
            "1",
            "--photos",
            "2",
            "--spec-extra",
            json.dumps({"samples": {"steps": 1}}),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=ENGINE_DIR,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "gpu_acceptance.json").read_text())
    printed = [line for line in proc.stdout.splitlines() if line.startswith("GPU_ACCEPTANCE_SUMMARY ")]
    assert len(printed) == 1 and json.loads(printed[0].split(" ", 1)[1])["sections"]["recipe"] == "ok"
    sections = report["sections"]
    assert sections["build"]["status"] == "ok", sections["build"]
    assert sections["build"]["parameters"]["unet"] > 0
    recipe = sections["recipe"]
    assert recipe["status"] == "ok", recipe
    stages = recipe["instrument"]["stages"]
    assert stages["stage1"]["trainingForwards"] == 3 and stages["stage2"]["trainingForwards"] == 4
    assert stages["stage2"]["stepsTimed"] == 2  # 4 forwards: 3 intervals, 1 of them warm-up
    assert recipe["instrument"]["sampleForwards"] > 0  # samples ran, and were not counted as steps
    assert [c["step"] for c in recipe["events"]["checkpoints"]] == [3, 4]
    assert recipe["events"]["trainingSeconds"] > 0
    # the recipe is the eager reference, and says which engine speed options it ran with
    assert recipe["speed"]["stage2"]["compile"] is False and recipe["speed"]["stage1"]["compile"] is False
    assert recipe["spec"]["speed"] == {"compile": False}
    summary = report["summary"]
    assert summary["speedOptions"]["eager"] == recipe["speed"]["stage2"]
    assert summary["stage2CompiledSpeedup"] is None  # no compiled section ran
    assert summary["stage2StepsPerSecond"] == stages["stage2"]["stepsPerSecond"] > 0
    assert summary["recipeTrainingSeconds"] == recipe["events"]["trainingSeconds"]
    assert {s: sections[s]["status"] for s in ("graph2", "generation", "diffusers", "compiled2", "compiled1")} == dict.fromkeys(
        ("graph2", "generation", "diffusers", "compiled2", "compiled1"), "skipped"
    )
    assert all(g["pass"] is None for g in report["goals"])  # CPU: the goals are shown, not judged
    assert (out / "gpu_acceptance.log").stat().st_size > 0
    assert not (tmp_path / "work").exists()  # the scratch folder is removed
