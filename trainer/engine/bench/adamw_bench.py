"""AdamW step time on the UNet's parameters: fused vs foreach vs for-loop — as JSON.

    PYTHONPATH=src python bench/adamw_bench.py --model tiny-random          # CPU
    PYTHONPATH=src python bench/adamw_bench.py --model sd21-base-random     # a CUDA machine

Only `optimizer.step()` on every UNet parameter (float32, random gradients), the implementations
interleaved round by round so that a machine's changing load hits each alike; per implementation the
minimum and the median of the rounds' mean step times. The fastest round is the least disturbed one
on a shared machine. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from studio_engine.device import choose  # noqa: E402
from studio_engine.models import load_components, sd21_base_random_components  # noqa: E402
from studio_engine.optim import make_adamw  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="tiny-random", choices=["tiny-random", "sd21-base-random"])
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--steps", type=int, default=20, help="optimizer steps per round")
    args = ap.parse_args()
    device = choose(args.device, "no").device
    comps = load_components("tiny-random", device) if args.model == "tiny-random" else sd21_base_random_components(device)
    base = [p.detach().clone() for p in comps.unet.parameters()]
    impls = {"fused": dict(fused=True), "foreach": dict(fused=False, foreach=True), "forloop": dict(fused=False, foreach=False)}
    opts = {}
    for name, kw in impls.items():
        params = [torch.nn.Parameter(b.clone()) for b in base]
        for p in params:
            p.grad = torch.randn_like(p) * 1e-3
        opts[name] = make_adamw(params, 1e-5, **kw)
        opts[name].step()  # state allocated outside the timing
    rounds: dict[str, list[float]] = {n: [] for n in impls}

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(args.rounds):
        for name, opt in opts.items():
            sync()
            t = time.perf_counter()
            for _ in range(args.steps):
                opt.step()
            sync()
            rounds[name].append((time.perf_counter() - t) / args.steps * 1000)
    print(
        json.dumps(
            {
                "benchmark": "adamw-step",
                "model": args.model,
                "device": torch.cuda.get_device_name(0) if device.type == "cuda" else f"cpu, {torch.get_num_threads()} threads",
                "torch": torch.__version__,
                "unetParameters": sum(b.numel() for b in base),
                "loadAverage": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
                "msPerStep": {n: {"min": round(min(v), 3), "median": round(statistics.median(v), 3)} for n, v in rounds.items()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
