"""Compact, exact stage-2 checkpoints: the UNet stored as a lossless delta against the base model.

A fine-tune moves each float32 weight by a small fraction of its value, so the weight's bit pattern
changes in its low bits only. Scheme `f32-sub-zigzag-planes-zstd` (one pass, tensor by tensor, in
sorted name order):

    d  = bits(w) - bits(base)            int32, wrapping (the bit patterns, not the float values)
    z  = (d << 1) ^ (d >> 31)            zigzag: small |d| of either sign → small unsigned z
    plane k = byte k of every z           4 planes (little-endian byte 0 = least significant)
    each plane → one zstd stream          the high planes are nearly all zeros and shrink most

Decoding inverts each step exactly (bits(w) = bits(base) + unzigzag(z), mod 2^32), so the weights
come back bit-identical whatever they hold (NaN payloads, -0.0 included). A tensor the base does not
have with the same shape (none, for a fine-tuned UNet) is encoded against zeros.

The file is `unet.delta.safetensors`: a safetensors file (read by the guard like any other, no
pickle) holding the four compressed planes as U8 tensors `plane0`..`plane3`, with the layout in its
metadata (`tensors`: [[name, shape, usesBase], ...], `scheme`, `baseUnetFingerprint`). The base
model's UNet fingerprint (`base_unet_fingerprint`) is the content hash (st_io.py) of the base UNet
file's tensors as float32 — names, dtypes, shapes and bytes — cached per file (verified.py); a
checkpoint is decoded only against a base UNet with the same fingerprint.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch

from .st_io import HashingWriter, content_hash_update, dtype_name
from .verified import cached_digest

SCHEME = "f32-sub-zigzag-planes-zstd"
DELTA_FILE = "unet.delta.safetensors"
BASE_UNET = Path("unet") / "diffusion_pytorch_model.safetensors"
ENCODINGS = ("plain", "delta")
ENV = "STUDIO_CHECKPOINT_ENCODING"
LEVEL = 1  # zstd level 1: on the sd21 delta both faster and smaller than 3 (level 3 spends effort on matches random low planes do not have)
PLANES = 4


class CheckpointEncodingError(ValueError):
    """An encoded checkpoint that cannot be decoded here (another base model, a damaged file)."""


def encoding_from_env() -> str:
    value = os.environ.get(ENV, "plain").strip() or "plain"
    if value not in ENCODINGS:
        raise ValueError(f"{ENV} must be one of {', '.join(ENCODINGS)}, not {value!r}")
    return value


def base_unet_file(model_folder: str | Path) -> Path | None:
    p = Path(model_folder) / BASE_UNET
    return p if p.is_file() else None


def _compute_fingerprint(path: Path) -> str:
    import hashlib

    from safetensors import safe_open

    h = hashlib.sha256()
    with safe_open(str(path), framework="pt") as f:
        for name in sorted(f.keys()):
            content_hash_update(h, name, f.get_tensor(name).float().contiguous())
    return h.hexdigest()


def base_unet_fingerprint(path: str | Path) -> str:
    """Content hash of the base UNet file's tensors as float32; computed once per unchanged file."""
    return cached_digest(path, "unet-f32-content-hash", _compute_fingerprint)


