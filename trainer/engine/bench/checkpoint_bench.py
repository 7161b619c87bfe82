"""Real-size checkpoint rehearsal: training stall per checkpoint (background writer vs synchronous),
time to a durable checkpoint, bytes stored with the delta encoding, encode/decode and verify times.

    PYTHONPATH=src python bench/checkpoint_bench.py                         # sd21-base-random, ~2-3 min on 2 cores
    PYTHONPATH=src python bench/checkpoint_bench.py --model tiny-random     # seconds (smoke test)

The model is `sd21-base-random`: Stable Diffusion 2.1 base's UNet (865.9 M parameters, 3.46 GB in
float32) with random weights, built in memory (studio_engine.models.sd21_base_random_unet) and
written once as the base model's UNet file, which the delta encoding is relative to. Nothing is
downloaded.

The fine-tune is a synthetic delta shaped like the paper's stage 2 (400 AdamW steps at lr 5e-6,
betas (0.9, 0.999), eps 1e-8, weight decay 1e-2, as stage2_finetune.py): real AdamW is run for 400
steps on 262144 parameters whose gradients are g_t = mu + xi_t (xi_t ~ N(0, 1) per step, a
per-parameter drift mu ~ N(0, snr^2), snr 0.1 by default); the total update per parameter, in units
of lr, is fitted as u = k * mu + noise * z (least squares; z ~ N(0, 1)) and drawn that way for
every UNet weight, which is also decayed by (1 - lr*wd)^400. Training between two checkpoints is
stood in for by `--gap` seconds of waiting (200 steps of a GPU; the writer's disk and CPU work overlaps it as it would overlap GPU steps).

The checkpoints hold the UNet only unless `--with-optimizer` adds two UNet-sized AdamW moments as
the training state (10.4 GB a snapshot: for a machine with the memory). `--device cuda` keeps the
live weights on the GPU, so a snapshot is a device→host copy into pinned buffers. Prints one JSON
object; asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from studio_engine import checkpoint_codec as codec  # noqa: E402
from studio_engine import verified  # noqa: E402
from studio_engine.checkpoint_writer import CheckpointWriter  # noqa: E402
from studio_engine.checkpoints import UNET_FILE, load_unet_state, read_checkpoint, take_snapshot, write_checkpoint  # noqa: E402
from studio_engine.st_io import write_safetensors  # noqa: E402

STEPS, LR, WD = 400, 5e-6, 1e-2


def rnd(x: float, n: int = 3) -> float:
    return round(x, n)


def rss_gib() -> float:
    return rnd(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def adam_fit(snr: float, n: int = 1 << 18, seed: int = 0) -> tuple[float, float, float]:
    """Runs real AdamW for STEPS steps on n parameters with gradients g_t = mu + xi_t (mu ~ N(0, snr^2)
    per parameter, xi_t ~ N(0, 1) per step) and fits the total update per parameter, in units of lr,
    as u = k * mu + noise * z (z ~ N(0, 1)). Returns (k, noise, mean |u|)."""
    gen = torch.Generator().manual_seed(seed)
    p = torch.nn.Parameter(torch.zeros(n))
    mu = torch.randn(n, generator=gen) * snr
    opt = torch.optim.AdamW([p], lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    for _ in range(STEPS):
        p.grad = (mu + torch.randn(n, generator=gen)) * 1e-3
        opt.step()
    u = p.detach() / LR
    k = float((u * mu).sum() / (mu * mu).sum()) if snr > 0 else 0.0
    noise = float((u - k * mu).std())
    return k, noise, float(u.abs().mean())


@torch.no_grad()
def apply_delta(state: dict[str, torch.Tensor], k: float, noise: float, snr: float, seed: int = 1) -> None:
    """w <- w * (1 - lr*wd)^STEPS + lr * (k * mu + noise * z), mu ~ N(0, snr^2), z ~ N(0, 1) per weight."""
    gen = torch.Generator().manual_seed(seed)
    decay = (1 - LR * WD) ** STEPS
    for v in state.values():
        u = torch.randn(v.shape, generator=gen) * noise
        if k:
            u.add_(torch.randn(v.shape, generator=gen), alpha=k * snr)
        v.mul_(decay).add_(u, alpha=LR)
        del u


def lossless_limit(state: dict[str, torch.Tensor], base_file: Path) -> dict:
    """codec.DeltaEntropy over the whole UNet: about the fewest bytes any lossless coder stores for this delta."""
    t0 = time.perf_counter()
    est, base = codec.DeltaEntropy(), codec._Base(base_file)
    for name in sorted(state):
        est.add(state[name], base.get(name, list(state[name].shape)))
    return {"bitsPerWeight": rnd(est.bits_per_weight(), 3), "ratioToFloat32": rnd(est.ratio_to_float32(), 4), "seconds": rnd(time.perf_counter() - t0)}


def build(model: str) -> tuple[dict[str, torch.Tensor], torch.nn.Module | None]:
    if model == "tiny-random":
        from safetensors.torch import load_file

        from studio_engine.models import model_dir

        return load_file(str(model_dir("tiny-random") / codec.BASE_UNET)), None
    from studio_engine.models import sd21_base_random_unet

    torch.manual_seed(0)
    unet = sd21_base_random_unet()
    unet.requires_grad_(False)
    return unet.state_dict(), unet


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="sd21-base-random", choices=["sd21-base-random", "tiny-random"])
    ap.add_argument("--checkpoints", type=int, default=2, help="background checkpoints in a row (the default job saves 2)")
    ap.add_argument("--gap", type=float, default=5.0, help="seconds of 'training' between two checkpoints (200 GPU steps)")
    ap.add_argument("--snr", type=float, default=0.1, help="per-parameter gradient drift (signal/noise) of the synthetic delta")
    ap.add_argument("--dir", default=None, help="scratch folder (default: a temporary folder, removed)")
    ap.add_argument("--skip-sync", action="store_true", help="do not measure the synchronous save")
    ap.add_argument("--skip-encoded", action="store_true", help="do not measure the delta encoding")
    ap.add_argument("--in-flight", default="1", help="comma-separated STUDIO_CHECKPOINT_MAX_IN_FLIGHT values to measure (e.g. 1,2)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where the 'training' weights live (cuda: device→host snapshots into pinned memory)")
    ap.add_argument("--with-optimizer", action="store_true", help="also snapshot and write two UNet-sized AdamW moments (the training state)")
    args = ap.parse_args()

    scratch = Path(args.dir or tempfile.mkdtemp(prefix="ckpt-bench-"))
    os.environ.setdefault("STUDIO_CACHE_DIR", str(scratch / "cache"))
    out: dict = {
        "model": args.model,
        "environment": {"cpus": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version(), "machine": platform.machine()},
        "method": {
            "delta": f"{STEPS} AdamW steps at lr {LR}, wd {WD}, gradient snr {args.snr}: simulated on 262144 parameters, fitted (u = k*mu + noise*z) and drawn per weight",
            "gapSeconds": args.gap,
            "stall": "time save_checkpoint holds the training loop: synchronous = snapshot + write + fsync + hash; background = wait for a writer slot + snapshot (host copy)",
            "checkpointContents": "UNet only (float32), no optimiser state",
        },
    }
    try:
        t0 = time.perf_counter()
        state, module = build(args.model)
        plain_bytes = sum(v.numel() * v.element_size() for v in state.values())
        out["unet"] = {"parameters": sum(v.numel() for v in state.values()), "float32Bytes": plain_bytes, "tensors": len(state), "buildSeconds": rnd(time.perf_counter() - t0)}

        base_folder = scratch / "base"
        (base_folder / "unet").mkdir(parents=True)
        write_safetensors(base_folder / codec.BASE_UNET, state, {"format": "pt"})
        t0 = time.perf_counter()
        fingerprint = codec.base_unet_fingerprint(base_folder / codec.BASE_UNET)
        fp_first = time.perf_counter() - t0
        t0 = time.perf_counter()
        codec.base_unet_fingerprint(base_folder / codec.BASE_UNET)
        out["baseFingerprint"] = {"firstSeconds": rnd(fp_first), "cachedSeconds": rnd(time.perf_counter() - t0, 4), "value": fingerprint}

        t0 = time.perf_counter()
        k, noise, mean_abs = adam_fit(args.snr)
        apply_delta(state, k, noise, args.snr)
        sample = torch.cat([v.reshape(-1)[:100000].abs() for v in state.values()]).mean().item()
        out["delta"] = {
            "seconds": rnd(time.perf_counter() - t0),
            "fit": {"k": rnd(k, 2), "noise": rnd(noise, 2)},
            "meanAbsUpdateInLr": rnd(mean_abs, 2),
            "meanAbsRelativeChange": float(f"{mean_abs * LR / max(sample, 1e-12):.3g}"),
        }
        gc.collect()
        meta = {"baseModel": {"id": args.model, "fingerprint": "bench"}, "method": "TWO_STAGE"}
        root = scratch / "checkpoints"

        live = state
        moments: dict[str, torch.Tensor] = {}
        if args.device == "cuda":
            live = {k: v.to("cuda") for k, v in state.items()}
        if args.with_optimizer:
            gen = torch.Generator(device=args.device).manual_seed(2)
            for k, v in live.items():
                moments[f"optimizer.{k}.exp_avg"] = torch.randn(v.shape, generator=gen, device=args.device) * 1e-6
                moments[f"optimizer.{k}.exp_avg_sq"] = torch.rand(v.shape, generator=gen, device=args.device) * 1e-12
        out["snapshotBytes"] = plain_bytes + sum(v.numel() * v.element_size() for v in moments.values())

        def snapshot(step: int, base: Path | None = None, pool=None, with_moments: bool = True):
            ts = None
            if moments and with_moments:
                copy = pool.copy if pool is not None else (lambda t: t.detach().to("cpu", copy=True))
                ts = ({k: copy(v) for k, v in moments.items()}, {"format": "bench-training-state", "stage": "stage2", "step": step})
            return take_snapshot(stage="stage2", step=step, meta=meta, embedding=None, unet_state=live, training_state=ts, base_unet=base, pool=pool)

        if not args.skip_sync:  # today's path: everything in the training loop
            t0 = time.perf_counter()
            snap = snapshot(1)
            t1 = time.perf_counter()
            saved = write_checkpoint(root, snap)
            t2 = time.perf_counter()
            del snap
            gc.collect()
            out["synchronous"] = {"stallSeconds": rnd(t2 - t0), "snapshotSeconds": rnd(t1 - t0), "writeHashFsyncSeconds": rnd(t2 - t1), "bytes": saved.bytes}
            t0 = time.perf_counter()
            verified.sha256_file(saved.path / UNET_FILE)
            full_hash = time.perf_counter() - t0
            t0 = time.perf_counter()
            read_checkpoint(saved.path)
            out["verify"] = {"fullHashSeconds": rnd(full_hash), "verifiedMarkerSeconds": rnd(time.perf_counter() - t0, 4)}
            shutil.rmtree(saved.path)

        out["background"] = []
        for n in [int(x) for x in args.in_flight.split(",")]:
            writer = CheckpointWriter(root, max_in_flight=n, pin=args.device == "cuda")
            t0 = time.perf_counter()
            writer.prepare(list(live.values()), torch.float32, n)  # as stage 2 does when it starts: a set per slot
            if moments:
                writer.prepare(list(moments.values()), torch.float32, n)
            time.sleep(args.gap)  # the steps before the first checkpoint
            writer._prepared.wait()
            prepare_wait = time.perf_counter() - t0 - args.gap
            submitted: dict[int, float] = {}
            durable: dict[int, float] = {}

            def on_saved(saved, stall, durable=durable, submitted=submitted):
                durable[saved.step] = time.perf_counter() - submitted[saved.step]

            stalls = []
            for i in range(args.checkpoints):
                step = 200 * (i + 1)
                submitted[step] = time.perf_counter()
                stalls.append(rnd(writer.submit(lambda s=step, writer=writer: snapshot(s, pool=writer.pool), on_saved)))
                time.sleep(args.gap)  # training goes on
            t0 = time.perf_counter()
            writer.drain()
            out["background"].append(
                {
                    "maxInFlight": n,
                    "stallSecondsPerCheckpoint": stalls,
                    "maxStallSeconds": max(stalls),
                    "secondsToDurable": [rnd(durable[s]) for s in sorted(durable)],
                    "endOfRunWaitSeconds": rnd(time.perf_counter() - t0),
                    "prepareNotDoneAfterGapSeconds": rnd(max(prepare_wait, 0.0)),
                    "buffersReused": writer.pool.reused,
                }
            )
            writer.close()
            del writer
            for p in root.iterdir():
                shutil.rmtree(p)
            gc.collect()
        if args.skip_encoded:
            out["peakRssGiB"] = rss_gib()
            print(json.dumps(out, indent=2))
            return

        t0 = time.perf_counter()
        snap = snapshot(400, base_folder / codec.BASE_UNET, with_moments=False)
        t1 = time.perf_counter()
        saved = write_checkpoint(root, snap)
        t2 = time.perf_counter()
        del snap
        gc.collect()
        stored = saved.files[0]["bytes"]
        header, _ = codec._read_header(saved.path / codec.DELTA_FILE)
        n_weights = plain_bytes // 4
        planes = [rnd(header[f"plane{k}"]["shape"][0] / n_weights, 4) for k in range(codec.PLANES)]  # byte 0 = least significant
        rss_before_decode = rss_gib()
        t3 = time.perf_counter()
        decoded = load_unet_state(saved.path, base_folder)
        t4 = time.perf_counter()
        exact = all(decoded[k].shape == v.shape and torch.equal(decoded[k].view(torch.int32), v.view(torch.int32)) for k, v in state.items())
        del decoded
        limit = lossless_limit(state, base_folder / codec.BASE_UNET)
        out["encoded"] = {
            "scheme": codec.SCHEME,
            "storedBytes": stored,
            "float32Bytes": plain_bytes,
            "ratioToFloat32": rnd(stored / plain_bytes, 4),
            "planeRatios": planes,
            "snapshotSeconds": rnd(t1 - t0),
            "encodeWriteHashFsyncSeconds": rnd(t2 - t1),
            "decodeSeconds": rnd(t4 - t3),
            "bitExact": exact,
            "peakRssGiBBeforeDecode": rss_before_decode,
            "losslessLimit": limit,
        }
        out["peakRssGiB"] = rss_gib()
        goals = {"stallPerCheckpointSeconds": 1.0, "storedRatio": 0.60}
        out["goals"] = {
            "stallPerCheckpointSeconds": {
                "goal": goals["stallPerCheckpointSeconds"],
                "value": {str(b["maxInFlight"]): b["maxStallSeconds"] for b in out["background"]},
                "met": {str(b["maxInFlight"]): b["maxStallSeconds"] <= goals["stallPerCheckpointSeconds"] for b in out["background"]},
            },
            "storedRatio": {"goal": goals["storedRatio"], "value": out["encoded"]["ratioToFloat32"], "met": out["encoded"]["ratioToFloat32"] <= goals["storedRatio"]},
        }
    finally:
        if not args.dir:
            shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
