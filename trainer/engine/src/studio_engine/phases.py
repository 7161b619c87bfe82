"""Run phases that are not training stages, reported as `phase` events (PROTOCOL.md): `started`, then
`ended` with `durationMs`. The trainer records them as PhaseChanged run events (docs/live-events.md), so
people see "loading base model" and how long it took. A phase that fails ends with the run's `error`
event instead of `ended`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from .events import EventWriter

LOADING_BASE_MODEL = "loading_base_model"


@contextlib.contextmanager
def phase(events: EventWriter, name: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Yields a dict: what the block puts in it is added to the `ended` event (e.g. `warm`)."""
    events.emit("phase", phase=name, state="started", **fields)
    t0 = time.monotonic()
    extra: dict[str, Any] = {}
    yield extra
    events.emit("phase", phase=name, state="ended", durationMs=int(round((time.monotonic() - t0) * 1000)), **fields, **extra)
