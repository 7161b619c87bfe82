"""What this engine can run on: versions and the compute device, as reported in the `ready` event."""

from __future__ import annotations

import platform
from typing import Any

from . import PROTOCOL_VERSION, __version__


def describe() -> dict[str, Any]:
    """Imports the heavy libraries, so a `ready` event proves the environment really works."""
    import diffusers
    import safetensors
    import torch
    import transformers

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
        "diffusers": diffusers.__version__,
        "transformers": transformers.__version__,
        "safetensors": safetensors.__version__,
        "device": device,
    }
