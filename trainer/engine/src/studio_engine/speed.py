"""Engine speed options (issue 18): what each one does, its default, and where it can be set.

| option         | what it does                                                                  | default            |
|----------------|-------------------------------------------------------------------------------|--------------------|
| `fusedAdam`    | AdamW as one fused kernel (`torch.optim.AdamW(fused=True)`) instead of        | on where this torch|
|                | `foreach`; master weights and moments stay float32                            | has it (CUDA, CPU) |
| `channelsLast` | the UNet's weights (hence its convolutions) in channels-last memory format    | on with cudaGraph  |
| `tf32`         | TF32 matmuls and cuDNN convolutions for what runs in float32 (CUDA only)      | on on CUDA with    |
|                |                                                                               | bf16/fp16 autocast |
| `attention`    | `sdpa`: torch's scaled_dot_product_attention (flash / memory-efficient        | `sdpa`             |
|                | kernels on CUDA; diffusers' own default, AttnProcessor2_0); `classic`:        |                    |
|                | diffusers' AttnProcessor (explicit matmul + softmax)                          |                    |
| `compile`      | `torch.compile` of the UNet's repeated blocks (regional), training steps only | off (measured:     |
|                | (sampling stays eager); compiled artifacts cached between jobs                | +12 %, 90 s cold)  |
| `compileBlocks`| the block classes compiled                                                    | BasicTransformer-  |
|                |                                                                               | Block, ResnetBlock2D|
| `cudaGraph`    | stage 2's whole training step (UNet forward + loss + backward + clip + AdamW) | off everywhere     |
|                | captured once in a CUDA graph and replayed (static_step.py); CUDA only        | ("auto" = off) until|
|                |                                                                               | verified on a GPU  |

Each option is read, first match wins, from the job spec's `speed` object (true / false / "auto"; a
string for `attention`, a list for `compileBlocks`), then from the engine's environment variable
`STUDIO_ENGINE_SPEED` (the same names: `compile=off,fusedAdam=on,attention=classic,
compileBlocks=BasicTransformerBlock+ResnetBlock2D`; `on`/`off`/`auto`, also `1`/`0`/`true`/`false`),
then the default above. `fusedAdam: true` where this torch has no fused kernel for the device, and
`compile: true` without torch.compile, are refused with BAD_SPEC (not silently ignored); `channelsLast`
and `tf32` have no meaning on CPU and are recorded as off there. A bad STUDIO_ENGINE_SPEED fails the
job with BAD_SPEC naming the variable.

`cudaGraph: true` never fails a job: where a whole-step graph cannot run it resolves to off and the
reason is reported (`cudaGraphOff` in stage.started's `speed`, and one line on stderr) — no CUDA device;
fp16 (its GradScaler is not capturable); `precision.adam8bit` (bitsandbytes' AdamW8bit is not
capturable); `precision.gradientCheckpointing` (not verified under capture); `compile` set to on (spec or
STUDIO_ENGINE_SPEED: a compiled UNet and a captured step are alternatives). When the graph is on,
`compile` left at "auto" resolves to off.

Device-side random draws are not an option: every step's noise, timesteps, image indices, flips and
template picks are drawn from a generator on the training device seeded from (seed, stage, step)
(diffusion.step_generator), so a step makes no blocking host→device copy and a resumed run draws
exactly what an uninterrupted one does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import torch

from .errors import BadSpecError

ENV = "STUDIO_ENGINE_SPEED"
DEFAULT_COMPILE_BLOCKS = ("BasicTransformerBlock", "ResnetBlock2D")
ATTENTION = ("sdpa", "classic")
BOOL_OPTIONS = ("fusedAdam", "channelsLast", "tf32", "compile", "cudaGraph")
MAX_BLOCK_NAMES = 8
_TRUE = {"on", "1", "true", "yes"}
_FALSE = {"off", "0", "false", "no"}


@dataclass(frozen=True)
class SpeedOptions:
    """The resolved options of one job. The bare constructor is the plain eager reference path."""

    fused_adam: bool = False
    channels_last: bool = False
    tf32: bool = False
    attention: str = "sdpa"
    compile: bool = False
    compile_blocks: tuple[str, ...] = DEFAULT_COMPILE_BLOCKS
    cuda_graph: bool = False  # stage 2 runs its static-input step (static_step.py); captured only on CUDA
    cuda_graph_off: str | None = None  # why a requested cudaGraph resolved to off

    def describe(self) -> dict[str, Any]:
        d = asdict(self)
        out = {
            "fusedAdam": d["fused_adam"],
            "channelsLast": d["channels_last"],
            "tf32": d["tf32"],
            "attention": d["attention"],
            "compile": d["compile"],
            "compileBlocks": list(d["compile_blocks"]),
            "cudaGraph": d["cuda_graph"],
        }
        if self.cuda_graph_off:
            out["cudaGraphOff"] = self.cuda_graph_off
        return out


def fused_adam_supported(device: torch.device) -> bool:
    """Whether this torch has a fused AdamW kernel for float32 parameters on `device`."""
    try:
        p = torch.nn.Parameter(torch.zeros(2, device=device))
        p.grad = torch.zeros_like(p)
        torch.optim.AdamW([p], lr=1e-3, fused=True).step()
        return True
    except (RuntimeError, TypeError, ValueError):
        return False


def parse_env(value: str | None) -> dict[str, Any]:
    """`STUDIO_ENGINE_SPEED` → the same shape as the spec's `speed` object (BAD_SPEC naming the variable)."""
    out: dict[str, Any] = {}
    if not value or not value.strip():
        return out
    if len(value) > 500:
        raise BadSpecError("BAD_SPEC", f"{ENV}: at most 500 characters", ENV)
    for item in value.split(","):
        key, sep, raw = (s.strip() for s in item.partition("="))
        if not sep or not key:
            raise BadSpecError("BAD_SPEC", f"{ENV}: {item.strip()!r} is not name=value", ENV)
        low = raw.lower()
        if key in BOOL_OPTIONS:
            out[key] = True if low in _TRUE else False if low in _FALSE else "auto" if low == "auto" else None
            if out[key] is None:
                raise BadSpecError("BAD_SPEC", f"{ENV}: {key} must be on, off or auto (got {raw!r})", ENV)
        elif key == "attention":
            if low not in ATTENTION:
                raise BadSpecError("BAD_SPEC", f"{ENV}: attention must be one of {', '.join(ATTENTION)} (got {raw!r})", ENV)
            out[key] = low
        elif key == "compileBlocks":
            names = [n.strip() for n in raw.split("+") if n.strip()]
            if not names or len(names) > MAX_BLOCK_NAMES or not all(n.isidentifier() for n in names):
                raise BadSpecError("BAD_SPEC", f"{ENV}: compileBlocks must be 1 to {MAX_BLOCK_NAMES} class names joined by '+'", ENV)
            out[key] = names
        else:
            raise BadSpecError("BAD_SPEC", f"{ENV}: unknown option {key!r}; known: {', '.join([*BOOL_OPTIONS, 'attention', 'compileBlocks'])}", ENV)
    return out


