"""Command line of the engine (people can use it too; the trainer service drives it the same way).

    python -m studio_engine ready
    python -m studio_engine train --spec spec.json
    python -m studio_engine generate --model tiny-random [--checkpoint DIR] --prompt "..." --out DIR
    python -m studio_engine serve                      # NDJSON requests on stdin
    python -m studio_engine make-tiny-model DIR

stdout carries only NDJSON events (see trainer/protocol/PROTOCOL.md); logs go to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import traceback
from pathlib import Path

from . import __version__
from .errors import EXIT_CRASH, EXIT_OK, BadSpecError, CancelledError, EngineError, OutOfMemoryError
from .events import EventWriter


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="studio_engine", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"studio_engine {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("ready", help="check the environment and print one `ready` event")
    t = sub.add_parser("train", help="run a training job")
    t.add_argument("--spec", required=True, help="job spec JSON (trainer/protocol/job-spec.schema.json)")
    g = sub.add_parser("generate", help="generate images from a base model or a checkpoint")
    g.add_argument("--model", default="stable-diffusion-2-1-base")
    g.add_argument("--checkpoint", default=None, help="checkpoint folder")
    g.add_argument("--prompt", required=True)
    g.add_argument("--negative-prompt", default=None)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--steps", type=int, default=25)
    g.add_argument("--guidance", type=float, default=7.5)
    g.add_argument("--count", type=int, default=1)
    g.add_argument("--width", type=int, default=0)
    g.add_argument("--height", type=int, default=0)
    g.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    g.add_argument("--out", required=True, help="folder for the PNG files")
    s = sub.add_parser("serve", help="long-lived generation server: NDJSON requests on stdin")
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    m = sub.add_parser("make-tiny-model", help="build the tiny-random model into DIR")
    m.add_argument("dir")
    return p


def watch_parent(on_gone) -> None:
    """Stops the engine when the process that started it disappears (e.g. a trainer killed with -9):
    a training job must not keep a GPU busy for nobody. The trainer passes its pid in STUDIO_PARENT_PID."""
    import os

    raw = os.environ.get("STUDIO_PARENT_PID")
    if not raw or not raw.isdigit():
        return
    pid = int(raw)

    def alive() -> bool:
        # The trainer spawns the engine directly; when it dies the engine is re-parented, so the
        # parent pid changes (this also cannot be fooled by the old pid being reused).
        return os.getppid() == pid

    def loop() -> None:
        import time

        while alive():
            time.sleep(1.0)
        print("studio_engine: parent process is gone; stopping", file=sys.stderr)
        on_gone()

    threading.Thread(target=loop, name="parent-watchdog", daemon=True).start()


def _run(args: argparse.Namespace, events: EventWriter) -> int:
    if args.command == "ready":
        from .environment import describe

        events.emit("ready", **describe())
        return EXIT_OK

    if args.command == "make-tiny-model":
        from .tiny import make_tiny_model

        out = make_tiny_model(Path(args.dir))
        events.emit("completed", outputDir=str(out))
        return EXIT_OK

    from .environment import describe
    from .models import quiet_libraries

    quiet_libraries()
    events.emit("ready", **describe())

    if args.command == "train":
        from .run_context import CancelFlag
        from .spec import load_spec
        from .train import heartbeat, run_training

        spec = load_spec(args.spec)
        cancel = CancelFlag()
        # SIGTERM/SIGINT: finish the current step, then exit with the cancelled code (no partial files).
        signal.signal(signal.SIGTERM, lambda *_: cancel.set())
        signal.signal(signal.SIGINT, lambda *_: cancel.set())

        def parent_gone() -> None:
            import os
            import time

            cancel.set()  # finish the step, exit with the cancelled code ...
            time.sleep(30)
            os._exit(EXIT_CRASH)  # ... or go anyway if the step hangs

        watch_parent(parent_gone)
        stop = threading.Event()
        heartbeat(events, spec.heartbeat_seconds, stop)
        try:
            run_training(spec, events, cancel)
        finally:
            stop.set()
        return EXIT_OK

    if args.command == "generate":
        from .generation import load_model, parse_request, run_generation

        req = parse_request(
            {
                "prompt": args.prompt,
                "negativePrompt": args.negative_prompt,
                "seed": args.seed,
                "steps": args.steps,
                "guidanceScale": args.guidance,
                "count": args.count,
                "width": args.width,
                "height": args.height,
            }
        )
        model = load_model(args.model, args.device)
        model.use_checkpoint(args.checkpoint)
        paths = run_generation(model, req, Path(args.out), events)
        events.emit("completed", images=len(paths), outputDir=args.out)
        return EXIT_OK

    if args.command == "serve":
        from .generation import serve

        import os

        signal.signal(signal.SIGTERM, lambda *_: sys.exit(EXIT_OK))
        watch_parent(lambda: os._exit(EXIT_OK))
        serve(events, args.device)
        return EXIT_OK
    raise BadSpecError("BAD_SPEC", f"unknown command {args.command}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    events = EventWriter()
    try:
        return _run(args, events)
    except EngineError as err:
        events.emit("error", **err.event_fields())
        print(f"studio_engine: {err.code}: {err.message}", file=sys.stderr)
        return err.exit_code
    except Exception as err:  # noqa: BLE001 - every failure must end as an event and an exit code
        from .train import torch_oom_types

        if isinstance(err, torch_oom_types()):
            e: EngineError = OutOfMemoryError(f"out of GPU memory: {err}")
            events.emit("error", **e.event_fields())
            return e.exit_code
        traceback.print_exc(file=sys.stderr)
        events.emit("error", code="CRASH", message=f"{type(err).__name__}: {err}", retryable=True)
        return EXIT_CRASH


if __name__ == "__main__":
    sys.exit(main())
