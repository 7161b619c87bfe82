"""`models pull` and `models list` against a local fake Hugging Face Hub (fake_hub.py; no network):
the tiny model served as `stabilityai/stable-diffusion-2-1-base`, downloaded with progress, checked
by sha256, resumed after an interrupted download, and refused when a file is corrupt."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import run_engine
from fake_hub import FakeHub

from studio_engine.models import fingerprint, model_dir

MODEL = "stable-diffusion-2-1-base"
REPO = "stabilityai/stable-diffusion-2-1-base"
UNET = "unet/diffusion_pytorch_model.safetensors"
VAE = "vae/diffusion_pytorch_model.safetensors"


@pytest.fixture()
def hub(tmp_path, monkeypatch):
    tiny = model_dir("tiny-random")  # built in the session cache before the cache below takes over
    served = tmp_path / "served"
    for p in tiny.rglob("*"):
        if p.is_file():
            (served / p.relative_to(tiny)).parent.mkdir(parents=True, exist_ok=True)
            (served / p.relative_to(tiny)).write_bytes(p.read_bytes())
    (served / "v2-1_512-ema-pruned.ckpt").write_bytes(b"\x00" * 4096)  # on the Hub, not loaded by the engine: not pulled
    (served / "README.md").write_text("# model card\n")
    with FakeHub(REPO, served) as h:
        monkeypatch.setenv("HF_ENDPOINT", h.url)
        monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))  # empty: only a pull can provide the model
        monkeypatch.delenv("STUDIO_SD21_BASE_DIR", raising=False)
        h.tiny = tiny
        yield h


def listed(model_id: str) -> dict:
    code, events, err = run_engine(["models", "list"], timeout=120)
    assert code == 0, err
    return next(m for m in events[-1]["models"] if m["id"] == model_id)


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_pull_downloads_checks_and_installs_where_the_engine_loads(hub, tmp_path):
    before = listed(MODEL)
    assert before["available"] is False and "not pulled" in before["reason"]
    assert listed("tiny-random") == {"id": "tiny-random", "available": True, "source": "built-locally"}

    code, events, err = run_engine(["models", "pull", MODEL], timeout=300)
    assert code == 0, err
    done = events[-1]
    assert done["type"] == "completed" and done["commit"] == hub.commit
    target = tmp_path / "cache" / "models" / MODEL
    assert done["outputDir"] == str(target)
    wanted = sorted(n for n in hub.files if n not in ("v2-1_512-ema-pruned.ckpt", "README.md"))
    assert done["files"] == len(wanted) and done["bytes"] == sum(len(hub.files[n]) for n in wanted)
    progress = [e for e in events if e["type"] == "download.progress"]
    assert {e["file"] for e in progress} == set(wanted)
    assert progress[-1]["doneBytes"] == progress[-1]["totalBytes"] == done["bytes"]
    manifest = json.loads((target / ".studio-pull.json").read_text())
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {n: hashlib.sha256(hub.files[n]).hexdigest() for n in wanted}
    assert not (target / "v2-1_512-ema-pruned.ckpt").exists()
    # the engine loads it from there: same content as the model that was served
    assert listed(MODEL)["source"] == "pulled"
    assert model_dir(MODEL) == target
    assert fingerprint(target) == fingerprint(hub.tiny)
    # a second pull keeps it and downloads nothing
    n = len(hub.requests)
    code, events, _ = run_engine(["models", "pull", MODEL], timeout=120)
    assert code == 0 and events[-1]["alreadyPresent"] is True
    assert len(hub.requests) == n


def test_an_interrupted_pull_resumes_where_it_stopped(hub, tmp_path):
    size = len(hub.files[UNET])
    hub.cut_after[UNET] = size // 3
    code, events, _ = run_engine(["models", "pull", MODEL], timeout=300)
    err = events[-1]
    assert code != 0 and err["type"] == "error" and err["code"] == "DOWNLOAD_FAILED" and err["retryable"] is True
    assert "run the same command again" in err["message"]
    target = tmp_path / "cache" / "models" / MODEL
    assert not target.exists(), "nothing is installed before every file is verified"
    parts = list((tmp_path / "cache" / "models").glob(f".pull-{MODEL}-*/unet/*.part"))
    assert len(parts) == 1 and parts[0].stat().st_size == size // 3
    code, events, stderr = run_engine(["models", "pull", MODEL], timeout=300)
    assert code == 0, stderr
    assert events[-1]["resumedFiles"] >= 1
    unet_sha = hashlib.sha256(hub.files[UNET]).hexdigest()
    ranges = [r for p, r in hub.requests if p == f"/cdn/{unet_sha}"]
    assert ranges == [None, f"bytes={size // 3}-"], "the second try continues with a Range request"
    assert sha256(target / UNET) == unet_sha
    # files verified by the first try were not downloaded again: one request per file, two for the cut one
    prefix = f"/{REPO}/resolve/{hub.commit}/"
    resolved = [p[len(prefix) :] for p, _ in hub.requests if p.startswith(prefix)]
    assert sorted(resolved) == sorted([n for n in hub.files if n not in ("v2-1_512-ema-pruned.ckpt", "README.md")] + [UNET])


def test_a_corrupt_file_is_refused_by_sha256_and_nothing_is_installed(hub, tmp_path):
    hub.corrupt.add(VAE)
    code, events, _ = run_engine(["models", "pull", MODEL], timeout=300)
    err = events[-1]
    assert code != 0 and err["code"] == "DOWNLOAD_CORRUPT" and err["field"] == "modelId"
    assert VAE in err["message"] and hashlib.sha256(hub.files[VAE]).hexdigest() in err["message"]
    assert not (tmp_path / "cache" / "models" / MODEL).exists()
    assert list((tmp_path / "cache" / "models").glob(f".pull-{MODEL}-*/vae/*.safetensors*")) == [], "the corrupt download is deleted"
    assert listed(MODEL)["available"] is False
    # served correctly again: the pull completes
    hub.corrupt.clear()
    code, events, stderr = run_engine(["models", "pull", MODEL], timeout=300)
    assert code == 0, stderr
    assert sha256(tmp_path / "cache" / "models" / MODEL / VAE) == hashlib.sha256(hub.files[VAE]).hexdigest()


def test_pull_refuses_unknown_and_locally_built_models(hub):
    code, events, _ = run_engine(["models", "pull", "sd-9000"], timeout=120)
    assert code == 2 and events[-1]["code"] == "UNKNOWN_BASE_MODEL"
    code, events, _ = run_engine(["models", "pull", "tiny-random"], timeout=120)
    assert code == 2 and events[-1]["code"] == "MODEL_NOT_PULLABLE"