def cuda_graph_blocker(device: torch.device, given: Mapping[str, Any], where: Mapping[str, str], *, fp16: bool, adam8bit: bool, gradient_checkpointing: bool) -> str | None:
    """Why a whole-step CUDA graph cannot run in this job (None: it can)."""
    if device.type != "cuda":
        return f"no CUDA device ({device.type}): the graph is CUDA only"
    if fp16:
        return "fp16 autocast: its GradScaler (inf checks, skipped steps) cannot be captured; use bf16"
    if adam8bit:
        return "precision.adam8bit: bitsandbytes' AdamW8bit is not capturable"
    if gradient_checkpointing:
        return "precision.gradientCheckpointing: not verified under CUDA-graph capture"
    if given.get("compile", "auto") is True:
        return f"{where['compile']} is on: a compiled UNet and a captured step are alternatives"
    return None


def resolve(
    spec_speed: Mapping[str, Any] | None,
    device: torch.device,
    autocast: bool,
    env: Mapping[str, str] | None = None,
    *,
    fp16: bool = False,
    adam8bit: bool = False,
    gradient_checkpointing: bool = False,
    warn=None,
) -> SpeedOptions:
    """The job's options: spec `speed`, then STUDIO_ENGINE_SPEED, then the defaults (module docstring). `fp16`,
    `adam8bit` and `gradient_checkpointing` describe the job (they can turn cudaGraph off); `warn` gets the
    reason a requested cudaGraph is off (default: one line on stderr)."""
    env_opts = parse_env((os.environ if env is None else env).get(ENV))
    given = {**env_opts, **{k: v for k, v in (spec_speed or {}).items()}}
    where = {k: ("speed." + k if k in (spec_speed or {}) else ENV) for k in given}
    cuda = device.type == "cuda"

    def flag(name: str, default: bool) -> bool:
        v = given.get(name, "auto")
        return default if v == "auto" else bool(v)

    fused_ok = fused_adam_supported(device)
    fused = flag("fusedAdam", fused_ok)
    if fused and not fused_ok:
        raise BadSpecError("BAD_SPEC", f"{where['fusedAdam']}: this torch has no fused AdamW on {device.type}", where["fusedAdam"])
    graph = flag("cudaGraph", False)  # "auto" = off until the engine's graph is verified on a GPU
    graph_off = None
    if graph:
        graph_off = cuda_graph_blocker(device, given, where, fp16=fp16, adam8bit=adam8bit, gradient_checkpointing=gradient_checkpointing)
        if graph_off:
            graph = False
            graph_off = f"{where['cudaGraph']} resolved to off: {graph_off}"
            (warn or (lambda m: print(f"studio_engine: {m}", file=sys.stderr)))(graph_off)
    # Defaults from the H200 measurements (bench/README.md "GPU figures"): regional compile gained 12 % per
    # stage-2 step for 90 s of compilation in each new engine process, so it is off unless asked for; a
    # channels-last UNet made the eager step 18 % slower (more launches on a launch-bound step) but the
    # CUDA-graph step 16 % faster, so "auto" follows cudaGraph.
    compile_ = flag("compile", False)
    if compile_ and not hasattr(torch, "compile"):
        raise BadSpecError("BAD_SPEC", f"{where['compile']}: this torch has no torch.compile", where["compile"])
    return SpeedOptions(
        fused_adam=fused,
        channels_last=flag("channelsLast", cuda and graph) and cuda,
        tf32=flag("tf32", cuda and autocast) and cuda,
        attention=given.get("attention", "sdpa"),
        compile=compile_,
        compile_blocks=tuple(given.get("compileBlocks") or DEFAULT_COMPILE_BLOCKS),
        cuda_graph=graph,
        cuda_graph_off=graph_off,
    )


