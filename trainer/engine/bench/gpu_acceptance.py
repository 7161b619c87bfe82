"""GPU acceptance benchmark (issue 18, item 3): one JSON with the engine's speed on a CUDA machine, side by
side with diffusers' `train_dreambooth.py` on the same machine, the same model folder and the same photos.

    trainer/engine/bench/gpu_acceptance.sh --model sd21-base-random --out DIR    # a CUDA machine (H100/H200)
    trainer/engine/bench/gpu_acceptance.sh --model tiny-random --out DIR         # CPU smoke test

`sd21-base-random` is Stable Diffusion 2.1 base's architecture with random weights (the engine's
`sd21_base_random_components`), written once as a diffusers folder that both the engine (through
STUDIO_SD21_BASE_DIR) and diffusers' script load offline. Sections, in priority order, each in its own
process with a hard time limit (a failure or a timeout costs that section only):

  build        environment + the model folder (the engine's builder, then save_pretrained)
  recipe       the paper's recipe as a real engine job (`python -m studio_engine train --spec`, run in-process
               by this file so the UNet can be timed and peak VRAM read): stage 1 100 steps, stage 2 400 steps,
               the engine's default samples and checkpoints (every 200 stage-2 steps: two UNet checkpoints).
               Eager stage-1/stage-2 steps/s come from this job: a CUDA event is recorded at the start of every
               UNet forward (no host sync); a step is the time between two consecutive training forwards.
  graph2       stage 2 with `speed.cudaGraph: true` (the engine's whole-step CUDA graph, static_step.py): after 3 eager
               warm-up steps the step is captured once and replayed, so the UNet's forward hooks no longer fire; its
               steps/s are the engine's own (`progress` events' stepsPerSecond, per loss flush: flush_rate), the
               first flush (warm-up + capture) and the last (cut short by the stage's end) excluded
  generation   the engine's generation path (`load_model` + `run_generation`), one 512 px image, 25 steps,
               CFG 7.5: one warm-up, then the median of 3
  diffusers    `train_dreambooth.py`, unmodified, from shared/reference/diffusers-examples (not in the repository:
               looked for in the checkout's shared/, then beside it), on the same folder
  compiled2    stage-2 steps/s with the UNet under torch.compile: by default the engine's own regional compile
               (`speed.compile: true`, speed.py: the UNet's transformer and resnet blocks); `--compile-mode
               blocks|unet|repeated` compiles from outside instead, in the same real engine job
  compiled1    the same for stage 1 (its job reuses compiled2's inductor cache, as a trainer's second job does)

The recipe job is the eager reference (`speed.compile: false` unless --spec-extra sets it); every job reports
the speed options it ran with (`sections.*.speed`, from its `stage.started` events) and the summary gives
eager vs compiled steps/s side by side (`stage{1,2}CompiledSpeedup`).

The JSON is rewritten to OUT/gpu_acceptance.json after every section and printed at the end; every child's
output goes to OUT/gpu_acceptance.log. Not a test: the goals of issue 18 are compared, nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import io
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENGINE = HERE.parent  # trainer/engine
SRC = ENGINE / "src"
REPO = ENGINE.parents[1]  # the checkout

GIB = 1024**3
SUBJECT = "backpack"
EXAMPLES = REPO / "examples" / SUBJECT  # the 5 DreamBooth photos shipped with the repository (examples/README.md)
SECTIONS = ["build", "recipe", "graph2", "generation", "diffusers", "compiled2", "compiled1"]

# Issue 18's goals (sd21-base-random, 512 px, bf16, batch 1, one H100/H200).
GOALS = {
    "stage2StepsPerSecond": (">=", 40.0, "stage 2 >= 40 steps/s"),
    "stage1StepsPerSecond": (">=", 60.0, "stage 1 >= 60 steps/s"),
    "recipeTrainingSeconds": ("<=", 20.0, "recipe training (100 + 400 steps, two checkpoints) <= 20 s"),
    "peakVramGiB": ("<=", 16.0, "peak VRAM <= 16 GiB with exact AdamW"),
    "speedupVsDiffusers": (">=", 3.0, ">= 3x diffusers' train_dreambooth.py steps/s"),
}

# Hard limits per section (seconds); each is also cut to what is left of the overall budget.
CAPS = {
    "sd21-base-random": {"build": 150, "recipe": 240, "graph2": 150, "generation": 120, "diffusers": 170, "compiled2": 260, "compiled1": 200},
    # CPU smoke test: generous, a shared 2-core machine can be several times slower than an idle one
    "tiny-random": {"build": 300, "recipe": 1200, "graph2": 900, "generation": 300, "diffusers": 900, "compiled2": 900, "compiled1": 900},
}
MIN_SECONDS = {"build": 20, "recipe": 30, "graph2": 40, "generation": 15, "diffusers": 30, "compiled2": 60, "compiled1": 60}


# ----------------------------------------------------------------------------------------------------------
# Small helpers shared by the orchestrator and the children
# ----------------------------------------------------------------------------------------------------------


def rnd(x, n=3):
    return None if x is None else round(float(x), n)


def interval_stats(intervals: list[float], warmup: int) -> dict:
    """Steady-state rate from per-step durations (seconds), the first `warmup` excluded (cuDNN heuristics,
    allocator growth, compilation). Nothing else is dropped: intervals with a sample in between never reach
    here (see Instrument.result), and the engine's own per-second loss flush is part of its real speed."""
    if not intervals:
        return {"stepsTimed": 0}
    w = min(warmup, max(len(intervals) - 1, 0))
    head, steady = intervals[:w], intervals[w:]
    total = sum(steady)
    return {
        "stepsTimed": len(steady),
        "stepsPerSecond": rnd(len(steady) / total) if total > 0 else None,
        "msPerStep": rnd(1000 * total / len(steady), 2),
        "medianMsPerStep": rnd(1000 * statistics.median(steady), 2),
        "maxMsPerStep": rnd(1000 * max(steady), 2),
        "warmupSteps": w,
        "warmupSeconds": rnd(sum(head)),
        "firstStepSeconds": rnd(intervals[0]),
    }


TQDM_RE = re.compile(r"Steps:\s*\d+%\|[^|]*\|\s*(\d+)/(\d+)\s*\[([^\]]*)\]")


def parse_tqdm(piece: str):
    """(n, total, bracket text) of a `Steps: 40%|...| 40/100 [00:05<00:07, 7.9it/s, loss=..]` update, or None."""
    m = TQDM_RE.search(piece)
    return (int(m.group(1)), int(m.group(2)), m.group(3)) if m else None


def tqdm_rate(updates: list[tuple[float, int]], skip_steps: int) -> dict:
    """steps/s between the first update at or after `skip_steps` and the last one, timed on arrival."""
    later = [(t, n) for t, n in updates if n >= skip_steps and n > 0]
    if len(later) < 2 or later[-1][1] == later[0][1]:
        return {}
    (t0, n0), (t1, n1) = later[0], later[-1]
    return {"stepsPerSecond": rnd((n1 - n0) / (t1 - t0)), "msPerStep": rnd(1000 * (t1 - t0) / (n1 - n0), 2), "fromStep": n0, "toStep": n1, "windowSeconds": rnd(t1 - t0)}


