"""A size budget for on-disk caches shared by engine processes (docs/caches.md).

Entries are folders at a fixed depth under a cache root. Using an entry pins it: a shared `flock`
on its lock file in `<root>/.locks/` (never deleted, so every process locks the same inode), held
while the entry is read or written. Eviction removes least recently used entries (folder mtime,
refreshed on use) until the cache fits its budget, and skips any entry it cannot lock exclusively
at once: an entry in use by any process on the machine is never evicted. A process that dies
drops its locks with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from .errors import BadSpecError

CLASS_IMAGE_BUDGET_ENV = "STUDIO_CLASS_IMAGE_CACHE_MAX_BYTES"
DEFAULT_CLASS_IMAGE_BUDGET = 5 << 30


def budget_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < (1 << 20):
        raise BadSpecError("BAD_ENVIRONMENT", f"{name} must be a whole number of bytes, at least 1048576 (got {raw!r})", name)
    return int(raw)


def _lock_path(root: Path, entry: Path) -> Path:
    rel = entry.relative_to(root).as_posix()
    return root / ".locks" / (hashlib.sha256(rel.encode()).hexdigest()[:32] + ".lock")


@contextlib.contextmanager
def pinned(root: Path, entry: Path) -> Iterator[Path]:
    """Holds a shared lock on `entry` (creating the folder) and marks it used now."""
    lock = _lock_path(root, entry)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        entry.mkdir(parents=True, exist_ok=True)
        os.utime(entry)
        yield entry
    finally:
        os.close(fd)  # drops the lock


def _entries(root: Path, depth: int) -> list[Path]:
    level = [root]
    for _ in range(depth):
        level = [c for d in level for c in d.iterdir() if c.is_dir() and not c.name.startswith(".")] if level else []
    return level


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def evict_to_budget(root: Path, depth: int, budget: int) -> list[Path]:
    """Removes least recently used, unlocked entries until the cache holds at most `budget` bytes;
    returns what it removed. Entries in use stay even when that leaves the cache over budget."""
    if not root.is_dir():
        return []
    sized = [(e, e.stat().st_mtime, _bytes(e)) for e in _entries(root, depth)]
    total = sum(b for _, _, b in sized)
    removed: list[Path] = []
    for entry, _, size in sorted(sized, key=lambda x: x[1]):
        if total <= budget:
            break
        lock = _lock_path(root, entry)
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # in use
            # rename first: a crash mid-delete leaves a hidden folder, never a half entry under its name
            doomed = entry.with_name(f".evict-{uuid.uuid4().hex[:8]}-{entry.name}")
            entry.rename(doomed)
            shutil.rmtree(doomed, ignore_errors=True)
            total -= size
            removed.append(entry)
        finally:
            os.close(fd)
    for leftover in root.rglob(".evict-*"):  # of a process that died mid-delete
        shutil.rmtree(leftover, ignore_errors=True)
    return removed
