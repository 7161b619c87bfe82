"""Bounded on-disk caches (cache_budget.py): eviction to the budget, least recently used first, and
never an entry another process (or this one) has pinned; the DreamBooth class-image cache uses it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio_engine.cache_budget import budget_from_env, evict_to_budget, pinned
from studio_engine.errors import BadSpecError

ENGINE_SRC = Path(__file__).resolve().parents[1] / "src"
MiB = 1 << 20


def make_entry(root: Path, rel: str, size: int, age_s: float) -> Path:
    entry = root / rel
    entry.mkdir(parents=True)
    (entry / "data.bin").write_bytes(b"\x01" * size)
    t = time.time() - age_s
    os.utime(entry, (t, t))
    return entry


def hold_pin_in_other_process(root: Path, entry: Path) -> subprocess.Popen:
    code = (
        "import sys, pathlib\n"
        "from studio_engine.cache_budget import pinned\n"
        "with pinned(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])):\n"
        "    print('pinned', flush=True); sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(root), str(entry)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ENGINE_SRC)},
    )
    assert proc.stdout.readline().strip() == "pinned"
    return proc


def test_evicts_least_recently_used_down_to_the_budget(tmp_path):
    root = tmp_path / "cache"
    old = make_entry(root, "m1/old", 1000, 300)
    mid = make_entry(root, "m1/mid", 1000, 200)
    new = make_entry(root, "m2/new", 1000, 100)
    removed = evict_to_budget(root, 2, 2000)
    assert removed == [old]
    assert not old.exists() and mid.exists() and new.exists()
    # using `mid` makes `new` the least recently used
    with pinned(root, mid):
        pass
    assert evict_to_budget(root, 2, 1000) == [new]
    assert mid.exists()


def test_keeps_an_entry_in_use_by_another_process_or_this_one(tmp_path):
    root = tmp_path / "cache"
    theirs = make_entry(root, "m/theirs", 1000, 300)
    ours = make_entry(root, "m/ours", 1000, 200)
    free = make_entry(root, "m/free", 1000, 100)
    proc = hold_pin_in_other_process(root, theirs)
    try:
        with pinned(root, ours):
            assert evict_to_budget(root, 2, 0) == [free]
            assert theirs.exists() and ours.exists()
            assert (theirs / "data.bin").stat().st_size == 1000
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    # once their process is gone its lock is gone with it
    assert sorted(p.name for p in evict_to_budget(root, 2, 0)) == ["ours", "theirs"]
    assert [p for p in root.rglob("*") if p.is_dir() and p.parent.name == "m"] == []


def test_budget_variable_is_validated(monkeypatch):
    monkeypatch.setenv("STUDIO_X_BYTES", "12")
    with pytest.raises(BadSpecError) as err:
        budget_from_env("STUDIO_X_BYTES", 5)
    assert err.value.code == "BAD_ENVIRONMENT" and err.value.field == "STUDIO_X_BYTES"
    monkeypatch.setenv("STUDIO_X_BYTES", str(3 * MiB))
    assert budget_from_env("STUDIO_X_BYTES", 5) == 3 * MiB
    monkeypatch.delenv("STUDIO_X_BYTES")
    assert budget_from_env("STUDIO_X_BYTES", 5) == 5


def test_class_image_cache_evicts_old_sets_and_keeps_the_runs_own(tmp_path, subject_images, monkeypatch, engine_cache):
    from helpers import make_context

    from studio_engine.dreambooth import class_image_latents, class_images_dir, class_images_root

    monkeypatch.setenv("STUDIO_CLASS_IMAGE_CACHE_MAX_BYTES", str(MiB))
    stale = make_entry(class_images_root(), "oldmodel-wdeadbeef/dog-64px-2steps", 2 * MiB, 3600)
    ctx, _ = make_context(tmp_path, subject_images, method="DREAMBOOTH", dreambooth={"classImages": 2, "classImageSteps": 2})
    latents = class_image_latents(ctx)
    assert latents.count == 2
    own = class_images_dir(ctx)
    assert sorted(p.name for p in own.glob("*.png")) == ["class-00000.png", "class-00001.png"]
    assert not stale.exists(), "the old set over the budget is evicted"