def _int32(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu").contiguous().reshape(-1).view(torch.int32).numpy()


class _Base:
    """The base UNet's tensors, read one at a time from its file (memory-mapped by safetensors)."""

    def __init__(self, path: Path) -> None:
        from safetensors import safe_open

        self._f = safe_open(str(path), framework="pt")
        self._names = set(self._f.keys())

    def get(self, name: str, shape: list[int]) -> torch.Tensor | None:
        if name not in self._names:
            return None
        t = self._f.get_tensor(name).float()
        return t if list(t.shape) == shape else None


def _zigzag(d: np.ndarray) -> np.ndarray:
    return ((d << 1) ^ (d >> 31)).view(np.uint32)


def _unzigzag(z: np.ndarray) -> np.ndarray:
    return ((z >> np.uint32(1)) ^ (np.uint32(0) - (z & np.uint32(1)))).view(np.int32)


class _Slice:
    """A read-only window [start, end) of an open file, read with pread (several windows at once)."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self._fd, self._pos, self._end = fd, start, end

    def read(self, n: int = -1) -> bytes:
        left = self._end - self._pos
        n = left if n is None or n < 0 else min(n, left)
        if n <= 0:
            return b""
        data = os.pread(self._fd, n, self._pos)
        self._pos += len(data)
        return data


def encode_unet(unet: Mapping[str, torch.Tensor], base_file: Path, fingerprint: str, level: int = LEVEL, on_tensor=None) -> tuple[dict[str, list[bytes]], dict[str, str]]:
    """(compressed planes as chunk lists, metadata). `unet` must be float32 tensors on the CPU;
    `on_tensor(index, name, tensor, raw bytes)` sees every tensor (the content hash is taken there)."""
    import zstandard as zstd

    base = _Base(base_file)
    compressors = [zstd.ZstdCompressor(level=level).compressobj() for _ in range(PLANES)]
    planes: dict[str, list[bytes]] = {f"plane{k}": [] for k in range(PLANES)}
    layout: list[list[Any]] = []
    for i, name in enumerate(sorted(unet)):
        t = unet[name]
        if t.dtype != torch.float32:
            raise ValueError(f"{SCHEME} encodes float32 tensors only; {name} is {t.dtype}")
        shape = list(t.shape)
        a = _int32(t)
        if on_tensor is not None:
            on_tensor(i, name, t, memoryview(a.view(np.uint8)))
        b = base.get(name, shape)
        d = a - _int32(b) if b is not None else a.copy()  # numpy int32 arithmetic wraps
        z = _zigzag(d).view(np.uint8).reshape(-1, PLANES)
        for k in range(PLANES):
            out = compressors[k].compress(np.ascontiguousarray(z[:, k]).data)
            if out:
                planes[f"plane{k}"].append(out)
        layout.append([name, shape, b is not None])
    for k in range(PLANES):
        planes[f"plane{k}"].append(compressors[k].flush())
    meta = {
        "format": "studio-unet-delta",
        "scheme": SCHEME,
        "baseUnetFingerprint": fingerprint,
        "tensors": json.dumps(layout, separators=(",", ":")),
    }
    return planes, meta


class DeltaEntropy:
    """How far any lossless coder of a fine-tune's UNet against its base can go (benchmarks only).

    Per weight: z = zigzag(bits(w) - bits(base)); L = bit length of z. Counts (base exponent, L) and the
    bits below each z's leading one. `bits_per_weight` = H(L | base exponent) + E[max(L - 1, 0)]: the
    rate of a coder that entropy-codes each weight's bit length in the context of its base weight's
    exponent and stores the bits below the leading one as they are. Those bits are near-uniform noise
    (the optimizer's), so this is close to the limit of any lossless coder of the delta."""

    def __init__(self) -> None:
        self.joint = np.zeros((256, 34), dtype=np.int64)
        self.raw_bits = 0
        self.n = 0

    def add(self, tensor: torch.Tensor, base: torch.Tensor | None) -> None:
        a = _int32(tensor.float())
        b = _int32(base.float()) if base is not None else np.zeros_like(a)
        z = _zigzag(a - b)
        length = np.zeros(z.shape, dtype=np.int64)
        nz = z != 0
        length[nz] = np.frexp(z[nz].astype(np.float64))[1]  # 2**(L-1) <= z < 2**L
        exponent = ((b.view(np.uint32) >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int64)
        self.joint += np.bincount(exponent * 34 + length, minlength=256 * 34).reshape(256, 34)
        self.raw_bits += int(np.maximum(length - 1, 0).sum())
        self.n += int(z.size)

    def bits_per_weight(self) -> float:
        if self.n == 0:
            return 0.0
        p = self.joint[self.joint > 0] / self.n
        pe = self.joint.sum(axis=1)
        pe = pe[pe > 0] / self.n
        h_l_given_e = float(-(p * np.log2(p)).sum() + (pe * np.log2(pe)).sum())
        return h_l_given_e + self.raw_bits / self.n

    def ratio_to_float32(self) -> float:
        return self.bits_per_weight() / 32


def write_planes(f: BinaryIO, planes: Mapping[str, list[bytes]], metadata: Mapping[str, str]) -> None:
    """A safetensors file of U8 tensors, each the concatenation of its chunks (st_io's byte layout:
    sorted names, sorted metadata, compact JSON padded with spaces to 8 bytes)."""
    doc: dict[str, Any] = {"__metadata__": {str(k): str(v) for k, v in sorted(metadata.items())}}
    offset = 0
    names = sorted(planes)
    for name in names:
        n = sum(len(c) for c in planes[name])
        doc[name] = {"dtype": dtype_name(torch.uint8), "shape": [n], "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")
    raw += b" " * ((8 - (len(raw) + 8) % 8) % 8)
    f.write(struct.pack("<Q", len(raw)))
    f.write(raw)
    for name in names:
        for chunk in planes[name]:
            f.write(chunk)


def write_encoded(path: Path, planes: Mapping[str, list[bytes]], metadata: Mapping[str, str]) -> tuple[str, int]:
    with open(path, "wb") as f:
        out = HashingWriter(f)
        write_planes(out, planes, metadata)
    return out.hexdigest(), out.bytes


def _read_header(path: Path) -> tuple[dict[str, Any], int]:
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n > 100 << 20:
            raise CheckpointEncodingError(f"{path.name}: header too large")
        return json.loads(f.read(n)), 8 + n


def read_metadata(path: str | Path) -> dict[str, str]:
    header, _ = _read_header(Path(path))
    return header.get("__metadata__", {})


def decode_unet(path: str | Path, base_file: Path | None, expected_fingerprint: str | None = None) -> dict[str, torch.Tensor]:
    """The UNet's float32 state dict, bit-identical to what was encoded. Refuses another base model."""
    import zstandard as zstd

    p = Path(path)
    try:
        header, data_start = _read_header(p)
        meta = header["__metadata__"]
        layout = json.loads(meta["tensors"])
    except (OSError, ValueError, KeyError, struct.error) as err:
        raise CheckpointEncodingError(f"{p.name} is not a readable {SCHEME} file: {err}") from err
    if meta.get("scheme") != SCHEME:
        raise CheckpointEncodingError(f"{p.name}: unknown checkpoint encoding {meta.get('scheme')!r} (this engine reads {SCHEME})")
    needed = meta.get("baseUnetFingerprint")
    if expected_fingerprint is not None and needed != expected_fingerprint:
        raise CheckpointEncodingError(f"{p.name}: its metadata names base UNet {needed}, checkpoint.json {expected_fingerprint}")
    if any(uses for _, _, uses in layout):
        if base_file is None:
            raise CheckpointEncodingError(f"{p.name} is encoded against a base model UNet, and this base model has no UNet file to decode it with")
        have = base_unet_fingerprint(base_file)
        if have != needed:
            raise CheckpointEncodingError(
                f"{p.name} is encoded against base UNet fingerprint {needed}, but the base model here has {have}: the checkpoint needs the exact base model it was trained from"
            )
    base = _Base(base_file) if base_file is not None else None
    out: dict[str, torch.Tensor] = {}
    with open(p, "rb") as fh:
        try:
            readers = []
            for k in range(PLANES):
                s, e = header[f"plane{k}"]["data_offsets"]
                window = _Slice(fh.fileno(), data_start + s, data_start + e)
                readers.append(zstd.ZstdDecompressor().stream_reader(window, read_size=1 << 20, read_across_frames=True))
            for name, shape, uses_base in layout:
                n = int(np.prod(shape)) if shape else 1
                z = np.empty((n, PLANES), dtype=np.uint8)
                for k, r in enumerate(readers):
                    raw = _read_exactly(r, n, p.name)
                    z[:, k] = np.frombuffer(raw, dtype=np.uint8)
                d = _unzigzag(z.reshape(-1).view(np.uint32))
                b = base.get(name, shape) if (uses_base and base is not None) else None
                if uses_base and b is None:
                    raise CheckpointEncodingError(f"{p.name}: the base UNet has no tensor {name} of shape {shape}")
                bits = (_int32(b) + d) if b is not None else d
                out[name] = torch.from_numpy(np.ascontiguousarray(bits).view(np.float32).copy()).reshape(shape)
            for r in readers:
                if r.read(1):
                    raise CheckpointEncodingError(f"{p.name}: more data than its layout describes")
                r.close()
        except (zstd.ZstdError, KeyError, ValueError) as err:
            if isinstance(err, CheckpointEncodingError):
                raise
            raise CheckpointEncodingError(f"{p.name}: damaged compressed data ({err})") from err
    return out


def _read_exactly(reader, n: int, name: str) -> bytes:
    parts, got = [], 0
    while got < n:
        chunk = reader.read(n - got)
        if not chunk:
            raise CheckpointEncodingError(f"{name}: compressed data ends early")
        parts.append(chunk)
        got += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)
