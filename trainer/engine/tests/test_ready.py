import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from studio_engine.events import EventWriter

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT.parent / "protocol" / "events.schema.json").read_text())


def test_event_writer_numbers_events_and_writes_one_line_each():
    buf = io.StringIO()
    w = EventWriter(buf)
    w.emit("heartbeat")
    w.emit("heartbeat")
    lines = buf.getvalue().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2]
    for line in lines:
        jsonschema.validate(json.loads(line), SCHEMA)


def test_ready_command_prints_a_valid_ready_event_on_stdout_only():
    proc = subprocess.run(
        [sys.executable, "-m", "studio_engine", "ready"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    jsonschema.validate(event, SCHEMA)
    assert event["type"] == "ready"
    assert event["device"]["type"] in ("cpu", "cuda")
    assert event["torch"].startswith("2.")


def _ready(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "studio_engine", "ready"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", **extra_env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ready_applies_and_reports_the_thread_budget():
    # 1 and 3: at least one differs from torch's default on any machine, so the budget is what applied
    for n in (1, 3):
        proc = _ready({"STUDIO_ENGINE_THREADS": str(n)})
        assert proc.returncode == 0, proc.stderr
        event = json.loads(proc.stdout)
        jsonschema.validate(event, SCHEMA)
        assert event["threads"] == {"intraOp": n, "interOp": n}


def test_a_bad_thread_budget_is_refused_with_a_code():
    for raw in ("0", "1025", "²"):
        proc = _ready({"STUDIO_ENGINE_THREADS": raw})
        assert proc.returncode == 2, (raw, proc.stderr)
        event = json.loads(proc.stdout.splitlines()[-1])
        jsonschema.validate(event, SCHEMA)
        assert (event["type"], event["code"], event["field"]) == ("error", "BAD_ARGUMENTS", "STUDIO_ENGINE_THREADS")


def test_version_flag():
    proc = subprocess.run(
        [sys.executable, "-m", "studio_engine", "--version"],
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    assert proc.stdout.strip().startswith("studio_engine ")


def test_the_ready_command_reports_versions_without_importing_the_heavy_libraries():
    # a trainer runs `ready` once at start-up: torch is imported (threads, device), diffusers and transformers
    # (~3 s of CPU) only by jobs, whose own ready event follows the real imports
    code = (
        "import json, sys\n"
        "from importlib import metadata\n"
        "from studio_engine.environment import describe\n"
        "d = describe(import_libraries=False)\n"
        "print(json.dumps({'imported': [m for m in ('diffusers', 'transformers') if m in sys.modules],"
        " 'same': all(d[n] == metadata.version(n) for n in ('diffusers', 'transformers', 'safetensors'))}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == {"imported": [], "same": True}
