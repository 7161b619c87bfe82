"""Shared fixtures: the tiny-random model (built once per session into a temporary cache), DreamBooth
photos of one subject (examples/backpack) at the tiny model's resolution, and helpers to run the engine as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ENGINE_DIR = Path(__file__).resolve().parents[1]
PROTOCOL_DIR = ENGINE_DIR.parent / "protocol"
EVENT_SCHEMA = json.loads((PROTOCOL_DIR / "events.schema.json").read_text())
EVENT_VALIDATOR = jsonschema.Draft202012Validator(EVENT_SCHEMA, format_checker=jsonschema.FormatChecker())
EXAMPLES = ENGINE_DIR.parents[1] / "examples" / "backpack"  # 5 DreamBooth photos shipped with the repository


@pytest.fixture(scope="session", autouse=True)
def engine_cache(tmp_path_factory) -> Path:
    """A private cache folder, so tests never touch (or depend on) the user's models."""
    cache = Path(os.environ.get("STUDIO_TEST_CACHE_DIR") or tmp_path_factory.mktemp("cache"))
    os.environ["STUDIO_CACHE_DIR"] = str(cache)
    return cache


@pytest.fixture(scope="session")
def subject_images() -> list[str]:
    paths = sorted(str(p) for p in EXAMPLES.glob("*.jpg"))[:4]
    assert len(paths) == 4, f"example photos not found at {EXAMPLES}"
    return paths


def validate_event(event: dict) -> None:
    EVENT_VALIDATOR.validate(event)


def run_engine(args: list[str], timeout: float = 600, **kw) -> tuple[int, list[dict], str]:
    """Runs `python -m studio_engine ARGS`; returns (exit code, validated events, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ENGINE_DIR / "src")}
    proc = subprocess.run([sys.executable, "-m", "studio_engine", *args], cwd=ENGINE_DIR, env=env, capture_output=True, text=True, timeout=timeout, **kw)
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    for e in events:
        validate_event(e)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), "seq must be 1, 2, 3, ... without gaps"
    return proc.returncode, events, proc.stderr


def write_spec(path: Path, **fields) -> Path:
    path.write_text(json.dumps({"v": 1, "jobId": "test", "baseModel": "tiny-random", "classNoun": "backpack", **fields}))
    return path
