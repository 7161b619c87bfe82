"""Checks a file BEFORE anything loads it: only well-formed safetensors get through (docs/architecture.md §5).

A model file shared by another team is untrusted input. Pickle-based formats (`.ckpt`, `.pt`, `.pth`,
`.bin`: a pickle, or a zip archive holding one) can run arbitrary code while being loaded, so they
are refused outright (`UNSAFE_FORMAT`). A safetensors file cannot run code, but a malformed header
can still make a reader allocate absurd amounts of memory or read tensors that overlap, so every
rule of the safetensors spec is checked on the raw bytes first (`BAD_SAFETENSORS`):

    8 bytes   little-endian u64 N: header length, 2 <= N <= 100 MB, N <= file size - 8
    N bytes   UTF-8 JSON object: {"__metadata__"?: {str: str}, name: {dtype, shape, data_offsets}}
    rest      the data region: tensors' [begin, end) byte ranges tile it exactly, no gaps, no overlaps
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path

from .errors import BadSpecError

MAX_HEADER_BYTES = 100_000_000  # the safetensors library's own limit

# Bytes per element of every dtype the safetensors format names (sub-byte types are not accepted).
DTYPE_BYTES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "F8_E8M0": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
    "C64": 8,
}

# Names of formats that are (or wrap) pickles: refused by name even before looking inside.
PICKLE_SUFFIXES = {".ckpt", ".pt", ".pth", ".pkl", ".pickle", ".bin"}


class UnsafeFormatError(BadSpecError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__("UNSAFE_FORMAT", message, field)


class BadSafetensorsError(BadSpecError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__("BAD_SAFETENSORS", message, field)


@dataclass(frozen=True)
class TensorEntry:
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


@dataclass(frozen=True)
class SafetensorsInfo:
    """What the header says, once it has been checked: safe to hand to `safetensors.load_file`."""

    path: Path
    header_bytes: int
    metadata: dict[str, str]
    tensors: dict[str, TensorEntry]


def _refuse_unsafe(path: Path, head: bytes, field: str | None) -> None:
    why = "only safetensors are accepted because pickle can run code"
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        raise UnsafeFormatError(f"{path.name} is a pickle file; {why}", field)
    if head[:4] == b"PK\x03\x04":
        raise UnsafeFormatError(f"{path.name} is a zip archive (a PyTorch .pt/.ckpt, which holds a pickle); {why}", field)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise UnsafeFormatError(f"{path.name} has a pickle format's extension ({path.suffix}); {why}", field)


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    # Two entries with one name would let two readers disagree about which tensor a file holds.
    seen: dict[str, object] = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"duplicate key {k!r}")
        seen[k] = v
    return seen


def check_safetensors(path: str | Path, field: str | None = None) -> SafetensorsInfo:
    """Validates `path` against the safetensors spec without loading any tensor; raises
    `UnsafeFormatError` / `BadSafetensorsError` (exit code 2, `error.field` = `field`)."""
    p = Path(path)
    if not p.is_file():
        raise BadSpecError("FILE_NOT_FOUND", f"{p} does not exist or is not a file", field)
    size = p.stat().st_size
    with p.open("rb") as f:
        head = f.read(8)
        _refuse_unsafe(p, head, field)

        def bad(why: str) -> BadSafetensorsError:
            return BadSafetensorsError(f"{p.name} is not a valid safetensors file: {why}", field)

        if len(head) < 8:
            raise bad(f"it has {size} bytes, fewer than the 8-byte header length")
        (n,) = struct.unpack("<Q", head)
        if n < 2 or n > MAX_HEADER_BYTES:
            raise bad(f"header length {n} is outside 2..{MAX_HEADER_BYTES} bytes")
        if n > size - 8:
            raise bad(f"header length {n} runs past the end of the file ({size} bytes)")
        raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError) as err:
        raise bad(f"the header is not UTF-8 JSON ({err})") from err
    if not isinstance(header, dict):
        raise bad("the header is not a JSON object")

    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise bad("__metadata__ must map strings to strings")

    data_size = size - 8 - n
    tensors: dict[str, TensorEntry] = {}
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise bad(f"tensor {name!r} must have exactly dtype, shape and data_offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in DTYPE_BYTES:
            raise bad(f"tensor {name!r} has unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            raise bad(f"tensor {name!r}: shape must be a list of non-negative integers")
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets):
            raise bad(f"tensor {name!r}: data_offsets must be [begin, end]")
        begin, end = offsets
        if not 0 <= begin <= end:
            raise bad(f"tensor {name!r}: data_offsets [{begin}, {end}] need 0 <= begin <= end")
        if end > data_size:
            raise bad(f"tensor {name!r}: data_offsets end {end} is past the data region ({data_size} bytes)")
        expected = math.prod(shape) * DTYPE_BYTES[dtype]
        if end - begin != expected:
            raise bad(f"tensor {name!r}: {end - begin} bytes for shape {shape} of {dtype}, which needs {expected}")
        tensors[name] = TensorEntry(dtype, tuple(shape), begin, end)

    # The byte ranges must tile the data region: no tensor shares bytes with another, none is hidden.
    cursor = 0
    for name, t in sorted(tensors.items(), key=lambda kv: (kv[1].begin, kv[1].end)):
        if t.begin < cursor:
            raise bad(f"tensor {name!r}: data_offsets [{t.begin}, {t.end}] overlap the previous tensor (which ends at {cursor})")
        if t.begin > cursor:
            raise bad(f"bytes {cursor}..{t.begin} of the data region belong to no tensor (a gap before {name!r})")
        cursor = t.end
    if cursor != data_size:
        raise bad(f"bytes {cursor}..{data_size} at the end of the data region belong to no tensor")
    return SafetensorsInfo(p, n, dict(metadata), tensors)