def flush_rate(events: list[tuple[float, dict]], stage: str, skip_first: int = 1) -> dict:
    """Steady steps/s from the engine's own `progress` events of `stage`. The engine reads its losses back in
    flushes (about one a second); every event of a flush carries that flush's stepsPerSecond (steps since the
    previous flush ÷ the time between them, after a host sync). The first `skip_first` flushes (warm-up, a CUDA
    graph's capture) and the last one (cut short by the stage's end) are dropped; the rest are combined as
    total steps ÷ total time. Used where the UNet's forward hooks do not fire (a replayed CUDA graph)."""
    flushes: list[list[float]] = []  # [steps, stepsPerSecond, last step]
    for _, e in events:
        if e.get("type") != "progress" or e.get("stage") != stage or not e.get("stepsPerSecond") or not isinstance(e.get("step"), int):
            continue
        if flushes and flushes[-1][1] == e["stepsPerSecond"] and e["step"] == flushes[-1][2] + 1:
            flushes[-1][0] += 1
            flushes[-1][2] = e["step"]
        else:
            flushes.append([1, e["stepsPerSecond"], e["step"]])
    steady = flushes[skip_first:-1]
    if not steady:
        return {"flushes": len(flushes), "stepsTimed": 0}
    steps = sum(f[0] for f in steady)
    seconds = sum(f[0] / f[1] for f in steady)
    return {
        "stepsPerSecond": rnd(steps / seconds),
        "msPerStep": rnd(1000 * seconds / steps, 2),
        "stepsTimed": steps,
        "flushes": len(flushes),
        "flushesUsed": len(steady),
        "fromStep": steady[0][2] - steady[0][0] + 1,
        "toStep": steady[-1][2],
    }


def evaluate_goals(summary: dict, applicable: bool) -> list[dict]:
    out = []
    for key, (op, target, text) in GOALS.items():
        value = summary.get(key)
        ok = None
        if value is not None:
            ok = value >= target if op == ">=" else value <= target
        entry = {"goal": text, "metric": key, "target": target, "value": value, "pass": ok if applicable else None}
        if not applicable:
            entry["note"] = "goals apply to sd21-base-random on a CUDA GPU; this run only checks that the script works"
        compiled = summary.get(key + "Compiled")
        if compiled is not None:
            entry["valueWithCompile"] = compiled
            entry["passWithCompile"] = (compiled >= target if op == ">=" else compiled <= target) if applicable else None
        out.append(entry)
    return out


def find_shared() -> Path | None:
    for base in (REPO / "shared", REPO.parent / "shared"):
        if (base / "reference" / "diffusers-examples").is_dir():
            return base
    return None


def source_hash() -> str:
    h = hashlib.sha256()
    for p in sorted((SRC / "studio_engine").glob("*.py")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def git_commit(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0:
            dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=10)
            return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return os.environ.get("GIT_COMMIT") or None


# ----------------------------------------------------------------------------------------------------------
# Children (each runs in its own process; they write their result as JSON to --result)
# ----------------------------------------------------------------------------------------------------------


def _cuda_peaks(torch) -> dict:
    if not torch.cuda.is_available():
        import resource

        return {"kind": "process max RSS (CPU)", "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    return {
        "kind": "torch.cuda max_memory_allocated / max_memory_reserved",
        "allocatedBytes": int(torch.cuda.max_memory_allocated()),
        "reservedBytes": int(torch.cuda.max_memory_reserved()),
        "allocatedGiB": rnd(torch.cuda.max_memory_allocated() / GIB),
        "reservedGiB": rnd(torch.cuda.max_memory_reserved() / GIB),
    }


def child_build(ns) -> dict:
    t0 = time.perf_counter()
    import diffusers
    import safetensors
    import torch
    import transformers

    versions = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchCuda": torch.version.cuda,
        "diffusers": diffusers.__version__,
        "transformers": transformers.__version__,
        "safetensors": safetensors.__version__,
    }
    for name in ("accelerate", "huggingface_hub", "tokenizers", "torchvision", "triton", "numpy"):
        try:
            versions[name] = __import__(name).__version__
        except Exception as err:  # noqa: BLE001 - report what is missing, go on
            versions[name] = f"unavailable ({type(err).__name__})"
    from studio_engine import __version__ as engine_version
    from studio_engine.models import model_dir, sd21_base_random_components
    from studio_engine.tiny import write_clip_tokenizer

    import_s = time.perf_counter() - t0
    try:  # train_dreambooth.py's default tracker; checked here so that a broken install costs no diffusers run
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401

        tensorboard = "ok"
    except Exception as err:  # noqa: BLE001
        tensorboard = f"{type(err).__name__}: {err}"[:200]
    env = {
        "tensorboardImport": tensorboard,
        "versions": versions,
        "engineVersion": engine_version,
        "importSeconds": rnd(import_s),
        "cpuCount": os.cpu_count(),
        "cudaAvailable": torch.cuda.is_available(),
    }
    if torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        env.update(
            gpu=p.name,
            gpuMemoryBytes=int(p.total_memory),
            gpuCapability=f"{p.major}.{p.minor}",
            gpuCount=torch.cuda.device_count(),
            cudnn=torch.backends.cudnn.version(),
            bf16Supported=torch.cuda.is_bf16_supported(),
        )

    t1 = time.perf_counter()
    if ns.model == "tiny-random":
        folder = model_dir("tiny-random")  # built by the engine (tiny.py) into STUDIO_CACHE_DIR
        built = {"builder": "studio_engine.models.model_dir('tiny-random') (tiny.make_tiny_model)"}
    else:
        from diffusers import DDIMScheduler

        folder = Path(ns.folder)
        if folder.exists():
            shutil.rmtree(folder)
        if torch.cuda.is_available():  # random init on the GPU: seconds instead of a minute of CPU time
            with torch.device("cuda"):
                c = sd21_base_random_components(torch.device("cuda"))
        else:
            c = sd21_base_random_components(torch.device("cpu"))
        built = {"builder": "studio_engine.models.sd21_base_random_components + save_pretrained", "buildSeconds": rnd(time.perf_counter() - t1)}
        t2 = time.perf_counter()
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        write_clip_tokenizer(tmp / "tokenizer")  # the same tokenizer files as tiny-random's folder
        c.text_encoder.save_pretrained(tmp / "text_encoder", safe_serialization=True)
        c.vae.save_pretrained(tmp / "vae", safe_serialization=True)
        c.unet.save_pretrained(tmp / "unet", safe_serialization=True)
        DDIMScheduler.from_config(c.scheduler_config).save_pretrained(tmp / "scheduler")
        (tmp / "model_index.json").write_text(
            json.dumps(
                {
                    "_class_name": "StableDiffusionPipeline",
                    "_diffusers_version": diffusers.__version__,
                    "feature_extractor": [None, None],
                    "requires_safety_checker": False,
                    "safety_checker": [None, None],
                    "scheduler": ["diffusers", "DDIMScheduler"],
                    "text_encoder": ["transformers", "CLIPTextModel"],
                    "tokenizer": ["transformers", "CLIPTokenizer"],
                    "unet": ["diffusers", "UNet2DConditionModel"],
                    "vae": ["diffusers", "AutoencoderKL"],
                },
                indent=2,
            )
        )
        tmp.rename(folder)
        built["writeSeconds"] = rnd(time.perf_counter() - t2)
        del c
    from safetensors import safe_open

    params = {}
    for sub in ("unet", "text_encoder", "vae"):
        n = 0
        for f in (Path(folder) / sub).glob("*.safetensors"):
            with safe_open(str(f), "pt") as st:
                for k in st.keys():
                    shape = st.get_slice(k).get_shape()
                    n += int(__import__("math").prod(shape))
        params[sub] = n
    size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
    return {"environment": env, "folder": str(folder), "folderBytes": size, "parameters": params, "seconds": rnd(time.perf_counter() - t1), **built}


