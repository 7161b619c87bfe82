"""Typed engine errors: each has a code (carried by the `error` event) and decides the exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_SPEC = 2
EXIT_CANCELLED = 3
EXIT_OUT_OF_MEMORY = 4
EXIT_CRASH = 70


class EngineError(Exception):
    """An error the engine reports as an `error` event, then exits with `exit_code`."""

    exit_code = EXIT_CRASH
    retryable = False

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def event_fields(self) -> dict:
        out = {"code": self.code, "message": self.message, "retryable": self.retryable}
        if self.field:
            out["field"] = self.field
        return out


class BadSpecError(EngineError):
    """The job spec (or an input it names) is wrong; running it again will not help."""

    exit_code = EXIT_BAD_SPEC


class ModelNotFoundError(BadSpecError):
    pass


class OutOfMemoryError(EngineError):
    exit_code = EXIT_OUT_OF_MEMORY
    retryable = True

    def __init__(self, message: str) -> None:
        super().__init__("OUT_OF_MEMORY", message)


class CancelledError(EngineError):
    exit_code = EXIT_CANCELLED

    def __init__(self, message: str = "cancelled by SIGTERM") -> None:
        super().__init__("CANCELLED", message)
