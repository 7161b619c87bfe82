"""What this engine can run on: versions and the compute device, as reported in the `ready` event."""

from __future__ import annotations

import os
import platform
import re
from typing import Any

from . import PROTOCOL_VERSION, __version__
from .errors import BadSpecError

THREADS_VAR = "STUDIO_ENGINE_THREADS"
MAX_THREADS = 1024


def apply_thread_budget(torch: Any) -> dict[str, int]:
    """Sets torch's CPU threads from STUDIO_ENGINE_THREADS (the trainer's budget, TRAINER_ENGINE_THREADS:
    docs/architecture.md §7): intra-op threads, and inter-op threads while torch still allows it (only
    before any parallel work). Unset: torch's defaults (OMP_NUM_THREADS, else one per core). Returns
    what torch runs with, as the `ready` event reports it."""
    raw = os.environ.get(THREADS_VAR)
    if raw is not None and raw != "":
        if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= MAX_THREADS:
            raise BadSpecError("BAD_ARGUMENTS", f"{THREADS_VAR}: must be an integer from 1 to {MAX_THREADS} (got {raw!r})", THREADS_VAR)
        n = int(raw)
        torch.set_num_threads(n)
        if torch.get_num_interop_threads() != n:
            try:
                torch.set_num_interop_threads(n)
            except RuntimeError:  # parallel work already started (or set before): keep what it has
                pass
    return {"intraOp": int(torch.get_num_threads()), "interOp": int(torch.get_num_interop_threads())}


def _installed_version(name: str) -> str:
    """A library's version from its installed metadata, without importing it (~3 s of CPU for diffusers
    and transformers together); a missing library is the same BadSpecError an import would raise."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError as e:
        raise BadSpecError("BAD_ENVIRONMENT", f"the engine environment lacks the package {name!r}: rebuild it (./studio engine-env)", name) from e


def describe(import_libraries: bool = True) -> dict[str, Any]:
    """Applies the thread budget, then imports the heavy libraries, so a job's `ready` event proves the
    environment really works. The `ready` command (a trainer's start-up check, once per trainer) passes
    import_libraries=False: torch is imported (threads, device), the others are read from their installed
    metadata; the first job's own `ready` event still follows the real imports."""
    import torch

    threads = apply_thread_budget(torch)

    if import_libraries:
        import diffusers
        import safetensors
        import transformers

        versions = {"diffusers": diffusers.__version__, "transformers": transformers.__version__, "safetensors": safetensors.__version__}
    else:
        versions = {name: _installed_version(name) for name in ("diffusers", "transformers", "safetensors")}

    cuda = torch.cuda.is_available()
    device: dict[str, Any] = {"type": "cuda" if cuda else "cpu"}
    if cuda:
        props = torch.cuda.get_device_properties(0)
        device.update(name=props.name, memoryBytes=int(props.total_memory), count=torch.cuda.device_count())
    return {
        "engineVersion": __version__,
        "protocolVersion": PROTOCOL_VERSION,
        "python": platform.python_version(),
        "torch": torch.__version__,
        **versions,
        "device": device,
        "threads": threads,
    }
