"""The named base models, where each is found on this machine, and pulling one from the Hugging Face Hub.

No PyTorch here: `models list` (asked by every trainer now and then) and `models pull` stay light.

Where a model is found, first match wins (models.model_dir loads from it):
1. `stable-diffusion-2-1-base` only: the folder `STUDIO_SD21_BASE_DIR` names;
2. a pulled copy: `$STUDIO_CACHE_DIR/models/<id>/` (written by `models pull`, with `.studio-pull.json`);
3. the Hugging Face cache (HF_HOME / HF_HUB_CACHE), offline.
`tiny-random` is built locally on first use and is always available.

`pull` (docs/base-models.md) asks the Hub's API for the repository's files at one commit
(`GET $HF_ENDPOINT/api/models/<repo>/revision/<rev>?blobs=true`), downloads the ones the engine
loads (`GET $HF_ENDPOINT/<repo>/resolve/<commit>/<path>`) into a staging folder, checks each one's
size and sha256 (LFS files; small files: their git blob id), and renames the staging folder into
place only when every file is verified. An interrupted pull resumes: verified files are kept, a
`.part` file continues with an HTTP Range request. A file whose hash differs is deleted and the pull
refused (DOWNLOAD_CORRUPT); nothing unverified is ever installed.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import hashlib
import http.client
import json
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EXIT_BAD_SPEC, EXIT_CRASH, BadSpecError, EngineError


@dataclass(frozen=True)
class BaseModel:
    id: str
    resolution: int
    hf_repo: str | None = None
    description: str = ""
    # the files of the Hub repository the engine loads (fnmatch patterns); the rest is not downloaded
    files: tuple[str, ...] = field(default=())


DIFFUSERS_FILES = (
    "model_index.json",
    "scheduler/scheduler_config.json",
    "tokenizer/*",
    "text_encoder/config.json",
    "text_encoder/model.safetensors",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",
)

BASE_MODELS: dict[str, BaseModel] = {
    "stable-diffusion-2-1-base": BaseModel(
        "stable-diffusion-2-1-base",
        512,
        "stabilityai/stable-diffusion-2-1-base",
        "Stable Diffusion 2.1 base, 512 px (the paper's model)",
        DIFFUSERS_FILES,
    ),
    "tiny-random": BaseModel("tiny-random", 64, None, "tiny random model in SD 2.1's layout, for tests and the offline demo"),
}

PULL_MANIFEST = ".studio-pull.json"
CHUNK = 1 << 20


class PullError(EngineError):
    def __init__(self, code: str, message: str, retryable: bool = False) -> None:
        super().__init__(code, message, "modelId")
        self.retryable = retryable
        self.exit_code = EXIT_CRASH if retryable else EXIT_BAD_SPEC


def cache_dir() -> Path:
    base = os.environ.get("STUDIO_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "rare-studio")
    return Path(base)


def known(model_id: str) -> BaseModel:
    if model_id not in BASE_MODELS:
        raise BadSpecError("UNKNOWN_BASE_MODEL", f"unknown base model {model_id!r}; known: {', '.join(BASE_MODELS)}", "baseModel")
    return BASE_MODELS[model_id]


def pulled_dir(model_id: str) -> Path:
    return cache_dir() / "models" / model_id


def locate(model_id: str) -> tuple[Path | None, str]:
    """(folder, source) of a non-tiny model on this machine, or (None, why not) when it is not here."""
    known(model_id)
    local = os.environ.get("STUDIO_SD21_BASE_DIR") if model_id == "stable-diffusion-2-1-base" else None
    if local:
        p = Path(local)
        if (p / "model_index.json").exists():
            return p, "STUDIO_SD21_BASE_DIR"
        return None, f"STUDIO_SD21_BASE_DIR={local} has no model_index.json"
    pulled = pulled_dir(model_id)
    if (pulled / PULL_MANIFEST).exists() and (pulled / "model_index.json").exists():
        return pulled, "pulled"
    repo = BASE_MODELS[model_id].hf_repo
    if repo:
        try:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from huggingface_hub import snapshot_download

            return Path(snapshot_download(repo, local_files_only=True)), "huggingface-cache"
        except Exception as err:  # noqa: BLE001 - any failure means "not in the cache"
            return None, f"not pulled and not in the Hugging Face cache ({type(err).__name__})"
    return None, "no source"


def availability() -> list[dict[str, Any]]:
    """What `models list` reports: every named model, whether this machine has it, and from where."""
    out = []
    for m in BASE_MODELS.values():
        if m.id == "tiny-random":
            out.append({"id": m.id, "available": True, "source": "built-locally"})
            continue
        folder, source = locate(m.id)
        entry: dict[str, Any] = {"id": m.id, "available": folder is not None, "source": source if folder else None}
        if folder is None:
            entry["reason"] = source
        else:
            entry["folder"] = str(folder)
        out.append(entry)
    return out


# --- pull --------------------------------------------------------------------------------------------


def _endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def _request(url: str, headers: dict[str, str] | None = None, timeout: float = 60) -> Any:
    h = {"User-Agent": "studio-engine-pull", **(headers or {})}
    token = os.environ.get("HF_TOKEN")
    if token:
        h["Authorization"] = f"Bearer {token}"
    return urllib.request.urlopen(urllib.request.Request(url, headers=h), timeout=timeout)


def _repo_files(repo: str, revision: str, patterns: tuple[str, ...]) -> tuple[str, list[dict[str, Any]]]:
    url = f"{_endpoint()}/api/models/{repo}/revision/{urllib.parse.quote(revision, safe='')}?blobs=true"
    try:
        with _request(url) as r:
            info = json.loads(r.read())
    except urllib.error.HTTPError as err:
        raise PullError("HUB_REFUSED", f"{url} answered HTTP {err.code} (a gated model needs HF_TOKEN)", retryable=err.code >= 500) from err
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise PullError("DOWNLOAD_FAILED", f"cannot reach the Hub at {_endpoint()}: {err}", retryable=True) from err
    commit = info.get("sha")
    siblings = info.get("siblings")
    if not isinstance(commit, str) or not isinstance(siblings, list):
        raise PullError("HUB_BAD_ANSWER", f"{url} did not list the repository's files")
    files = [s for s in siblings if isinstance(s, dict) and any(fnmatch.fnmatchcase(str(s.get("rfilename")), p) for p in patterns)]
    for s in files:
        name = s["rfilename"]
        if name.startswith("/") or ".." in name.split("/"):
            raise PullError("HUB_BAD_ANSWER", f"unsafe file name {name!r}")
        lfs = s.get("lfs") or {}
        if not isinstance(s.get("size"), int) or not (lfs.get("sha256") or s.get("blobId")):
            raise PullError("HUB_BAD_ANSWER", f"{name}: no size or hash in the Hub's answer")
    missing = [p for p in patterns if "*" not in p and not any(s["rfilename"] == p for s in files)]
    if missing:
        raise PullError("HUB_BAD_ANSWER", f"{repo}@{commit} lacks {', '.join(missing)}")
    return commit, sorted(files, key=lambda s: s["rfilename"])


class _Verifier:
    """sha256 for LFS files; git's blob id (sha1 of `blob <size>\\0` + bytes) for the small ones."""

    def __init__(self, sibling: dict[str, Any]) -> None:
        lfs = sibling.get("lfs") or {}
        self.sha256 = hashlib.sha256()
        self.expected_sha256 = lfs.get("sha256")
        self.git = None if self.expected_sha256 else hashlib.sha1(f"blob {sibling['size']}\0".encode())

    def update(self, b: bytes) -> None:
        self.sha256.update(b)
        if self.git:
            self.git.update(b)

    def ok(self, sibling: dict[str, Any]) -> bool:
        if self.expected_sha256:
            return self.sha256.hexdigest() == self.expected_sha256
        return self.git is not None and self.git.hexdigest() == sibling.get("blobId")


