"""The engine's half of the real-size rehearsal (issue 16, "What to build" 5): driven by
`test/bench/real-size.bench.ts` (`pnpm --filter @studio/test run bench:real-size`), which runs the
trainer's and the API's halves and prints the one JSON. Subcommands, each printing JSON on stdout:

    folder     --model sd21-base-random|tiny-random --folder DIR
               the base model folder: sd21-base-random is built once (gpu_acceptance.child_build: the engine's
               sd21_base_random_components + save_pretrained) and reused while DIR/model_index.json exists;
               tiny-random is the engine's own (models.model_dir, under STUDIO_CACHE_DIR)
    checkpoint --model-id ID --folder DIR --root DIR [--encodings plain,delta] [--gap S] [--wait-stdin]
               one stage-2 checkpoint per encoding through the engine's background writer (CheckpointWriter,
               as RunContext.save_checkpoint does): the base UNet read from the folder, changed by the synthetic
               delta of checkpoint_bench.py (400 AdamW steps at 5e-6, fitted and drawn per weight), plus a
               learned-token embedding. One NDJSON line per checkpoint once it is durable (`saved`: stall,
               seconds to durable, durableAtMs (epoch), files, stored bytes and ratio to float32); with
               --wait-stdin it then waits for a line on stdin before the next one (the bench uploads meanwhile);
               a last line `done` (peak RSS of this process).
    compare    A B    whether checkpoint B's UNet (and embedding) tensors are bit-identical to A's, tensor by
               tensor (sha256 of each tensor's bytes), and whether the two contentHashes are equal
    measure    -- CMD ARGS...   runs CMD, prints its seconds, exit code, peak RSS (the child's ru_maxrss) and its
               last stdout lines (the engine's NDJSON events)

Nothing is downloaded; the delta and the embedding are seeded (the same bytes every run).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

TOKEN = "<rare>"


def rnd(x: float, n: int = 3) -> float:
    return round(x, n)


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return rnd(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux: KiB


def emit(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def cmd_folder(ns) -> None:
    t0 = time.perf_counter()
    if ns.model == "tiny-random":
        from studio_engine.models import model_dir

        folder, built = model_dir("tiny-random"), False
    else:
        folder, built = Path(ns.folder).resolve(), False
        if not (folder / "model_index.json").exists():
            from gpu_acceptance import child_build  # the GPU acceptance run's builder, reused as is

            child_build(SimpleNamespace(model="sd21-base-random", folder=str(folder)))
            built = True
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    emit({"folder": str(folder), "built": built, "seconds": rnd(time.perf_counter() - t0), "bytes": size})


def cmd_checkpoint(ns) -> None:
    import torch
    from checkpoint_bench import LR, STEPS, adam_fit, apply_delta, lossless_limit  # the documented synthetic delta, reused
    from safetensors.torch import load_file

    from studio_engine import checkpoint_codec as codec
    from studio_engine.checkpoint_writer import CheckpointWriter
    from studio_engine.checkpoints import take_snapshot
    from studio_engine.models import fingerprint

    folder = Path(ns.folder)
    t0 = time.perf_counter()
    state = load_file(str(folder / codec.BASE_UNET))
    float32_bytes = sum(v.numel() * 4 for v in state.values())
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    k, noise, _ = adam_fit(ns.snr, n=ns.fit_params)
    apply_delta(state, k, noise, ns.snr)
    delta_s = time.perf_counter() - t0
    dim = json.loads((folder / "text_encoder" / "config.json").read_text())["hidden_size"]
    emb = {TOKEN: torch.randn(1, dim, generator=torch.Generator().manual_seed(3)) * 0.01}
    meta = {
        "baseModel": {"id": ns.model_id, "fingerprint": fingerprint(folder)},
        "method": "TWO_STAGE",
        "token": TOKEN,
        "classNoun": "backpack",
        "instancePrompt": f"a photo of {TOKEN} backpack",
        "resolution": 512 if ns.model_id != "tiny-random" else 64,
        "config": {"bench": "real-size", "delta": f"{STEPS} AdamW steps at lr {LR}, snr {ns.snr} (checkpoint_bench.py)"},
    }
    emit(
        {
            "type": "prepared",
            "unetTensors": len(state),
            "float32Bytes": float32_bytes,
            "loadSeconds": rnd(load_s),
            "deltaSeconds": rnd(delta_s),
            "deltaFit": {"k": rnd(k, 2), "noise": rnd(noise, 2)},
            "losslessLimit": lossless_limit(state, folder / codec.BASE_UNET),
        }
    )
    for i, encoding in enumerate(ns.encodings.split(",")):
        base_unet = codec.base_unet_file(folder) if encoding == "delta" else None
        if base_unet is not None:  # once per machine and base file (cached, verified.py): reported apart from the write
            t0 = time.perf_counter()
            codec.base_unet_fingerprint(base_unet)
            emit({"type": "fingerprint", "baseFingerprintSeconds": rnd(time.perf_counter() - t0)})
        writer = CheckpointWriter(Path(ns.root) / encoding, max_in_flight=1)
        writer.prepare(list(state.values()), torch.float32, 1)  # as stage 2 does when it starts
        time.sleep(ns.gap)  # the steps before the checkpoint
        writer._prepared.wait()
        done: dict = {}

        def on_saved(saved, stall, done=done):
            done["at"], done["ms"], done["saved"] = time.perf_counter(), time.time() * 1000, saved

        step = 200 * (i + 1)
        t_submit = time.perf_counter()
        stall = writer.submit(
            lambda step=step, base_unet=base_unet, writer=writer: take_snapshot(
                stage="stage2", step=step, meta=meta, embedding=emb, unet_state=state, base_unet=base_unet, pool=writer.pool
            ),
            on_saved,
        )
        writer.drain()
        saved = done["saved"]
        unet_file = next(f for f in saved.files if f["name"] in ("unet.safetensors", codec.DELTA_FILE))
        emit(
            {
                "type": "saved",
                "encoding": encoding,
                "path": str(saved.path),
                "stallSeconds": rnd(stall, 4),
                "secondsToDurable": rnd(done["at"] - t_submit),
                "durableAtMs": done["ms"],
                "files": saved.files,
                "bytes": saved.bytes,
                "unetStoredBytes": unet_file["bytes"],
                "float32Bytes": float32_bytes,
                "ratioToFloat32": rnd(unet_file["bytes"] / float32_bytes, 4),
                "contentHash": saved.content_hash,
            }
        )
        writer.close()
        del writer
        gc.collect()
        if ns.wait_stdin:
            sys.stdin.readline()
    emit({"type": "done", "peakRssMb": peak_rss_mb()})


def _tensor_digests(path: Path) -> dict[str, str]:
    from safetensors import safe_open

    out = {}
    if not path.exists():
        return out
    with safe_open(str(path), framework="pt") as f:
        for name in f.keys():
            t = f.get_tensor(name).contiguous()
            out[name] = f"{t.dtype}:{list(t.shape)}:" + hashlib.sha256(t.view(-1).view(__import__("torch").uint8).numpy().tobytes()).hexdigest()
            del t
    return out


def cmd_compare(ns) -> None:
    a, b = Path(ns.a), Path(ns.b)
    ua, ub = _tensor_digests(a / "unet.safetensors"), _tensor_digests(b / "unet.safetensors")
    ea, eb = _tensor_digests(a / "embedding.safetensors"), _tensor_digests(b / "embedding.safetensors")
    ma, mb = (json.loads((p / "checkpoint.json").read_text()) for p in (a, b))
    differ = sorted(k for k in set(ua) | set(ub) if ua.get(k) != ub.get(k))
    emit(
        {
            "unetTensors": len(ua),
            "unetEqual": bool(ua) and not differ,
            "unetDiffering": differ[:5],
            "embeddingEqual": bool(ea) and sorted(ea.values()) == sorted(eb.values()),
            "contentHashEqual": ma.get("contentHash") == mb.get("contentHash"),
        }
    )


def cmd_measure(ns) -> None:
    cmd = ns.cmd[1:] if ns.cmd and ns.cmd[0] == "--" else ns.cmd
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    emit(
        {
            "rc": proc.returncode,
            "seconds": rnd(seconds),
            "peakRssMb": peak_rss_mb(resource.RUSAGE_CHILDREN),
            "events": lines[-20:],
            "stderrTail": proc.stderr[-2000:] if proc.returncode else "",
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    f = sub.add_parser("folder")
    f.add_argument("--model", required=True, choices=["sd21-base-random", "tiny-random"])
    f.add_argument("--folder", default=None)
    c = sub.add_parser("checkpoint")
    c.add_argument("--model-id", required=True, help="the engine's model id the checkpoint names (stable-diffusion-2-1-base or tiny-random)")
    c.add_argument("--folder", required=True)
    c.add_argument("--root", required=True)
    c.add_argument("--encodings", default="plain,delta")
    c.add_argument("--gap", type=float, default=1.0, help="seconds of 'training' before each checkpoint (its buffers are prepared meanwhile)")
    c.add_argument("--snr", type=float, default=0.1)
    c.add_argument("--fit-params", type=int, default=1 << 18, help="parameters of the AdamW simulation the delta is fitted on (checkpoint_bench.py: 262144)")
    c.add_argument("--wait-stdin", action="store_true")
    m = sub.add_parser("compare")
    m.add_argument("a")
    m.add_argument("b")
    r = sub.add_parser("measure")
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    ns = ap.parse_args()
    {"folder": cmd_folder, "checkpoint": cmd_checkpoint, "compare": cmd_compare, "measure": cmd_measure}[ns.command](ns)


if __name__ == "__main__":
    main()