def apply_backend_flags(opts: SpeedOptions, device: torch.device) -> None:
    """TF32 (CUDA only): set both ways, so a job that turns it off really runs in full float32."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = opts.tf32
        torch.backends.cudnn.allow_tf32 = opts.tf32


def prepare_unet(unet: torch.nn.Module, opts: SpeedOptions) -> int:
    """Attention processor, memory format and regional compile of the UNet; returns how many blocks were
    compiled. The weights' values (hence state_dict, checkpoints and content hashes) are unchanged."""
    if opts.attention == "classic":
        from diffusers.models.attention_processor import AttnProcessor

        unet.set_attn_processor(AttnProcessor())
    else:
        from diffusers.models.attention_processor import AttnProcessor2_0

        unet.set_attn_processor(AttnProcessor2_0())
    if opts.channels_last:
        unet.to(memory_format=torch.channels_last)
    return compile_blocks(unet, opts.compile_blocks) if opts.compile else 0


def _raise_recompile_limits() -> None:
    """One compiled graph per distinct input shape of a block class (SD 2.1's resnets come in more than
    torch's default 8 shapes): raise the limits so no block silently falls back to eager."""
    import torch._dynamo

    cfg = torch._dynamo.config
    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(cfg, name):
            setattr(cfg, name, max(int(getattr(cfg, name)), 64))
    for name in ("accumulated_recompile_limit", "accumulated_cache_size_limit"):
        if hasattr(cfg, name):
            setattr(cfg, name, max(int(getattr(cfg, name)), 1024))


def use_persistent_compile_cache() -> str:
    """Points inductor's (and Triton's) caches into $STUDIO_CACHE_DIR unless the operator set them. torch
    itself writes its default (/tmp/torchinductor_USER) into TORCHINDUCTOR_CACHE_DIR the first time it asks,
    so a value equal to that default counts as unset."""
    from .models import cache_dir

    ours = str(cache_dir() / "torchinductor")
    current = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    try:
        from torch._inductor.runtime.cache_dir_utils import default_cache_dir

        torch_default = os.path.abspath(default_cache_dir())
    except ImportError:  # another torch layout: only an unset variable is ours to set
        torch_default = None
    if current is None or os.path.abspath(current) == torch_default:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = ours
    os.environ.setdefault("TRITON_CACHE_DIR", str(cache_dir() / "triton"))
    return os.environ["TORCHINDUCTOR_CACHE_DIR"]


def compile_blocks(unet: torch.nn.Module, block_names: tuple[str, ...]) -> int:
    """Regional compile: each block whose class is in `block_names` runs its training forwards (grad enabled)
    through `torch.compile(dynamic=False)`; without grad (sampling, class images) it stays eager, so no time
    goes into graphs that inference would use once. Blocks of one class share their compiled graphs per
    input shape, so compile time grows with the distinct shapes, not the number of blocks. Inductor's
    caches go to $STUDIO_CACHE_DIR/torchinductor (unless TORCHINDUCTOR_CACHE_DIR is set; Triton's to .../triton): a second job on
    the same trainer loads the compiled kernels instead of compiling them again."""
    use_persistent_compile_cache()
    _raise_recompile_limits()
    names = set(block_names)
    count = 0
    for m in unet.modules():
        if type(m).__name__ not in names or getattr(m, "_studio_compiled", False):
            continue
        eager = m.forward
        compiled = torch.compile(eager, dynamic=False)

        def forward(*a, _eager=eager, _compiled=compiled, **k):
            return _compiled(*a, **k) if torch.is_grad_enabled() else _eager(*a, **k)

        m.forward = forward
        m._studio_compiled = True
        count += 1
    if not count:
        raise BadSpecError("BAD_SPEC", f"speed.compileBlocks: the UNet has no block of class {', '.join(sorted(names))}", "speed.compileBlocks")
    return count