@contextlib.contextmanager
def _exclusive(lock_path: Path, model_id: str) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise PullError("PULL_IN_PROGRESS", f"another `models pull {model_id}` is running on this machine", retryable=True) from err
        yield
    finally:
        os.close(fd)


def _interrupted(sibling: dict[str, Any], have: int, why: str) -> PullError:
    return PullError(
        "DOWNLOAD_FAILED",
        f"{sibling['rfilename']}: interrupted at {have} of {sibling['size']} bytes ({why}); run the same command again to resume",
        retryable=True,
    )


def _download(url: str, part: Path, sibling: dict[str, Any], on_bytes: Callable[[int], None]) -> str:
    """Downloads into `part` (continuing what it holds) and returns the sha256 once size and hash match."""
    size = sibling["size"]
    verifier = _Verifier(sibling)
    have = part.stat().st_size if part.exists() else 0
    if have > size:
        part.unlink()
        have = 0
    with part.open("ab") as out:
        if have:
            with part.open("rb") as f:  # the hash continues over what an earlier try already wrote
                while chunk := f.read(CHUNK):
                    verifier.update(chunk)
        on_bytes(have)
        if have < size:
            try:
                with _request(url, {"Range": f"bytes={have}-"} if have else None) as r:
                    if have and r.status != 206:  # the server ignored the range: start over
                        out.truncate(0)
                        out.seek(0)
                        verifier = _Verifier(sibling)
                        have = 0
                    while chunk := r.read(CHUNK):
                        out.write(chunk)
                        verifier.update(chunk)
                        have += len(chunk)
                        on_bytes(have)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:  # e.g. IncompleteRead
                out.flush()
                raise _interrupted(sibling, out.tell(), str(err)) from err
        out.flush()
        os.fsync(out.fileno())
    if have < size:  # the connection ended early without an error: keep what came, the next try continues
        raise _interrupted(sibling, have, "the connection closed early")
    if have != size or not verifier.ok(sibling):
        part.unlink(missing_ok=True)
        expected = (sibling.get("lfs") or {}).get("sha256") or f"git blob {sibling.get('blobId')}"
        raise PullError(
            "DOWNLOAD_CORRUPT",
            f"{sibling['rfilename']}: {have} bytes with sha256 {verifier.sha256.hexdigest()}, expected {size} bytes matching {expected}; "
            "the file was deleted, nothing was installed",
            retryable=True,
        )
    return verifier.sha256.hexdigest()


