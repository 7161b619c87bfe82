"""Command line: ``python -m studio_engine {--version | ready}``."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .environment import describe
from .events import EventWriter

EXIT_OK = 0
EXIT_BAD_SPEC = 2
EXIT_CRASH = 70


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="studio_engine", description=__doc__)
    parser.add_argument("--version", action="version", version=f"studio_engine {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ready", help="check the environment and print one `ready` event")
    args = parser.parse_args(argv)

    events = EventWriter()
    if args.command == "ready":
        events.emit("ready", **describe())
        return EXIT_OK
    return EXIT_BAD_SPEC


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
