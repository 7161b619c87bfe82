"""Engine benchmark: steps/s of each stage, peak memory, time to first checkpoint — as JSON.

    PYTHONPATH=src python bench/engine_bench.py --model tiny-random            # CPU, seconds
    PYTHONPATH=src python bench/engine_bench.py --model sd21-base-random       # a CUDA machine
    PYTHONPATH=src python bench/engine_bench.py --speed '{"fusedAdam": false}'  # a speed option off (speed.py)

`sd21-base-random` is Stable Diffusion 2.1 base's architecture with random weights, built in
memory (no download), so the same command gives comparable figures on any CUDA machine. The
benchmark runs the real stage code (stage1_inversion / stage2_finetune) on four DreamBooth photos
(the first four of examples/backpack, or of `--photos DIR`);
the first steps of each stage are timed separately as warm-up. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from studio_engine.device import choose  # noqa: E402
from studio_engine.diffusion import LatentCache  # noqa: E402
from studio_engine.embedding import LearnedToken  # noqa: E402
from studio_engine.events import EventWriter  # noqa: E402
from studio_engine.images import load_subject_images  # noqa: E402
from studio_engine.models import load_components, sd21_base_random_components  # noqa: E402
from studio_engine.run_context import CancelFlag, RunContext  # noqa: E402
from studio_engine.spec import parse_spec  # noqa: E402
from studio_engine.speed import apply_backend_flags, prepare_unet, resolve  # noqa: E402
from studio_engine.stage1_inversion import run_stage1  # noqa: E402
from studio_engine.stage2_finetune import run_stage2  # noqa: E402

EXAMPLES = ROOT.parents[1] / "examples" / "backpack"  # the repository's 5 DreamBooth photos (examples/README.md)


def dataset_images(folder: Path) -> list[str]:
    paths = sorted(str(p) for p in folder.glob("*.jpg"))[:4]
    if len(paths) < 4:
        raise SystemExit(f"--photos {folder}: needs at least 4 .jpg photos, found {len(paths)}")
    return paths


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="tiny-random", choices=["tiny-random", "sd21-base-random"])
    ap.add_argument("--stage1-steps", type=int, default=30)
    ap.add_argument("--stage2-steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5, help="steps per stage excluded from steps/s")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--mixed", default="auto", choices=["auto", "no", "fp16", "bf16"])
    ap.add_argument("--gradient-checkpointing", action="store_true")
    ap.add_argument("--photos", type=Path, default=EXAMPLES, help="folder of the subject's .jpg photos; the first 4 are used (default: examples/backpack)")
    ap.add_argument("--speed", default="{}", help="the job spec's speed options as JSON (default: every option auto, as a job)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    precision = choose(args.device, args.mixed)
    device = precision.device
    if args.model == "tiny-random":
        components = load_components("tiny-random", device)
    else:
        components = sd21_base_random_components(device)
    speed = resolve(json.loads(args.speed), device, precision.autocast_dtype is not None)
    apply_backend_flags(speed, device)
    prepare_unet(components.unet, speed)
    load_s = time.perf_counter() - t0

    out = Path(tempfile.mkdtemp(prefix="engine-bench-"))
    raw = {
        "v": 1,
        "jobId": "bench",
        "method": "TWO_STAGE",
        "baseModel": "tiny-random",
        "classNoun": "backpack",
        "images": dataset_images(args.photos),
        "outputDir": str(out),
        "stage1": {"steps": args.stage1_steps},
        "stage2": {"steps": args.stage2_steps, "checkpointEvery": args.stage2_steps},
        "samples": {"every": 20000, "steps": 1},
        "precision": {"gradientCheckpointing": args.gradient_checkpointing},
    }
    spec = parse_spec(raw)
    spec.samples.every = 10**9  # sampling is not what this measures
    buf = io.StringIO()
    ctx = RunContext(spec, components, precision, EventWriter(buf), CancelFlag(), out, speed=speed)
    images = load_subject_images(spec.images, components.resolution)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    ctx.latents = LatentCache(components.vae, images, device)
    ctx.token = LearnedToken(components.tokenizer, components.text_encoder, spec.token, spec.initializer)
    from diffusers import DDPMScheduler

    ns = DDPMScheduler.from_config(components.scheduler_config)
    # Saving samples would run the sampler; benchmark the training steps only.
    ctx.save_samples = lambda stage, step: None  # type: ignore[method-assign]

    step_times: dict[str, list[float]] = {"stage1": [], "stage2": []}
    first_ckpt: dict[str, float] = {}
    original_add = None

    from studio_engine import run_context as rc

    original_add = rc.LossLog.add

    def timed_add(self, step, loss, lr):  # called once per finished step
        sync(device)
        step_times[self.stage].append(time.perf_counter())
        original_add(self, step, loss, lr)

    rc.LossLog.add = timed_add  # type: ignore[method-assign]
    original_save = ctx.save_checkpoint

    def timed_save(stage, step, *a, **kw):
        saved = original_save(stage, step, *a, **kw)
        first_ckpt.setdefault(stage, time.perf_counter() - t0)
        return saved

    ctx.save_checkpoint = timed_save  # type: ignore[method-assign]

    start1 = time.perf_counter()
    run_stage1(ctx, spec.stage1, ns)
    start2 = time.perf_counter()
    run_stage2(ctx, spec.stage2, ns)
    end = time.perf_counter()

    def rate(stage: str, started: float) -> dict:
        ts = [started, *step_times[stage]]
        w = min(args.warmup, len(ts) - 2)
        timed = ts[w:]
        return {
            "steps": len(step_times[stage]),
            "stepsPerSecond": round((len(timed) - 1) / (timed[-1] - timed[0]), 3),
            "msPerStep": round(1000 * (timed[-1] - timed[0]) / (len(timed) - 1), 2),
            "warmupSeconds": round(ts[w] - ts[0], 3),
        }

    result = {
        "benchmark": "engine",
        "model": args.model,
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)",
        "precision": str(precision.autocast_dtype or "float32"),
        "gradientCheckpointing": args.gradient_checkpointing,
        "speed": speed.describe(),
        "torch": torch.__version__,
        "resolution": components.resolution,
        "loadSeconds": round(load_s, 2),
        "stage1": rate("stage1", start1),
        "stage2": rate("stage2", start2),
        "stage1Seconds": round(start2 - start1, 2),
        "stage2Seconds": round(end - start2, 2),
        "timeToFirstCheckpointSeconds": {k: round(v, 2) for k, v in first_ckpt.items()},
        "peakMemoryBytes": torch.cuda.max_memory_allocated() if device.type == "cuda" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "peakMemoryKind": "cuda max_memory_allocated" if device.type == "cuda" else "process max RSS",
        "unetParameters": sum(p.numel() for p in components.unet.parameters()),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
