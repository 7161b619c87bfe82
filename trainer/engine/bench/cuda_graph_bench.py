"""Stage 2's training step eager vs replayed as one CUDA graph (issue 18, `speed.cudaGraph`) — as JSON.

    PYTHONPATH=src python bench/cuda_graph_bench.py                          # sd21-base-random on a CUDA machine
    PYTHONPATH=src python bench/cuda_graph_bench.py --model tiny-random      # CPU smoke test (graph figures null)

The step is the engine's own (static_step.StaticStep, what stage 2 runs with `speed.cudaGraph`): UNet forward under
autocast (bf16 on CUDA, float32 on CPU), float32 MSE loss, backward, clip_grad_norm_(1.0), AdamW (fused where this
torch has it) at lr 5e-6, batch 1, fixed random inputs (512 px latents for sd21-base-random: 1×4×64×64, text
1×77×1024). Variants, on one UNet (`models.sd21_base_random_unet()`, random weights, SDPA attention, TF32 on as the
engine's CUDA default):

  eager / eagerChannelsLast   the step run eagerly (StaticStep without capture: the plain loop's arithmetic),
                              contiguous weights / channels-last weights
  graph / graphChannelsLast   CUDA only: StaticStep with capture (3 eager warm-up steps on a side stream, capture,
                              then replay; AdamW capturable), the same two layouts

Per variant: `cpuDispatchMs` (median host time for the call to return, no sync: what the CPU spends launching the
step), `wallMs` (median time to the step's end, synchronised), `kernelsPerStep` (CUDA kernels in one profiled step,
torch.profiler; null on CPU, where `cpuOpsPerStep` counts the top-level aten ops instead), `peakAllocatedGiB`
(torch.cuda.max_memory_allocated over the variant, reset before it), and for the graph variants `captureSeconds`
and `warmupSeconds`. `summary` gives the ratios. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from studio_engine.device import Precision  # noqa: E402
from studio_engine.optim import make_adamw  # noqa: E402
from studio_engine.speed import SpeedOptions, fused_adam_supported, prepare_unet  # noqa: E402
from studio_engine.static_step import WARMUP_STEPS, StaticStep  # noqa: E402

GIB = 1024**3


def build_unet(model: str, device: torch.device) -> torch.nn.Module:
    from studio_engine.models import load_components, sd21_base_random_unet

    torch.manual_seed(0)
    if model == "tiny-random":
        return load_components("tiny-random", device).unet  # built into STUDIO_CACHE_DIR on first use, no download
    with torch.device(device):  # random init on the GPU: seconds instead of a minute of CPU time
        return sd21_base_random_unet().to(device)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def count_profiled(fn, device: torch.device) -> dict:
    """Runs `fn` once under torch.profiler: CUDA kernels and top-level CPU ops of that one step."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=acts) as prof:
        fn()
        sync(device)
    events = list(prof.events())
    kernels = None
    if device.type == "cuda":
        kernels = sum(1 for e in events if e.device_type == DeviceType.CUDA)
        if kernels == 0:  # older layouts attach kernels to their CPU op only
            kernels = sum(len(getattr(e, "kernels", []) or []) for e in events)
    cpu_ops = sum(1 for e in events if e.device_type == DeviceType.CPU and e.name.startswith("aten::") and e.cpu_parent is None)
    launches = sum(1 for e in events if e.device_type == DeviceType.CPU and e.name in ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC", "cudaGraphLaunch"))
    return {"kernelsPerStep": kernels, "cpuOpsPerStep": cpu_ops, "launchCallsPerStep": launches if device.type == "cuda" else None}


def time_steps(fn, device: torch.device, n: int) -> dict:
    dispatch, wall = [], []
    for _ in range(n):
        sync(device)
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        sync(device)
        t2 = time.perf_counter()
        dispatch.append(t1 - t0)
        wall.append(t2 - t0)
    return {
        "cpuDispatchMs": round(1000 * statistics.median(dispatch), 2),
        "wallMs": round(1000 * statistics.median(wall), 2),
        "minWallMs": round(1000 * min(wall), 2),
        "stepsTimed": n,
    }


def variant(unet, params, inputs, text, precision, *, capture: bool, fused: bool, steps: int, warmup: int) -> dict:
    device = precision.device
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    opt = make_adamw(params, 5e-6, fused, capturable=capture)
    step = StaticStep(unet, opt, params, precision, 1.0, [text], 0.0, capture=capture)
    t0 = time.perf_counter()
    for _ in range(warmup + (WARMUP_STEPS + 1 if capture else 0)):  # graph: its eager warm-up steps, then the capture
        step([inputs])
    sync(device)
    out: dict = {"warmupSeconds": round(time.perf_counter() - t0, 3)}
    if capture:
        out["captureSeconds"] = round(step.capture_seconds, 3) if step.capture_seconds is not None else None
    out.update(time_steps(lambda step=step: step([inputs]), device, steps))
    out.update(count_profiled(lambda step=step: step([inputs]), device))
    if device.type == "cuda":
        out["peakAllocatedGiB"] = round(torch.cuda.max_memory_allocated() / GIB, 3)
        out["peakReservedGiB"] = round(torch.cuda.max_memory_reserved() / GIB, 3)
    step.close()
    del step, opt
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="sd21-base-random", choices=["sd21-base-random", "tiny-random"])
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--steps", type=int, default=20, help="timed steps per variant (median reported)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps per variant before timing (graph: after the capture)")
    ap.add_argument("--variants", default="eager,eagerChannelsLast,graph,graphChannelsLast")
    args = ap.parse_args(argv)
    cuda = torch.cuda.is_available() and args.device != "cpu"
    if args.device == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda: no CUDA device")
    device = torch.device("cuda" if cuda else "cpu")
    precision = Precision(device, torch.bfloat16 if cuda else None)
    if cuda:  # the engine's CUDA defaults with bf16 autocast (speed.tf32)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    wanted = [v.strip() for v in args.variants.split(",") if v.strip()]

    t0 = time.perf_counter()
    unet = build_unet(args.model, device)
    prepare_unet(unet, SpeedOptions(attention="sdpa"))
    unet.train().requires_grad_(True)
    params = [p for p in unet.parameters() if p.requires_grad]
    build_s = time.perf_counter() - t0
    g = torch.Generator(device="cpu").manual_seed(0)
    size, dim = int(unet.config.sample_size), int(unet.config.cross_attention_dim)
    inputs = tuple(x.to(device) for x in (torch.randn(1, 4, size, size, generator=g), torch.tensor([500]), torch.randn(1, 4, size, size, generator=g)))
    text = torch.randn(1, 77, dim, generator=g).to(device)
    fused = fused_adam_supported(device)

    report: dict = {
        "benchmark": "cuda-graph",
        "issue": 18,
        "model": args.model,
        "device": device.type,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
        "unetParameters": sum(p.numel() for p in params),
        "latent": list(inputs[0].shape),
        "text": list(text.shape),
        "precision": "bf16 autocast, float32 master weights" if cuda else "float32",
        "fusedAdam": fused,
        "buildSeconds": round(build_s, 2),
        "variants": {},
    }
    for name in ("eager", "graph", "eagerChannelsLast", "graphChannelsLast"):  # contiguous first: a layout change re-allocates the weights
        if name not in wanted:
            continue
        if name == "eagerChannelsLast" or (name == "graphChannelsLast" and "eagerChannelsLast" not in wanted):
            unet.to(memory_format=torch.channels_last)
        if name.startswith("graph") and not cuda:
            report["variants"][name] = None  # CUDA only
            continue
        report["variants"][name] = variant(unet, params, inputs, text, precision, capture=name.startswith("graph"), fused=fused, steps=args.steps, warmup=args.warmup)
        print(f"[cuda-graph-bench] {name}: {json.dumps(report['variants'][name])}", file=sys.stderr, flush=True)

    v = report["variants"]

    def ms(name):
        return (v.get(name) or {}).get("wallMs")

    def ratio(a, b):
        return round(ms(a) / ms(b), 2) if ms(a) and ms(b) else None

    report["summary"] = {
        "eagerMs": ms("eager"),
        "eagerChannelsLastMs": ms("eagerChannelsLast"),
        "graphMs": ms("graph"),
        "graphChannelsLastMs": ms("graphChannelsLast"),
        "graphSpeedup": ratio("eager", "graph"),
        "graphChannelsLastSpeedup": ratio("eagerChannelsLast", "graphChannelsLast"),
        "eagerCpuDispatchMs": (v.get("eager") or {}).get("cpuDispatchMs"),
        "captureSeconds": (v.get("graphChannelsLast") or v.get("graph") or {}).get("captureSeconds"),
        "graphNote": None if cuda else "no CUDA device: graph variants not run (null)",
    }
    if not cuda:
        report["maxRssGiB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB, 3)
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