def pull(model_id: str, emit: Callable[..., Any], revision: str = "main", force: bool = False) -> dict[str, Any]:
    """Downloads `model_id` into `$STUDIO_CACHE_DIR/models/<id>` (see the module doc); returns the
    `completed` event's fields. `emit(type, **fields)` reports progress."""
    m = known(model_id)
    target = pulled_dir(model_id)
    if not m.hf_repo:
        raise PullError("MODEL_NOT_PULLABLE", f"{model_id} is built locally on first use; there is nothing to pull")
    if (target / PULL_MANIFEST).exists() and not force:
        manifest = json.loads((target / PULL_MANIFEST).read_text())
        return {"outputDir": str(target), "alreadyPresent": True, "files": len(manifest.get("files", [])), "commit": manifest.get("commit")}
    root = target.parent
    with _exclusive(root / ".locks" / f"{model_id}.lock", model_id):
        commit, files = _repo_files(m.hf_repo, revision, m.files)
        staging = root / f".pull-{model_id}-{commit[:12]}"
        staging.mkdir(parents=True, exist_ok=True)
        total = sum(s["size"] for s in files)
        done_before = 0
        record = []
        started = time.monotonic()
        last = [0.0]
        for i, s in enumerate(files):
            name = s["rfilename"]
            final = staging / name
            part = final.with_name(final.name + ".part")
            final.parent.mkdir(parents=True, exist_ok=True)

            def progress(have: int, force_emit: bool = False, _s=s, _i=i, _base=done_before) -> None:
                now = time.monotonic()
                if force_emit or now - last[0] >= 0.5:
                    last[0] = now
                    emit(
                        "download.progress",
                        modelId=model_id,
                        file=_s["rfilename"],
                        fileIndex=_i + 1,
                        fileCount=len(files),
                        bytes=have,
                        fileBytes=_s["size"],
                        doneBytes=_base + have,
                        totalBytes=total,
                    )

            if final.exists() and final.stat().st_size == s["size"]:
                sha = _sha256_file(final)  # verified before it was renamed; cheap to record again
                resumed = "verified"
            else:
                resumed = "part" if part.exists() else None
                sha = _download(f"{_endpoint()}/{m.hf_repo}/resolve/{commit}/{urllib.parse.quote(name)}", part, s, progress)
                part.rename(final)
            progress(s["size"], force_emit=True)
            record.append({"name": name, "size": s["size"], "sha256": sha, **({"resumed": resumed} if resumed else {})})
            done_before += s["size"]
        manifest = {"modelId": model_id, "repo": m.hf_repo, "commit": commit, "endpoint": _endpoint(), "files": [{k: v for k, v in r.items() if k != "resumed"} for r in record]}
        (staging / PULL_MANIFEST).write_text(json.dumps(manifest, indent=1))
        old = root / f".old-{model_id}-{os.getpid()}"
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        for leftover in root.glob(f".pull-{model_id}-*"):  # staging of an older commit
            shutil.rmtree(leftover, ignore_errors=True)
        return {
            "outputDir": str(target),
            "files": len(record),
            "bytes": total,
            "commit": commit,
            "resumedFiles": sum(1 for r in record if r.get("resumed")),
            "seconds": round(time.monotonic() - started, 3),
        }


def _sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with p.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()
