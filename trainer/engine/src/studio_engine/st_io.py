"""Deterministic safetensors files and a content hash of weights (identical weights → identical bytes).

`safetensors.torch.save_file` writes its `__metadata__` map in hash-map order, which differs from one
process to the next: two runs with the same seed gave equal tensors but different file bytes, so a
file's sha256 could not identify a model. `write_safetensors` writes the same format (checked by
`safetensors_guard.py` and read by any safetensors reader) with every key sorted: tensors by name,
metadata by key, the header as compact JSON padded with spaces to 8 bytes. The same tensors and
metadata always give the same bytes.

`content_hash` identifies weights independently of any file layout or metadata: sha256 over, for
each tensor in sorted name order, `name \\0 dtype \\0 shape \\0 byte length \\0 raw little-endian bytes`.
It is recorded in checkpoint.json (`contentHash`) and is what the product compares models by.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

import torch

_DTYPES: dict[torch.dtype, str] = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
if hasattr(torch, "float8_e4m3fn"):
    _DTYPES[torch.float8_e4m3fn] = "F8_E4M3"
    _DTYPES[torch.float8_e5m2] = "F8_E5M2"


def dtype_name(dtype: torch.dtype) -> str:
    try:
        return _DTYPES[dtype]
    except KeyError as err:
        raise ValueError(f"safetensors cannot store dtype {dtype}") from err


def _raw(t: torch.Tensor) -> memoryview:
    """The tensor's bytes in C order (little-endian: the machines this runs on)."""
    flat = t.detach().to("cpu").contiguous().reshape(-1)
    if flat.numel() == 0:
        return memoryview(b"")
    return memoryview(flat.view(torch.uint8).numpy()).cast("B")


def content_hash_update(h, name: str, t: torch.Tensor, data: memoryview | None = None) -> None:
    """Feeds one tensor into a content hash (tensors must come in sorted name order)."""
    data = _raw(t) if data is None else data
    h.update(f"{name}\0{dtype_name(t.dtype)}\0{list(t.shape)}\0{len(data)}\0".encode())
    h.update(data)


def content_hash(tensors: Mapping[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        content_hash_update(h, name, tensors[name])
    return h.hexdigest()


def module_content_hash(**modules: torch.nn.Module) -> str:
    """content_hash of several modules' state dicts at once, names prefixed `module.`."""
    return content_hash({f"{m}.{k}": v for m, mod in modules.items() for k, v in mod.state_dict().items()})


def _header(tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, str] | None) -> tuple[bytes, list[str]]:
    names = sorted(tensors)
    doc: dict[str, object] = {}
    if metadata:
        doc["__metadata__"] = {str(k): str(v) for k, v in sorted(metadata.items())}
    offset = 0
    for name in names:
        t = tensors[name]
        n = t.numel() * t.element_size()
        doc[name] = {"dtype": dtype_name(t.dtype), "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")
    raw += b" " * ((8 - (len(raw) + 8) % 8) % 8)
    return raw, names


class HashingWriter:
    """A binary file that computes the sha256 of every byte written through it: a file's hash comes
    from the bytes as they are written, with no second read."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.bytes += len(data)
        return self._f.write(data)

    def hexdigest(self) -> str:
        return self.sha256.hexdigest()


TensorHook = Callable[[int, str, torch.Tensor, memoryview], None]


def write_safetensors_to(f: BinaryIO, tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, str] | None = None, on_tensor: TensorHook | None = None) -> None:
    """`on_tensor(index, name, tensor, raw bytes)` is called after each tensor is written, in file
    (sorted name) order: a content hash can be computed from the same bytes."""
    header, names = _header(tensors, metadata)
    f.write(struct.pack("<Q", len(header)))
    f.write(header)
    for i, name in enumerate(names):
        data = _raw(tensors[name])
        f.write(data)
        if on_tensor is not None:
            on_tensor(i, name, tensors[name], data)


def write_safetensors(path: str | Path, tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, str] | None = None, on_tensor: TensorHook | None = None) -> tuple[str, int]:
    """Writes the file; returns (sha256, size) of the bytes written."""
    with open(path, "wb") as f:
        out = HashingWriter(f)
        write_safetensors_to(out, tensors, metadata, on_tensor)
    return out.hexdigest(), out.bytes
