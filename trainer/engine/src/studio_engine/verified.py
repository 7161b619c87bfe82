"""Verified once per machine: a file whose size and sha256 were checked here is not re-hashed on the
next load while it is unchanged.

Hashing a 3.46 GB UNet costs ~3 s on every checkpoint switch (`serve`, `generate`) and on resume. So
after a file's bytes were hashed on this machine — by `check_file` while loading, or by the
checkpoint writer from the bytes as it wrote them — a small marker is kept in the engine's cache
(`$STUDIO_CACHE_DIR/verified/<sha256 of the real path>.json`) recording the path, size, inode,
`mtime_ns`, `ctime_ns` and the sha256. A later check of the same path with the same expected sha256
skips the hash when all of those still match; any write to the file changes its mtime/ctime (ctime
cannot be set back by a user), so a changed file is hashed again. A marker never vouches for a file
on another machine: it lives in this machine's cache, keyed by path.

The same store caches other digests of a file by kind (`cached_digest`): the base UNet's fingerprint
(checkpoint_codec.py) is computed once per base model file, not on every encoded save or load.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from .models import cache_dir

MAX_MARKERS = 4096  # past this, markers of files that no longer exist are pruned


def _store() -> Path:
    return cache_dir() / "verified"


def _identity(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "ino": st.st_ino, "mtimeNs": st.st_mtime_ns, "ctimeNs": st.st_ctime_ns}


def _marker_path(path: Path, kind: str) -> Path:
    key = hashlib.sha256(f"{kind}\0{os.path.realpath(path)}".encode()).hexdigest()[:40]
    return _store() / f"{key}.json"


def _read_marker(path: Path, kind: str) -> dict | None:
    try:
        doc = json.loads(_marker_path(path, kind).read_text())
    except (OSError, ValueError):
        return None
    if doc.get("path") != os.path.realpath(path) or doc.get("kind") != kind:
        return None
    try:
        if doc.get("identity") != _identity(path):
            return None
    except OSError:
        return None
    return doc


def _write_marker(path: Path, kind: str, value: str, identity: dict[str, int]) -> None:
    store = _store()
    try:
        store.mkdir(parents=True, exist_ok=True)
        target = _marker_path(path, kind)
        tmp = target.with_name(f".{target.name}.{os.getpid()}")
        tmp.write_text(json.dumps({"path": os.path.realpath(path), "kind": kind, "identity": identity, "value": value}))
        os.replace(tmp, target)
        _prune(store)
    except OSError:
        pass  # a read-only cache only costs a re-hash next time


def _prune(store: Path) -> None:
    names = os.listdir(store)
    if len(names) <= MAX_MARKERS:
        return
    for name in names:
        p = store / name
        try:
            if not Path(json.loads(p.read_text())["path"]).exists():
                p.unlink()
        except (OSError, ValueError, KeyError):
            p.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def record(path: str | Path, sha256: str) -> None:
    """Records that `path` holds bytes with this sha256 (the writer hashed them as it wrote them)."""
    p = Path(path)
    _write_marker(p, "sha256", sha256, _identity(p))


def is_recorded(path: str | Path, sha256: str) -> bool:
    doc = _read_marker(Path(path), "sha256")
    return doc is not None and doc.get("value") == sha256


def check_file(path: str | Path, sha256: str, size: int | None = None) -> bool:
    """True when the file exists with this size and sha256: from the marker when the file is unchanged
    since it was last verified here, else by hashing it (and recording a match)."""
    p = Path(path)
    try:
        identity = _identity(p)
    except OSError:
        return False
    if size is not None and identity["size"] != size:
        return False
    if is_recorded(p, sha256):
        return True
    if sha256_file(p) != sha256:
        return False
    _write_marker(p, "sha256", sha256, identity)
    return True


def cached_digest(path: str | Path, kind: str, compute: Callable[[Path], str]) -> str:
    """`compute(path)`, cached per unchanged file (same path, size, inode, mtime and ctime)."""
    p = Path(path)
    doc = _read_marker(p, kind)
    if doc is not None and isinstance(doc.get("value"), str):
        return doc["value"]
    identity = _identity(p)
    value = compute(p)
    _write_marker(p, kind, value, identity)
    return value