class Instrument:
    """Times the UNet inside an unmodified engine job and (optionally) compiles its blocks.

    A global forward pre-hook (public torch API) finds the engine's UNet at its first call, then removes
    itself; from then on a pre-hook on the UNet records, at the start of every forward, the wall time and a
    CUDA event (no host sync). A forward with grad enabled and trainable UNet weights is a stage-2 step, with
    grad enabled and frozen weights a stage-1 step, without grad a sampling step. Peak VRAM is reset at
    every change of phase and kept per phase kind."""

    def __init__(self, compile_mode: str, compile_stages: set[str], log_every: int = 50) -> None:
        import torch

        self.torch = torch
        self.cuda = torch.cuda.is_available()
        self.compile_mode = compile_mode
        self.compile_stages = compile_stages
        self.calls: list[tuple[str, float, object]] = []
        self.unet = None
        self.phase: str | None = None
        self.phase_count = 0
        self.peaks: dict[str, dict] = {}
        self.compiled_modules = 0
        self.log_every = log_every
        self.t0 = time.perf_counter()
        self.handle = torch.nn.modules.module.register_module_forward_pre_hook(self._global_hook)

    def _global_hook(self, module, args):
        if self.unet is None and type(module).__name__ == "UNet2DConditionModel":
            self.unet = module
            self.handle.remove()
            module.register_forward_pre_hook(self._unet_hook)
            if self.compile_mode != "none":
                self._install_compile(module)
            self._unet_hook(module, args)  # the hook just registered is not called for this call
        return None

    def _close_phase(self) -> None:
        if self.phase is None:
            kind = "load"
        else:
            kind = self.phase
        if self.cuda:
            t = self.torch
            a, r = int(t.cuda.max_memory_allocated()), int(t.cuda.max_memory_reserved())
            p = self.peaks.setdefault(kind, {"allocatedBytes": 0, "reservedBytes": 0})
            p["allocatedBytes"] = max(p["allocatedBytes"], a)
            p["reservedBytes"] = max(p["reservedBytes"], r)
            t.cuda.reset_peak_memory_stats()

    def _unet_hook(self, module, args):
        t = self.torch
        if self.cuda and t.cuda.is_current_stream_capturing():
            return None  # the engine is capturing its step as a CUDA graph (speed.cudaGraph): nothing to time here
        if not t.is_grad_enabled():
            kind = "sample"
        else:
            kind = "stage2" if module.conv_in.weight.requires_grad else "stage1"
        if kind != self.phase:
            self._close_phase()
            self.phase, self.phase_count = kind, 0
        self.phase_count += 1
        ev = None
        if self.cuda:
            ev = t.cuda.Event(enable_timing=True)
            ev.record()
        now = time.perf_counter()
        self.calls.append((kind, now, ev))
        if kind != "sample" and (self.phase_count <= 3 or self.phase_count % self.log_every == 0):
            print(f"[instrument] {now - self.t0:8.2f}s {kind} forward #{self.phase_count}", file=sys.stderr, flush=True)
        return None

    def _install_compile(self, unet) -> None:
        torch = self.torch
        cfg = importlib.import_module("torch._dynamo").config
        for name in ("recompile_limit", "cache_size_limit"):
            if hasattr(cfg, name):
                setattr(cfg, name, max(int(getattr(cfg, name)), 64))
        if hasattr(cfg, "accumulated_recompile_limit"):
            cfg.accumulated_recompile_limit = max(int(cfg.accumulated_recompile_limit), 1024)
        elif hasattr(cfg, "accumulated_cache_size_limit"):
            cfg.accumulated_cache_size_limit = max(int(cfg.accumulated_cache_size_limit), 1024)
        if self.compile_mode == "unet":
            targets = [unet]
        elif self.compile_mode == "blocks":
            targets = [*unet.down_blocks, unet.mid_block, *unet.up_blocks]
        elif self.compile_mode == "repeated":
            names = set(getattr(unet, "_repeated_blocks", None) or ["BasicTransformerBlock"])
            targets = [m for m in unet.modules() if type(m).__name__ in names]
        else:
            raise ValueError(f"unknown compile mode {self.compile_mode}")
        inst = self

        for m in targets:
            if m is None:
                continue
            eager = m.forward
            compiled = torch.compile(eager, dynamic=False)

            def forward(*a, _eager=eager, _compiled=compiled, **k):
                # Only the training steps of the stages being measured run compiled; sampling (no grad) stays
                # eager so that no time goes into compiling graphs that are not measured.
                if torch.is_grad_enabled() and inst.phase in inst.compile_stages:
                    return _compiled(*a, **k)
                return _eager(*a, **k)

            m.forward = forward
            self.compiled_modules += 1
        print(f"[instrument] compile mode {self.compile_mode}: {self.compiled_modules} modules wrapped for stages {sorted(self.compile_stages)}", file=sys.stderr, flush=True)

    def result(self, warmup: int) -> dict:
        torch = self.torch
        if self.cuda:
            torch.cuda.synchronize()
        self._close_phase()
        stages: dict[str, dict] = {}
        for kind in ("stage1", "stage2"):
            wall: list[float] = []
            gpu: list[float] = []
            for (k0, t0, e0), (k1, t1, e1) in zip(self.calls, self.calls[1:]):
                if k0 == kind and k1 == kind:
                    wall.append(t1 - t0)
                    if e0 is not None:
                        gpu.append(e0.elapsed_time(e1) / 1000.0)
            n_calls = sum(1 for k, _, _ in self.calls if k == kind)
            if not n_calls:
                continue
            timed = gpu if gpu else wall
            s = interval_stats(timed, warmup)
            s["trainingForwards"] = n_calls
            s["timing"] = "CUDA events at each UNet forward (GPU timeline)" if gpu else "wall clock at each UNet forward"
            if gpu and wall:
                s["wallClock"] = interval_stats(wall, warmup)
            stages[kind] = s
        out: dict = {"stages": stages, "sampleForwards": sum(1 for k, _, _ in self.calls if k == "sample")}
        if self.cuda:
            out["peakVram"] = {k: {**v, "allocatedGiB": rnd(v["allocatedBytes"] / GIB), "reservedGiB": rnd(v["reservedBytes"] / GIB)} for k, v in self.peaks.items()}
            out["peakVram"]["all"] = {
                "allocatedBytes": max(v["allocatedBytes"] for v in self.peaks.values()),
                "reservedBytes": max(v["reservedBytes"] for v in self.peaks.values()),
            }
            out["peakVram"]["all"]["allocatedGiB"] = rnd(out["peakVram"]["all"]["allocatedBytes"] / GIB)
            out["peakVram"]["all"]["reservedGiB"] = rnd(out["peakVram"]["all"]["reservedBytes"] / GIB)
        else:
            out["peakMemory"] = _cuda_peaks(torch)
        engine_compiled = "torch._dynamo" in sys.modules and self.unet is not None and any(getattr(m, "_studio_compiled", False) for m in self.unet.modules())
        if self.compile_mode != "none" or engine_compiled:
            out["compile"] = {
                "mode": self.compile_mode if self.compile_mode != "none" else "engine",
                "stages": sorted(self.compile_stages),
                "modulesWrapped": self.compiled_modules if self.compile_mode != "none" else sum(1 for m in self.unet.modules() if getattr(m, "_studio_compiled", False)),
            }
            try:
                from torch._dynamo.utils import counters

                out["compile"]["dynamo"] = {
                    "uniqueGraphs": int(counters["stats"].get("unique_graphs", 0)),
                    "graphBreaks": int(sum(counters["graph_break"].values())),
                    "recompiles": int(sum(v for k, v in counters["recompiles"].items())) if "recompiles" in counters else None,
                }
            except Exception as err:  # noqa: BLE001
                out["compile"]["dynamo"] = f"unavailable: {err}"
        return out


