"""The background checkpoint writer: training goes on while a checkpoint is written.

The training loop calls `submit(snapshot_fn, on_saved)`. `snapshot_fn` copies the checkpoint's
tensors to host memory (checkpoints.take_snapshot: device→host, on CPU a clone); one writer thread
then writes the files (hashing the bytes as it writes them), fsyncs, renames the folder into place,
and only then calls `on_saved` (which emits `checkpoint.saved`). Checkpoints are written one at a
time in the order they were submitted, so their events and folders keep the training order.

Memory bound: at most `max_in_flight` snapshots exist at once (STUDIO_CHECKPOINT_MAX_IN_FLIGHT,
1..4, default 1). A snapshot is the checkpoint's size in host memory — SD 2.1's float32 UNet is
3.46 GB, plus its AdamW moments (2 × 3.46 GB) in the training state — so the default holds one. When
the writer is behind, `submit` waits for a slot before it takes the next snapshot: that wait plus
the copy is the training stall, returned by `submit` and reported as `stallSeconds` in the event.

Snapshots are copied into reused host buffers (host_buffers.py; pinned on CUDA): the writer gives a
written snapshot's tensors back to the pool, and `prepare` allocates the first set in the writer
thread while training runs, so a snapshot is a memcpy (on CUDA a DMA), not a page-faulting allocation.

`drain()` waits until everything submitted is durable; a stage ends with it, so a run never reports
`completed` (or its cancellation) before its last checkpoint is on disk. A write that failed is
raised by the next `submit` or `drain`; a process killed mid-write leaves only a hidden `.tmp-*`
folder, never a half checkpoint (checkpoints.write_checkpoint).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .checkpoints import SavedCheckpoint, Snapshot, write_checkpoint
from .host_buffers import HostBufferPool

ENV = "STUDIO_CHECKPOINT_MAX_IN_FLIGHT"
MAX_IN_FLIGHT_LIMIT = 4


def max_in_flight_from_env() -> int:
    raw = os.environ.get(ENV, "1").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_IN_FLIGHT_LIMIT:
        raise ValueError(f"{ENV} must be an integer from 1 to {MAX_IN_FLIGHT_LIMIT}, not {raw!r}")
    return int(raw)


class CheckpointWriter:
    def __init__(self, root: Path, max_in_flight: int = 1, pin: bool = False) -> None:
        self.root = root
        self.max_in_flight = max_in_flight
        self.pool = HostBufferPool(pin=pin)
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._queue: queue.Queue = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._prepared = threading.Event()  # no `prepare` pending: a snapshot never allocates beside it
        self._prepared.set()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="checkpoint-writer", daemon=True)
            self._thread.start()

    def submit(self, snapshot_fn: Callable[[], Snapshot], on_saved: Callable[[SavedCheckpoint, float], None]) -> float:
        """Takes the snapshot (after waiting for a free slot) and queues its write; returns the
        seconds the caller was held (the training stall)."""
        self.raise_error()
        t0 = time.monotonic()
        self._prepared.wait()
        self._slots.acquire()
        try:
            self.raise_error()
            snap = snapshot_fn()
        except BaseException:
            self._slots.release()
            raise
        stall = time.monotonic() - t0
        with self._idle:
            self._pending += 1
        self._start()
        self._queue.put((snap, on_saved, stall))
        return stall

    def prepare(self, like: list, dtype=None, copies: int = 1) -> None:
        """Allocates one snapshot's buffers in the writer thread (training goes on meanwhile); a
        snapshot taken before this is done allocates its own, as without it."""
        self._start()
        self._prepared.clear()
        self._queue.put(lambda: self.pool.prepare(like, dtype, copies))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:  # close
                return
            if callable(item):  # prepare
                try:
                    item()
                except BaseException:  # noqa: BLE001 - only an optimisation: snapshots allocate their own
                    pass
                finally:
                    if self._queue.empty() or not any(callable(x) for x in list(self._queue.queue)):
                        self._prepared.set()
                continue
            snap, on_saved, stall = item
            try:
                if self._error is None:
                    saved = write_checkpoint(self.root, snap)
                    on_saved(saved, stall)
            except BaseException as err:  # noqa: BLE001 - reported to the training thread
                self._error = err
            finally:
                self.pool.give_back(snap.tensors())
                snap = item = None
                self._slots.release()
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def drain(self, raise_error: bool = True) -> None:
        """Waits until every submitted checkpoint is durable (or failed)."""
        with self._idle:
            while self._pending:
                self._idle.wait()
        if raise_error:
            self.raise_error()

    def close(self) -> None:
        """Waits for the writes, stops the thread and frees the buffers (the training process exits
        anyway; benchmarks and tests that make several writers call it)."""
        self.drain(raise_error=False)
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self.pool = HostBufferPool(pin=self.pool.pin)

    def raise_error(self) -> None:
        if self._error is not None:  # sticky: nothing more is written after a failed write
            raise self._error
