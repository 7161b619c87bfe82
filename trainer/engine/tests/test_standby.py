"""The warm engine (`standby`, PROTOCOL.md): imported and preloaded before its job, then one job on stdin
that trains exactly as `train --spec` does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from conftest import ENGINE_DIR, run_engine, validate_event, write_spec

from studio_engine.checkpoints import read_checkpoint


class Standby:
    """A `standby` engine process read event by event (with the time each event was read)."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ENGINE_DIR / "src")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "studio_engine", "standby", *args],
            cwd=ENGINE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: list[dict] = []
        self.read_at: list[float] = []

    def next_event(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, f"the engine ended early: {self.proc.wait(timeout=60)}\n{self.proc.stderr.read()[-3000:]}"
        e = json.loads(line)
        validate_event(e)
        self.events.append(e)
        self.read_at.append(time.monotonic())
        return e

    def until(self, kind: str) -> dict:
        while True:
            e = self.next_event()
            if e["type"] == kind:
                return e

    def send(self, text: str) -> float:
        self.proc.stdin.write(text)
        self.proc.stdin.flush()
        return time.monotonic()

    def finish(self, timeout: float = 300) -> int:
        for line in self.proc.stdout:
            e = json.loads(line)
            validate_event(e)
            self.events.append(e)
        code = self.proc.wait(timeout=timeout)
        assert [e["seq"] for e in self.events] == list(range(1, len(self.events) + 1))
        return code


def spec_for(tmp_path, subject_images, name: str):
    return write_spec(
        tmp_path / f"{name}.json",
        method="TWO_STAGE",
        images=subject_images[:2],
        stage1={"steps": 2},
        stage2={"steps": 3, "checkpointEvery": 3},
        samples={"prompts": ["a photo of <rare> backpack"], "seeds": [1], "every": 100, "steps": 1},
        outputDir=str(tmp_path / f"{name}-out"),
    )


def test_a_warm_engine_trains_exactly_as_a_cold_one_and_starts_at_once(tmp_path, subject_images):
    cold_spec = spec_for(tmp_path, subject_images, "cold")
    code, cold, err = run_engine(["train", "--spec", str(cold_spec)])
    assert code == 0, err

    warm = Standby("--preload", "tiny-random")
    assert warm.next_event()["type"] == "ready"
    standby = warm.until("standby")
    assert standby["loaded"] is True and standby["modelId"] == "tiny-random"
    sent = warm.send(json.dumps({"command": "train", "spec": str(spec_for(tmp_path, subject_images, "warm"))}) + "\n")
    first = warm.until("progress")
    assert warm.finish() == 0
    events = warm.events
    types = [e["type"] for e in events]
    assert types[:2] == ["ready", "standby"] and types[-1] == "completed" and types.count("ready") == 1
    ended = next(e for e in events if e["type"] == "phase" and e["state"] == "ended")
    assert ended["warm"] is True
    cold_ended = next(e for e in cold if e["type"] == "phase" and e["state"] == "ended")
    assert cold_ended["warm"] is False
    # the same training, bit for bit: same losses, same checkpoint contents
    losses = lambda evs: [(e["stage"], e["step"], e["loss"]) for e in evs if e["type"] == "progress"]  # noqa: E731
    assert losses(events) == losses(cold) and len(losses(cold)) == 5
    hashes = lambda evs: [read_checkpoint(e["path"])["contentHash"] for e in evs if e["type"] == "checkpoint.saved"]  # noqa: E731
    assert hashes(events) == hashes(cold) and len(hashes(cold)) == 2
    to_first_loss = warm.read_at[warm.events.index(first)] - sent
    print(json.dumps({"warmJobToFirstLossSeconds": round(to_first_loss, 3), "coldLoadMs": cold_ended["durationMs"], "warmLoadMs": ended["durationMs"]}))
    assert ended["durationMs"] < cold_ended["durationMs"] + 1000  # nothing loaded again (timing itself is the benchmark's)


def test_a_standby_engine_is_dismissed_by_eof_or_sigterm_before_a_job(tmp_path):
    eof = Standby()
    eof.until("standby")
    eof.proc.stdin.close()
    assert eof.finish(timeout=30) == 0
    assert [e["type"] for e in eof.events] == ["ready", "standby"] and eof.events[1]["loaded"] is False

    term = Standby()
    term.until("standby")
    term.proc.send_signal(signal.SIGTERM)
    assert term.proc.wait(timeout=30) == 0


def test_a_failed_preload_is_reported_and_the_job_loads_its_model_itself(tmp_path, subject_images):
    warm = Standby("--preload", "no-such-model")
    standby = warm.until("standby")
    assert standby["loaded"] is False and "no-such-model" in standby["reason"]
    warm.send(json.dumps({"command": "train", "spec": str(spec_for(tmp_path, subject_images, "other"))}) + "\n")
    assert warm.finish() == 0
    ended = next(e for e in warm.events if e["type"] == "phase" and e["state"] == "ended")
    assert ended["warm"] is False and warm.events[-1]["type"] == "completed"


def test_a_bad_job_line_is_an_error_event_and_exit_2(tmp_path):
    warm = Standby()
    warm.until("standby")
    warm.send('{"command": "generate"}\n')
    assert warm.finish(timeout=30) == 2
    assert warm.events[-1]["type"] == "error" and warm.events[-1]["code"] == "BAD_ARGUMENTS"