def child_engine(ns) -> int:
    """`python -m studio_engine ARGS` in this process, with the UNet timed (and compiled if asked)."""
    import runpy

    inst = Instrument(ns.compile, set(ns.compile_stages.split(",")) if ns.compile_stages else set())
    sys.argv = ["studio_engine", *ns.rest]
    code = 0
    try:
        runpy.run_module("studio_engine", run_name="__main__", alter_sys=True)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        try:
            Path(ns.result).write_text(json.dumps(inst.result(ns.warmup)))
        except Exception:  # noqa: BLE001
            traceback.print_exc()
    return code


def child_generate(ns) -> dict:
    import torch

    from studio_engine.events import EventWriter
    from studio_engine.generation import load_model, parse_request, run_generation

    def sync():
        if torch.cuda.is_available():
            torch.cuda.synchronize()

    t0 = time.perf_counter()
    model = load_model(ns.base_model, "auto")
    sync()
    load_s = time.perf_counter() - t0
    req = parse_request({"prompt": f"a photo of a {SUBJECT}", "steps": ns.steps, "guidanceScale": 7.5, "seed": 0})
    out = Path(ns.images)

    def once() -> float:
        sync()
        t = time.perf_counter()
        run_generation(model, req, out, EventWriter(io.StringIO()))
        sync()
        return time.perf_counter() - t

    warm = once()
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    runs = [once() for _ in range(ns.repeat)]
    return {
        "path": "studio_engine.generation.load_model + run_generation (the `generate` command's path, warm)",
        "resolution": model.components.resolution,
        "steps": ns.steps,
        "guidanceScale": 7.5,
        "cfg": True,
        "precision": str(model.precision.autocast_dtype or "float32"),
        "loadSeconds": rnd(load_s),
        "warmupSeconds": rnd(warm),
        "runsSeconds": [rnd(r) for r in runs],
        "medianSeconds": rnd(statistics.median(runs)),
        "peakMemory": _cuda_peaks(torch),
    }


def child_script(ns) -> int:
    """Runs an unmodified script as `__main__` (what `python3 SCRIPT ARGS` does), then reports peak memory."""
    import runpy

    import torch

    script = ns.rest[0]
    sys.argv = list(ns.rest)
    sys.path.insert(0, str(Path(script).resolve().parent))
    code = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        code = 1
    finally:
        Path(ns.result).write_text(json.dumps({"peakMemory": _cuda_peaks(torch)}))
    return code


def child_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="gpu_acceptance.py child")
    ap.add_argument("kind", choices=["_build", "_engine", "_generate", "_script"])
    ap.add_argument("--result", required=True)
    ap.add_argument("--model", default="tiny-random")
    ap.add_argument("--folder", default="")
    ap.add_argument("--base-model", default="tiny-random")
    ap.add_argument("--images", default="")
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--compile", default="none")
    ap.add_argument("--compile-stages", default="")
    ap.add_argument("--warmup", type=int, default=5)
    cut = argv.index("--") if "--" in argv else len(argv)
    ns = ap.parse_args(argv[:cut])
    ns.rest = argv[cut + 1 :]
    if ns.kind == "_engine":
        return child_engine(ns)
    if ns.kind == "_script":
        return child_script(ns)
    result = child_build(ns) if ns.kind == "_build" else child_generate(ns)
    Path(ns.result).write_text(json.dumps(result))
    return 0


# ----------------------------------------------------------------------------------------------------------
# Orchestrator
# ----------------------------------------------------------------------------------------------------------


class Log:
    LIMIT = 15 * 1024 * 1024  # what comes back from the GPU machine is capped; keep the log under it

    def __init__(self, path: Path) -> None:
        self.f = path.open("w", encoding="utf-8")
        self.t0 = time.perf_counter()
        self.size = 0
        self.lock = threading.Lock()

    def write(self, tag: str, text: str) -> None:
        line = f"{time.perf_counter() - self.t0:8.2f} [{tag}] {text.rstrip()}\n"
        with self.lock:
            if self.size + len(line) > self.LIMIT:
                return
            self.size += len(line)
            self.f.write(line)
            self.f.flush()

    def say(self, text: str) -> None:
        self.write("main", text)
        print(f"[gpu-acceptance {time.perf_counter() - self.t0:6.1f}s] {text}", file=sys.stderr, flush=True)


RUNNING: set[int] = set()  # process groups of the children now running


def stop_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM to the child's process group (the engine finishes its step and exits), SIGKILL after `grace` s."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class Interrupted(BaseException):
    pass


def _on_signal(signum, frame):  # noqa: ARG001
    raise Interrupted(f"signal {signum}")


