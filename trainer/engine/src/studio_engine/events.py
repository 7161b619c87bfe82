"""NDJSON event writer: the only code that writes to stdout.

Every event carries ``v`` (protocol version), ``seq`` (1, 2, 3, ... per process), ``ts`` (ISO 8601
UTC) and ``type``. One event per line, flushed at once so the trainer sees it without delay.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import threading
from typing import Any, TextIO

from . import PROTOCOL_VERSION


class EventWriter:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._seq = 0
        self._lock = threading.Lock()  # heartbeats come from a second thread

    def emit(self, type_: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            event = {
                "v": PROTOCOL_VERSION,
                "seq": self._seq,
                "ts": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "type": type_,
                **fields,
            }
            self._stream.write(json.dumps(event, separators=(",", ":"), allow_nan=False) + "\n")
            self._stream.flush()
            return event
