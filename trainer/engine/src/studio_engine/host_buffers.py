"""Reusable host buffers for checkpoint snapshots.

Copying a 3.46 GB UNet into freshly allocated memory costs mostly page faults (the kernel zeroes
every new page); copying into memory that is already mapped is a plain memcpy, or on CUDA a DMA
into pinned memory at the bus's speed. So the writer hands a written snapshot's tensors back to this
pool and the next snapshot copies into them; `prepare` allocates (and touches) buffers ahead of the
first checkpoint, in the writer thread, while training runs.

Buffers are matched by (shape, dtype), not by name: the UNet's weights and its AdamW moments share
shapes. The pool never holds more than the snapshots it was given back, so the memory bound stays
STUDIO_CHECKPOINT_MAX_IN_FLIGHT snapshots (checkpoint_writer.py).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable

import torch


class HostBufferPool:
    def __init__(self, pin: bool = False) -> None:
        self.pin = pin and torch.cuda.is_available()
        self._free: dict[tuple, list[torch.Tensor]] = defaultdict(list)
        self._lock = threading.Lock()
        self.reused = 0
        self.allocated = 0
        self._async = False

    @staticmethod
    def _key(shape, dtype) -> tuple:
        return (tuple(shape), dtype)

    def _new(self, shape, dtype) -> torch.Tensor:
        self.allocated += 1
        if self.pin:
            try:
                return torch.empty(tuple(shape), dtype=dtype, pin_memory=True)
            except RuntimeError:  # page-locked memory refused: plain memory, synchronous copies
                self.pin = False
        return torch.empty(tuple(shape), dtype=dtype)

    def take(self, shape, dtype) -> torch.Tensor:
        with self._lock:
            free = self._free.get(self._key(shape, dtype))
            if free:
                self.reused += 1
                return free.pop()
        return self._new(shape, dtype)

    def give_back(self, tensors: Iterable[torch.Tensor]) -> None:
        with self._lock:
            for t in tensors:
                if t.device.type == "cpu" and t.is_contiguous():
                    self._free[self._key(t.shape, t.dtype)].append(t)

    def prepare(self, like: Iterable[torch.Tensor], dtype: torch.dtype | None = None, copies: int = 1) -> None:
        """Allocates and touches `copies` buffers shaped like each tensor (run it off the training thread)."""
        made = []
        for _ in range(copies):
            for t in like:
                b = self._new(t.shape, dtype or t.dtype)
                b.zero_()  # fault the pages in now, not during the snapshot
                made.append(b)
        self.give_back(made)

    def copy(self, t: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
        """A host copy of `t` (converted to `dtype`) in a pooled buffer. On CUDA the copy is
        asynchronous: call `wait()` before the buffer is read."""
        t = t.detach()
        dtype = dtype or t.dtype
        buf = self.take(t.shape, dtype)
        if t.dtype != dtype:
            t = t.to(dtype)
        asynchronous = t.device.type == "cuda" and buf.is_pinned()
        buf.copy_(t, non_blocking=asynchronous)
        self._async = self._async or asynchronous
        return buf

    def wait(self) -> None:
        """Waits for the asynchronous device→host copies issued since the last wait."""
        if self._async:
            torch.cuda.synchronize()
            self._async = False