def run_child(log: Log, tag: str, cmd: list[str], timeout: float, env: dict, cwd: Path, on_stdout=None, on_stderr=None) -> dict:
    """Runs a command in its own process group with a hard timeout (SIGTERM, then SIGKILL after 15 s).
    stdout is read line by line, stderr in chunks split on CR/LF (tqdm); both are logged with timestamps."""
    log.write(tag, "$ " + " ".join(cmd))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(cwd), start_new_session=True)
    RUNNING.add(proc.pid)
    tail: list[str] = []

    def read_out() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            t = time.perf_counter()
            line = raw.decode("utf-8", "replace").rstrip("\n")
            log.write(tag + ":out", line)
            if on_stdout:
                try:
                    on_stdout(line, t)
                except Exception:  # noqa: BLE001
                    log.write(tag, "stdout handler failed: " + traceback.format_exc())

    def read_err() -> None:
        assert proc.stderr is not None
        fd = proc.stderr.fileno()
        buf = ""
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            t = time.perf_counter()
            buf += chunk.decode("utf-8", "replace")
            pieces = re.split(r"[\r\n]", buf)
            buf = pieces.pop()
            for piece in pieces:
                if not piece.strip():
                    continue
                log.write(tag + ":err", piece)
                tail.append(piece)
                del tail[:-30]
                if on_stderr:
                    try:
                        on_stderr(piece, t)
                    except Exception:  # noqa: BLE001
                        log.write(tag, "stderr handler failed: " + traceback.format_exc())
        if buf.strip():
            log.write(tag + ":err", buf)
            tail.append(buf)

    threads = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    for th in threads:
        th.start()
    timed_out = False
    try:
        proc.wait(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:
        timed_out = True
        log.say(f"{tag}: time limit of {timeout:.0f} s reached; stopping it (SIGTERM, then SIGKILL)")
        stop_group(proc, grace=15)
    finally:
        if proc.poll() is None:  # interrupted (SIGTERM/SIGINT to this script): take the child down too
            stop_group(proc, grace=5)
        RUNNING.discard(proc.pid)
    for th in threads:
        th.join(timeout=10)
    seconds = time.perf_counter() - start
    log.write(tag, f"exit code {proc.returncode} after {seconds:.1f} s{' (timed out)' if timed_out else ''}")
    return {"rc": proc.returncode, "timedOut": timed_out, "seconds": rnd(seconds, 2), "stderrTail": tail[-12:], "start": start}


class Acceptance:
    def __init__(self, args) -> None:
        self.a = args
        self.out = Path(args.out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.log = Log(self.out / "gpu_acceptance.log")
        self.json_path = self.out / "gpu_acceptance.json"
        self.t0 = time.perf_counter()
        self.deadline = self.t0 + args.budget
        self.work = Path(args.work).resolve() if args.work else Path(os.environ.get("TMPDIR", "/tmp")) / f"gpu-acceptance-{os.getpid()}"
        self.work.mkdir(parents=True, exist_ok=True)
        self.python = sys.executable
        self.gpu_model = args.model == "sd21-base-random"
        self.report: dict = {
            "benchmark": "gpu-acceptance",
            "issue": 18,
            "model": args.model,
            "resolution": 512 if self.gpu_model else 64,
            "batchSize": 1,
            "precision": "bf16 autocast on CUDA (fp32 master weights, exact AdamW); float32 on CPU",
            "budgetSeconds": args.budget,
            "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "environment": {},
            "sections": {},
            "summary": {},
            "goals": [],
            "method": {},
        }
        self.folder: Path | None = None
        self.base_model = "stable-diffusion-2-1-base" if self.gpu_model else "tiny-random"
        self.caps = CAPS[args.model]

    # -- plumbing ------------------------------------------------------------------------------------------
    def env(self) -> dict:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(SRC), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
        env.update(
            PYTHONUNBUFFERED="1",
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            HF_DATASETS_OFFLINE="1",
            TOKENIZERS_PARALLELISM="false",
            HF_HOME=str(self.work / "hf-home"),
            STUDIO_CACHE_DIR=str(self.work / "studio-cache"),
            TORCHINDUCTOR_CACHE_DIR=str(self.work / "inductor-cache"),
            TRITON_CACHE_DIR=str(self.work / "triton-cache"),
            MPLCONFIGDIR=str(self.work / "mpl"),
        )
        env.pop("STUDIO_PARENT_PID", None)
        if self.folder is not None and self.gpu_model:
            env["STUDIO_SD21_BASE_DIR"] = str(self.folder)
        return env

    def save(self) -> None:
        self.report["wallSeconds"] = rnd(time.perf_counter() - self.t0, 1)
        tmp = self.json_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.report, indent=1))
        tmp.replace(self.json_path)

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def section(self, name: str, fn) -> None:
        if name not in self.a.sections:
            self.report["sections"][name] = {"status": "skipped", "reason": "not in --sections"}
            self.save()
            return
        limit = min(self.caps[name], self.left())
        if limit < MIN_SECONDS[name]:
            self.report["sections"][name] = {"status": "skipped", "reason": f"budget: {self.left():.0f} s left of {self.a.budget} s"}
            self.log.say(f"{name}: skipped, {self.left():.0f} s left")
            self.save()
            return
        self.log.say(f"{name}: starting (limit {limit:.0f} s)")
        started = time.perf_counter()
        try:
            result = fn(limit)
            result.setdefault("status", "ok")
        except Exception as err:  # noqa: BLE001 - one section's failure must not lose the others
            self.log.write(name, traceback.format_exc())
            result = {"status": "failed", "error": f"{type(err).__name__}: {err}"}
        result["sectionSeconds"] = rnd(time.perf_counter() - started, 1)
        self.report["sections"][name] = result
        self.log.say(f"{name}: {result['status']} in {result['sectionSeconds']} s")
        self.summarize()
        self.save()

    def child(self, tag: str, kind: str, args: list[str], limit: float, rest: list[str] | None = None, **kw) -> tuple[dict, dict | None]:
        result_file = self.work / f"{tag}.result.json"
        result_file.unlink(missing_ok=True)
        cmd = [self.python, str(Path(__file__).resolve()), kind, "--result", str(result_file), *args]
        if rest is not None:
            cmd += ["--", *rest]
        run = run_child(self.log, tag, cmd, limit, self.env(), self.work, **kw)
        data = json.loads(result_file.read_text()) if result_file.exists() else None
        return run, data

    @staticmethod
    def status_of(run: dict, data) -> dict:
        if run["timedOut"]:
            return {"status": "timeout", "error": f"hit the section's time limit after {run['seconds']} s", "stderrTail": run["stderrTail"]}
        if run["rc"] != 0 or data is None:
            return {"status": "failed", "error": f"exit code {run['rc']}", "stderrTail": run["stderrTail"]}
        return {"status": "ok"}

    # -- inputs --------------------------------------------------------------------------------------------
    def inputs(self) -> tuple[list[str], Path | None]:
        shared = find_shared()  # only the diffusers section needs it (train_dreambooth.py)
        photos = sorted(EXAMPLES.glob("*.jpg"))[: self.a.photos]
        if not photos:
            raise FileNotFoundError(f"no photos in {EXAMPLES}")
        inst = self.work / "instance-images"  # train_dreambooth reads every file of a folder: give it exactly these
        shutil.rmtree(inst, ignore_errors=True)
        inst.mkdir(parents=True)
        for p in photos:
            shutil.copy2(p, inst / p.name)
        return [str(inst / p.name) for p in photos], shared

    # -- sections ------------------------------------------------------------------------------------------
    def s_build(self, limit: float) -> dict:
        folder = self.work / "sd21-base-random"
        run, data = self.child("build", "_build", ["--model", self.a.model, "--folder", str(folder)], limit)
        res = self.status_of(run, data)
        if data:
            self.report["environment"].update(data.pop("environment"))
            self.folder = Path(data["folder"])
            res.update(data)
        return res

    def engine_job(
        self,
        tag: str,
        limit: float,
        stage1: int,
        stage2: int,
        compile_mode: str = "none",
        compile_stages: str = "",
        extra: dict | None = None,
        warmup: int = 5,
        engine_compile: bool = False,
    ) -> dict:
        out_dir = self.work / f"{tag}-out"
        shutil.rmtree(out_dir, ignore_errors=True)
        images, _ = self.inputs()
        spec = {
            "v": 1,
            "jobId": f"gpu-acceptance-{tag}",
            "method": "TWO_STAGE",
            "baseModel": self.base_model,
            "classNoun": SUBJECT,
            "images": images,
            "outputDir": str(out_dir),
            "stage1": {"steps": stage1},
            "stage2": {"steps": stage2},
        }
        if stage2 < 200:
            spec["stage2"]["checkpointEvery"] = stage2
        if self.gpu_model:
            spec["precision"] = {"mixed": "bf16"}
            spec["device"] = "cuda"
        # eager unless this is the engine-compiled job (an explicit --spec-extra / --compiled-spec-extra speed.compile wins)
        spec["speed"] = {"compile": engine_compile}
        for k, v in {**self.a.spec_extra, **(extra or {})}.items():
            spec[k] = {**spec[k], **v} if isinstance(v, dict) and isinstance(spec.get(k), dict) else v
        spec_path = self.work / f"{tag}.spec.json"
        spec_path.write_text(json.dumps(spec, indent=1))
        events: list[tuple[float, dict]] = []

        def on_stdout(line: str, t: float) -> None:
            if line.startswith("{"):
                events.append((t, json.loads(line)))

        run, data = self.child(
            tag,
            "_engine",
            ["--compile", compile_mode, "--compile-stages", compile_stages, "--warmup", str(warmup)],
            limit,
            rest=["train", "--spec", str(spec_path)],
            on_stdout=on_stdout,
        )
        res = self.status_of(run, data)
        res["spec"] = {k: v for k, v in spec.items() if k not in ("images", "outputDir")}
        res["imageCount"] = len(images)
        res["events"] = self.event_breakdown(run["start"], events, run)
        res["speed"] = {e["stage"]: e["speed"] for _, e in events if e.get("type") == "stage.started" and "speed" in e}
        errors = [e for _, e in events if e.get("type") == "error"]
        if errors:
            if res["status"] == "ok":
                res["status"] = "failed"
            res["engineError"] = f"{errors[-1].get('code')}: {errors[-1].get('message')}"
        if data:
            res["instrument"] = data
        shutil.rmtree(out_dir, ignore_errors=True)
        return res

    @staticmethod
    def event_breakdown(spawn: float, events: list[tuple[float, dict]], run: dict) -> dict:
        """Times between the engine's NDJSON events, taken on arrival (stdout is flushed per event)."""

        def first(pred):
            return next((t for t, e in events if pred(e)), None)

        ready = first(lambda e: e["type"] == "ready")
        s1 = first(lambda e: e["type"] == "stage.started" and e.get("stage") == "stage1")
        s2 = first(lambda e: e["type"] == "stage.started" and e.get("stage") == "stage2")
        done = first(lambda e: e["type"] == "completed")
        out: dict = {"count": len(events)}
        if ready is not None:
            out["processStartToReadySeconds"] = rnd(ready - spawn)
        if ready is not None and s1 is not None:
            out["readyToStage1Seconds"] = rnd(s1 - ready)
            out["readyToStage1Is"] = "loading the model, encoding the photos' latents, adding the token"
        if s1 is not None and s2 is not None:
            out["stage1Seconds"] = rnd(s2 - s1)
        if s2 is not None and done is not None:
            out["stage2Seconds"] = rnd(done - s2)
        if s1 is not None and done is not None:
            out["trainingSeconds"] = rnd(done - s1)
        out["endToEndSeconds"] = rnd(run["seconds"])
        # Samples and checkpoints: the gap before each sample.saved / checkpoint.saved event (the event before it
        # is the flushed progress of the step just finished, or the previous save). Heartbeats are ignored.
        samples, ckpts = [], []
        prev = None
        for t, e in events:
            if e["type"] == "heartbeat":
                continue
            if prev is not None and e["type"] == "sample.saved":
                samples.append(t - prev)
            if prev is not None and e["type"] == "checkpoint.saved":
                ckpts.append({"stage": e.get("stage"), "step": e.get("step"), "bytes": e.get("bytes"), "seconds": rnd(t - prev)})
            prev = t
        out["samples"] = {"count": len(samples), "seconds": rnd(sum(samples))}
        out["checkpoints"] = ckpts
        out["checkpointSeconds"] = rnd(sum(c["seconds"] for c in ckpts))
        if "trainingSeconds" in out:
            out["trainingStepsSeconds"] = rnd(out["trainingSeconds"] - out["samples"]["seconds"] - out["checkpointSeconds"])
        rates = {}
        for st in ("stage1", "stage2"):
            r = [e.get("stepsPerSecond") for _, e in events if e["type"] == "progress" and e.get("stage") == st and e.get("stepsPerSecond")]
            if r:
                rates[st] = rnd(statistics.median(r))
        out["engineReportedStepsPerSecondMedian"] = rates
        out["engineSteadyRate"] = {st: flush_rate(events, st) for st in ("stage1", "stage2") if st in rates}
        return out

    def s_recipe(self, limit: float) -> dict:
        res = self.engine_job("recipe", limit, self.a.recipe_stage1, self.a.recipe_stage2, warmup=self.a.warmup)
        res["what"] = (
            f"`python -m studio_engine train --spec` (run in-process by gpu_acceptance.py _engine) on the paper's recipe: stage 1 "
            f"{self.a.recipe_stage1} steps, stage 2 {self.a.recipe_stage2} steps, the engine's default samples (25 steps, CFG) and "
            "checkpoints (stage-2 UNet every 200 steps)"
        )
        return res

    def s_graph(self, limit: float) -> dict:
        steps = self.a.graph_steps
        speed = {**self.a.spec_extra.get("speed", {}), "cudaGraph": True}
        extra = {"samples": {"every": steps, "steps": 1}, "speed": speed}
        res = self.engine_job("graph2", limit, 1, steps, extra=extra, warmup=self.a.compile_warmup)
        res["what"] = (
            f"stage 2, {steps} steps, with speed.cudaGraph: true (stage 1: 1 step, eager) in a real engine job; steps/s from the "
            "engine's progress events (flush_rate): the first loss flush (3 eager warm-up steps + the capture) and the last are excluded"
        )
        rate = res.get("events", {}).get("engineSteadyRate", {}).get("stage2", {})
        res["stepsPerSecond"] = rate.get("stepsPerSecond")
        graph = res.get("speed", {}).get("stage2", {})
        res["graphOn"] = graph.get("cudaGraph")
        if graph.get("cudaGraphOff"):
            res["graphOff"] = graph["cudaGraphOff"]
        return res

    def s_compiled(self, stage: str, limit: float) -> dict:
        mode = self.a.compile_mode
        steps = self.a.compile_steps
        if stage == "stage2":
            s1, s2 = 1, steps
        else:
            s1, s2 = steps, 1
        # Samples only where a stage ends (the engine always samples there), with 1 step: they run eager and are not measured.
        extra = {"samples": {"every": max(s1, s2), "steps": 1}, **self.a.compiled_spec_extra}
        external = mode not in ("engine", "none")
        res = self.engine_job(
            "compiled" + stage[-1],
            limit,
            s1,
            s2,
            compile_mode=mode if external else "none",
            compile_stages=stage if external else "",
            extra=extra,
            warmup=self.a.compile_warmup,
            engine_compile=mode == "engine",
        )
        res["what"] = (
            f"{stage} steps/s with the UNet under torch.compile (mode '{mode}': "
            + {
                "engine": "the engine's regional compile, speed.compile (the UNet's repeated blocks; both stages of the job)",
                "blocks": "each down/mid/up block compiled separately",
                "unet": "the whole UNet",
                "repeated": "diffusers' repeated blocks",
                "none": "no external compile; --compiled-spec-extra",
            }[mode]
            + f", dynamic=False) in a real engine job; the first {self.a.compile_warmup} steps (compilation) are excluded from steps/s, "
            "compileSeconds = their time minus as many steady steps"
        )
        st = res.get("instrument", {}).get("stages", {}).get(stage)
        if st and st.get("msPerStep") is not None:
            res["compileSeconds"] = rnd(st["warmupSeconds"] - st["warmupSteps"] * st["msPerStep"] / 1000, 2)
            wall = st.get("wallClock", st)
            res["compileSecondsWall"] = rnd(wall["warmupSeconds"] - wall["warmupSteps"] * wall["msPerStep"] / 1000, 2) if wall.get("msPerStep") else None
        return res

    def s_generation(self, limit: float) -> dict:
        images = self.work / "generated"
        run, data = self.child("generation", "_generate", ["--base-model", self.base_model, "--images", str(images), "--steps", "25", "--repeat", "3"], limit)
        res = self.status_of(run, data)
        if data:
            res.update(data)
        shutil.rmtree(images, ignore_errors=True)
        return res

    def s_diffusers(self, limit: float) -> dict:
        images, shared = self.inputs()
        if shared is None:
            raise FileNotFoundError("no shared/reference/diffusers-examples (diffusers' examples/dreambooth) in the checkout or next to it")
        script = shared / "reference" / "diffusers-examples" / "train_dreambooth.py"
        if not script.exists():
            raise FileNotFoundError(f"{script} not found")
        if self.folder is None:
            raise RuntimeError("no model folder (the build section failed)")
        out_dir = self.work / "dreambooth-out"
        shutil.rmtree(out_dir, ignore_errors=True)
        import importlib.util

        # Its default tracker (tensorboard) when it imports; otherwise a tracker that is not installed, which
        # accelerate skips, so nothing is tracked (`all` would still pick a broken tensorboard).
        tb = self.report["environment"].get("tensorboardImport")
        if tb == "ok":
            report_to, why = "tensorboard", "train_dreambooth.py's default"
        else:
            report_to = next((n for n in ("comet_ml", "clearml", "dvclive", "swanlab", "aim") if importlib.util.find_spec(n) is None), "all")
            why = f"tensorboard unusable ({tb}); {report_to} is not installed, so accelerate tracks nothing"
        steps = self.a.diffusers_steps
        script_args = [
            str(script),
            "--pretrained_model_name_or_path",
            str(self.folder),
            "--instance_data_dir",
            str(Path(images[0]).parent),
            "--instance_prompt",
            f"a photo of sks {SUBJECT}",
            "--output_dir",
            str(out_dir),
            "--resolution",
            str(self.report["resolution"]),
            "--train_batch_size",
            "1",
            "--gradient_accumulation_steps",
            "1",
            "--learning_rate",
            "5e-6",
            "--lr_scheduler",
            "constant",
            "--lr_warmup_steps",
            "0",
            "--max_train_steps",
            str(steps),
            "--checkpointing_steps",
            "100000",
            "--mixed_precision",
            "bf16" if self.gpu_model else "no",
            "--seed",
            "0",
            "--report_to",
            report_to,
        ]
        if self.gpu_model:
            script_args.append("--allow_tf32")
        updates: list[tuple[float, int]] = []
        last_text = {"text": None}

        def on_stderr(piece: str, t: float) -> None:
            m = parse_tqdm(piece)
            if m:
                updates.append((t, m[0]))
                last_text["text"] = piece.strip()[-160:]

        run, data = self.child("diffusers", "_script", [], limit, rest=script_args, on_stderr=on_stderr)
        res = self.status_of(run, data)
        if res["status"] != "ok" and updates and updates[-1][1] >= steps - 1:
            res["status"] = "ok"  # the steps were all timed; only the final pipeline save did not finish
            res["note"] = "stopped after its training steps (during the final save_pretrained)"
        skip = min(self.a.diffusers_warmup, max(steps // 4, 1))
        rate = tqdm_rate(updates, skip)
        res.update(
            {
                "script": str(script.relative_to(shared.parent)) if shared.parent in script.parents else str(script),
                "arguments": [a if not a.startswith(str(self.work)) else a.replace(str(self.work), "$WORK") for a in script_args[1:]],
                "how": (
                    "train_dreambooth.py run unmodified as __main__ (runpy.run_path, which is what `python3 train_dreambooth.py ARGS` does; "
                    "this only lets peak VRAM be read at exit). steps/s = (n_last - n_first) / (t_last - t_first) over its tqdm "
                    f"'Steps' updates on stderr, timed on arrival, from step {skip} on (so model loading, accelerate.prepare and the "
                    "first steps are excluded; the final pipeline save comes after the last update)."
                ),
                "steps": steps,
                "reportTo": f"{report_to}: {why}",
                "tqdmUpdates": len(updates),
                "lastTqdm": last_text["text"],
                **rate,
            }
        )
        if updates:
            res["spawnToFirstStepSeconds"] = rnd(next((t for t, n in updates if n >= 1), updates[0][0]) - run["start"])
            res["spawnToLastStepSeconds"] = rnd(updates[-1][0] - run["start"])
        if data:
            res["peakMemory"] = data["peakMemory"]
        if not rate and res["status"] == "ok":
            res["status"] = "failed"
            res["error"] = "no tqdm step updates could be parsed"
        shutil.rmtree(out_dir, ignore_errors=True)
        return res

    # -- summary -------------------------------------------------------------------------------------------
    def summarize(self) -> None:
        S = self.report["sections"]
        s: dict = {}

        def stage_rate(sec: str, stage: str):
            return S.get(sec, {}).get("instrument", {}).get("stages", {}).get(stage, {}).get("stepsPerSecond")

        recipe = S.get("recipe", {})
        s["stage1StepsPerSecond"] = stage_rate("recipe", "stage1")
        s["stage2StepsPerSecond"] = stage_rate("recipe", "stage2")
        s["stage1StepsPerSecondCompiled"] = stage_rate("compiled1", "stage1")
        s["stage2StepsPerSecondCompiled"] = stage_rate("compiled2", "stage2")
        s["compileSeconds"] = {"stage1": S.get("compiled1", {}).get("compileSeconds"), "stage2": S.get("compiled2", {}).get("compileSeconds")}
        for st in ("stage1", "stage2"):
            eager, comp = s[f"{st}StepsPerSecond"], s[f"{st}StepsPerSecondCompiled"]
            s[f"{st}CompiledSpeedup"] = rnd(comp / eager, 2) if eager and comp else None
        s["speedOptions"] = {
            "eager": S.get("recipe", {}).get("speed", {}).get("stage2"),
            "compiled": S.get("compiled2", {}).get("speed", {}).get("stage2"),
            "graph": S.get("graph2", {}).get("speed", {}).get("stage2"),
        }
        g2 = S.get("graph2", {})
        s["stage2StepsPerSecondGraph"] = g2.get("stepsPerSecond") if g2.get("graphOn") else None
        s["stage2GraphSpeedup"] = rnd(s["stage2StepsPerSecondGraph"] / s["stage2StepsPerSecond"], 2) if s["stage2StepsPerSecondGraph"] and s["stage2StepsPerSecond"] else None
        s["stage2GraphSpeedupIs"] = "graph2's engine-reported steady steps/s (flush_rate) over the recipe's eager steps/s (UNet forward events)"
        ev = recipe.get("events", {})
        if recipe.get("status") == "ok":
            s["recipeTrainingSeconds"] = ev.get("trainingSeconds")
            s["recipeEndToEndSeconds"] = ev.get("endToEndSeconds")
        peaks = {}
        for sec in ("recipe", "compiled1", "compiled2"):
            pv = S.get(sec, {}).get("instrument", {}).get("peakVram")
            if pv:
                peaks[sec] = {k: {"allocatedGiB": v["allocatedGiB"], "reservedGiB": v["reservedGiB"]} for k, v in pv.items()}
        for sec in ("generation", "diffusers"):
            pm = S.get(sec, {}).get("peakMemory")
            if pm and "reservedGiB" in pm:
                peaks[sec] = {"allocatedGiB": pm["allocatedGiB"], "reservedGiB": pm["reservedGiB"]}
        s["peakVram"] = peaks
        rp = S.get("recipe", {}).get("instrument", {}).get("peakVram", {}).get("all")
        s["peakVramGiB"] = rp["reservedGiB"] if rp else None
        s["peakVramBasis"] = "recipe job, torch.cuda.max_memory_reserved (allocated is lower; the CUDA context is not counted)"
        rc = S.get("compiled2", {}).get("instrument", {}).get("peakVram", {}).get("all")
        s["peakVramGiBCompiled"] = rc["reservedGiB"] if rc else None
        gen = S.get("generation", {})
        s["generationLatencySeconds"] = gen.get("medianSeconds")
        db = S.get("diffusers", {})
        s["diffusersStepsPerSecond"] = db.get("stepsPerSecond") if db.get("status") == "ok" else None
        if s["diffusersStepsPerSecond"] and s["stage2StepsPerSecond"]:
            s["speedupVsDiffusers"] = rnd(s["stage2StepsPerSecond"] / s["diffusersStepsPerSecond"], 2)
        if s["diffusersStepsPerSecond"] and s["stage2StepsPerSecondCompiled"]:
            s["speedupVsDiffusersCompiled"] = rnd(s["stage2StepsPerSecondCompiled"] / s["diffusersStepsPerSecond"], 2)
        # What the recipe would take with compiled steps (compiled artifacts cached, no compile time): the recipe's
        # measured time with each stage's steps re-priced at the compiled rate.
        if s.get("recipeTrainingSeconds") and s["stage2StepsPerSecond"] and s["stage2StepsPerSecondCompiled"]:
            c1 = s["stage1StepsPerSecondCompiled"] or s["stage1StepsPerSecond"]
            t = s["recipeTrainingSeconds"] - self.a.recipe_stage2 * (1 / s["stage2StepsPerSecond"] - 1 / s["stage2StepsPerSecondCompiled"])
            if c1 and s["stage1StepsPerSecond"]:
                t -= self.a.recipe_stage1 * (1 / s["stage1StepsPerSecond"] - 1 / c1)
            s["recipeTrainingSecondsCompiled"] = rnd(t, 2)
            s["recipeTrainingSecondsCompiledIs"] = "projection: recipe time with steps re-priced at the compiled rates, compile time excluded"
        self.report["summary"] = s
        self.report["goals"] = evaluate_goals(s, applicable=self.gpu_model and bool(self.report["environment"].get("cudaAvailable")))

    def run(self) -> dict:
        self.log.say(f"model {self.a.model}, budget {self.a.budget} s, work {self.work}, out {self.out}")
        env = self.report["environment"]
        env.update(
            engineCommit=git_commit(self.a.commit),
            engineSourceHash=source_hash(),
            hostname=platform.node(),
            machine=platform.machine(),
            carriedWheels=sorted(p.name for p in (REPO / ".whl").glob("*.whl")) if (REPO / ".whl").is_dir() else [],
        )
        try:
            smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
            if smi.returncode == 0:
                env["nvidiaSmi"] = smi.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
        shared = find_shared()
        env["shared"] = str(shared) if shared else None
        self.report["method"] = {
            "stepsPerSecond": (
                "eager figures come from the recipe job, compiled ones from the compiled jobs: a CUDA event is recorded at the start "
                "of every UNet forward; a step is the GPU time between two consecutive training forwards of the same stage; "
                "warm-up steps and the intervals with sampling in between (where the checkpoints are saved too) are excluded"
            ),
            "peakVram": "torch.cuda.max_memory_allocated / max_memory_reserved in each job's process, reset at every phase (load, stage1, stage2, sample)",
            "recipeTrainingSeconds": "from the stage1 `stage.started` event to the `completed` event (samples and checkpoints included); endToEnd adds process start, imports and model load",
            "diffusers": "see sections.diffusers.how",
        }
        self.save()
        self.section("build", self.s_build)
        if self.folder is None:
            for name in SECTIONS[1:]:
                self.report["sections"][name] = {"status": "skipped", "reason": "no model folder (build failed)"}
        else:
            self.section("recipe", self.s_recipe)
            self.section("graph2", self.s_graph)
            self.section("generation", self.s_generation)
            self.section("diffusers", self.s_diffusers)
            if self.a.compile_mode != "none" or self.a.compiled_spec_extra:
                self.section("compiled2", lambda lim: self.s_compiled("stage2", lim))
                self.section("compiled1", lambda lim: self.s_compiled("stage1", lim))
            else:
                for name in ("compiled2", "compiled1"):
                    self.report["sections"][name] = {"status": "skipped", "reason": "--compile-mode none"}
        self.report["finishedAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.summarize()
        self.save()
        if not self.a.keep_work:
            shutil.rmtree(self.work, ignore_errors=True)
        return self.report


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("_"):
        return child_main(argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="tiny-random", choices=["sd21-base-random", "tiny-random"])
    ap.add_argument("--out", required=True, help="folder for gpu_acceptance.json and gpu_acceptance.log")
    ap.add_argument("--work", default=None, help="scratch folder for the model, checkpoints and outputs (default: $TMPDIR/gpu-acceptance-PID, removed at the end)")
    ap.add_argument("--keep-work", action="store_true")
    ap.add_argument("--budget", type=float, default=None, help="overall seconds for all sections, each also capped (default 450 for sd21-base-random, 3600 for tiny-random)")
    ap.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    ap.add_argument("--photos", type=int, default=5)
    ap.add_argument("--recipe-stage1", type=int, default=100)
    ap.add_argument("--recipe-stage2", type=int, default=400)
    ap.add_argument("--warmup", type=int, default=5, help="eager steps per stage excluded from steps/s")
    ap.add_argument("--diffusers-steps", type=int, default=80)
    ap.add_argument("--diffusers-warmup", type=int, default=10)
    ap.add_argument(
        "--compile-mode",
        default="engine",
        choices=["engine", "blocks", "unet", "repeated", "none"],
        help="engine (default): the engine's speed.compile; blocks|unet|repeated: compiled from outside the engine; none: no compiled jobs",
    )
    ap.add_argument("--compile-steps", type=int, default=40)
    ap.add_argument("--graph-steps", type=int, default=200, help="stage-2 steps of the graph2 job (speed.cudaGraph: true)")
    ap.add_argument("--compile-warmup", type=int, default=3)
    ap.add_argument("--spec-extra", default="{}", help="JSON merged into every engine job spec (e.g. engine options added later)")
    ap.add_argument("--compiled-spec-extra", default="{}", help="JSON merged into the compiled jobs' specs (e.g. an engine compile switch)")
    ap.add_argument("--commit", default=None, help="the engine's git commit, when the checkout has no .git")
    args = ap.parse_args(argv)
    if args.budget is None:
        args.budget = 450.0 if args.model == "sd21-base-random" else 3600.0
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections: {', '.join(sorted(unknown))}")
    args.spec_extra = json.loads(args.spec_extra)
    args.compiled_spec_extra = json.loads(args.compiled_spec_extra)
    acc = Acceptance(args)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        report = acc.run()
    except (Exception, KeyboardInterrupt, Interrupted):  # noqa: BLE001 - still print what was measured
        acc.log.write("main", traceback.format_exc())
        report = acc.report
        report["error"] = traceback.format_exc(limit=3)
        acc.save()
    print(json.dumps(report, indent=1))
    s = report.get("summary", {})
    brief = {
        k: s.get(k)
        for k in (
            "stage1StepsPerSecond",
            "stage2StepsPerSecond",
            "stage1StepsPerSecondCompiled",
            "stage2StepsPerSecondCompiled",
            "stage1CompiledSpeedup",
            "stage2CompiledSpeedup",
            "stage2StepsPerSecondGraph",
            "stage2GraphSpeedup",
            "compileSeconds",
            "recipeTrainingSeconds",
            "peakVramGiB",
            "generationLatencySeconds",
            "diffusersStepsPerSecond",
            "speedupVsDiffusers",
        )
    }
    brief["sections"] = {k: v.get("status") for k, v in report.get("sections", {}).items()}
    brief["goals"] = {g["metric"]: g["pass"] for g in report.get("goals", [])}
    print("GPU_ACCEPTANCE_SUMMARY " + json.dumps(brief, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
