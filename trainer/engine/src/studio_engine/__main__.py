"""Command line of the engine (people can use it too; the trainer service drives it the same way).

    python -m studio_engine ready
    python -m studio_engine train --spec spec.json
    python -m studio_engine generate --model tiny-random [--checkpoint DIR] --prompt "..." --out DIR
    python -m studio_engine serve                      # NDJSON requests on stdin
    python -m studio_engine standby [--preload ID]     # a warm engine: one train job on stdin
    python -m studio_engine make-tiny-model DIR
    python -m studio_engine export --model ID --checkpoint DIR --format diffusers|single-file|checkpoint [--half] --out OUT
    python -m studio_engine import --model ID --file FILE [--embedding EMB] [--token TOKEN] --out DIR
    python -m studio_engine export-eval-models --out DIR [--tiny] [--force] [--clip ID] [--dino ID]
    python -m studio_engine eval-reference [--models DIR] --request REQ.json --out OUT.json
    python -m studio_engine models list                # which base models this machine has
    python -m studio_engine models pull ID [--revision REV] [--force]

`export` writes a checkpoint as a diffusers pipeline folder, as one original-layout
`model.safetensors` (+ token embedding) that AUTOMATIC1111 / ComfyUI load, or as its own files,
plain (a compact checkpoint's UNet decoded); `import` checks a shared
file with the safetensors guard (no pickles, ever) and turns it back into a checkpoint folder.

`models pull` downloads a base model from the Hugging Face Hub ($HF_ENDPOINT) into the cache the
engine loads from, checking every file's sha256 and resuming an interrupted download
(model_store.py, docs/base-models.md).

`export-eval-models` builds the CLIP + DINO ONNX encoders the evaluator scores with
(docs/evaluation-contract.md §1); `eval-reference` is the Python reference it is tested against (§7).

stdout carries only NDJSON events (see trainer/protocol/PROTOCOL.md); logs go to stderr.
Bad arguments: an `error` event (code BAD_ARGUMENTS) and exit code 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import traceback
from pathlib import Path

from . import __version__
from .errors import EXIT_CRASH, EXIT_OK, BadSpecError, EngineError, OutOfMemoryError
from .events import EventWriter

EVAL_REFERENCE_HELP = """\
The Python reference the TypeScript evaluator is tested against (docs/evaluation-contract.md §7).

REQ.json (every field optional):
  {"images": [path, ...], "texts": [string, ...], "includePixels": false,
   "metrics": {"generated": [{"path": p | "image": i, "scoringPrompt": s | "text": j, "promptIndex": k}, ...],
               "real": [p | i, ...],
               "drift": {"checkpoint": [p | i, ...], "base": [p | i, ...]}}}
  or, instead of images/texts, "embeddings": {"clipImage": [[...]], "dinoImage": [[...]], "clipText": [[...]]}
  with metrics referring to rows by index (checks the metric formulas alone; --models not needed).
  An index i refers to images[i] / texts[i] (or to embedding rows); a string is a path / prompt.

OUT.json:
  {"decoded": [{"width", "height", "sha256"}] per image (sha256 of the 8-bit RGB bytes),
   "clipImage": [[D floats]] per image, "dinoImage": [[D floats]], "clipText": [[D floats]] per text,
   "clipPixels"/"dinoPixels": [[3*224*224 floats]] per image (only with includePixels),
   "metrics": {"clipI", "clipT", "dino", "perPrompt": [{"promptIndex", "clipI", "clipT", "dino", "imageCount"}],
               "drift": {"clipI", "dino"} (only with metrics.drift)}}
  Embeddings are float32 and not normalised; metrics are cosines in float64.
"""


class ArgumentsError(BadSpecError):
    """Bad command-line arguments: reported as an `error` event like any bad input (exit code 2)."""

    def __init__(self, message: str) -> None:
        super().__init__("BAD_ARGUMENTS", message, "arguments")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit 2 without an event
        self.print_usage(sys.stderr)
        raise ArgumentsError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="studio_engine", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    g.add_argument("--scheduler", default="DDIM", choices=["DDIM", "DPM_SOLVER", "EULER_ANCESTRAL"])
    g.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    g.add_argument("--out", required=True, help="folder for the PNG files")
    s = sub.add_parser("serve", help="long-lived generation server: NDJSON requests on stdin")
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    w = sub.add_parser("standby", help="a warm engine: import, preload a base model, then run one train job given on stdin")
    w.add_argument("--preload", default=None, help="base model id to load before the job comes (the trainer's last one)")
    w.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    m = sub.add_parser("make-tiny-model", help="build the tiny-random model into DIR")
    m.add_argument("dir")
    e = sub.add_parser("export", help="export a checkpoint for other tools (diffusers folder or single file)")
    e.add_argument("--model", default="stable-diffusion-2-1-base")
    e.add_argument("--checkpoint", required=True, help="checkpoint folder")
    e.add_argument("--format", required=True, choices=["diffusers", "single-file", "checkpoint"])
    e.add_argument("--half", action="store_true", help="single-file: store float16 (default float32)")
    e.add_argument("--out", required=True, help="folder to create (must not exist)")
    i = sub.add_parser("import", help="import a shared single-file model (+ embedding) as a checkpoint")
    i.add_argument("--model", default="stable-diffusion-2-1-base")
    i.add_argument("--file", required=True, help="model .safetensors in the original Stable Diffusion layout")
    i.add_argument("--embedding", default=None, help="token embedding .safetensors (emb_params, string_to_param or {token: tensor})")
    i.add_argument("--token", default=None, help="the token's name in prompts (default: the one the files name)")
    i.add_argument("--out", required=True, help="checkpoint folder to create (must not exist)")
    mo = sub.add_parser("models", help="list the base models this machine has, or pull one (docs/base-models.md)")
    mo_sub = mo.add_subparsers(dest="models_command", required=True)
    mo_sub.add_parser("list", help="one `models` event: every named base model, available or not, and from where")
    mp = mo_sub.add_parser("pull", help="download a base model into $STUDIO_CACHE_DIR/models/ID (resumable, sha256-checked)")
    mp.add_argument("id", help="base model id, e.g. stable-diffusion-2-1-base")
    mp.add_argument("--revision", default="main", help="branch, tag or commit of the Hub repository (default main)")
    mp.add_argument("--force", action="store_true", help="download again even if a pulled copy is there")
    v = sub.add_parser(
        "export-eval-models",
        help="build the evaluation encoders folder (CLIP + DINO as ONNX), see docs/evaluation-contract.md",
        description="Writes DIR atomically; a complete folder of the same kind already there is kept unless --force.",
    )
    v.add_argument("--out", required=True, help="the folder to write (EVAL_MODELS_DIR)")
    v.add_argument("--tiny", action="store_true", help="small random encoders of the same families (tests; no download)")
    v.add_argument("--force", action="store_true", help="rebuild even if DIR already holds a complete folder")
    v.add_argument("--clip", default=None, help="CLIP model id or folder (default openai/clip-vit-base-patch32)")
    v.add_argument("--dino", default=None, help="DINO model id or folder (default facebook/dino-vits16)")
    r = sub.add_parser(
        "eval-reference",
        help="Python reference embeddings and metrics for a request file",
        description=EVAL_REFERENCE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("--models", default=None, help="the encoder folder (from export-eval-models)")
    r.add_argument("--request", required=True, help="REQ.json")
    r.add_argument("--out", required=True, help="OUT.json (written atomically)")
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

        events.emit("ready", **describe(import_libraries=False))
        return EXIT_OK

    if args.command == "make-tiny-model":
        from .tiny import make_tiny_model

        out = make_tiny_model(Path(args.dir))
        events.emit("completed", outputDir=str(out))
        return EXIT_OK

    if args.command == "export-eval-models":
        return _export_eval_models(args, events)

    if args.command == "models":
        from . import model_store

        if args.models_command == "list":
            events.emit("models", models=model_store.availability())
            return EXIT_OK
        done = model_store.pull(args.id, events.emit, revision=args.revision, force=args.force)
        events.emit("completed", **done)
        return EXIT_OK

    if args.command == "eval-reference":
        return _eval_reference(args, events)

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

    if args.command == "standby":
        return _standby(args, events)

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
                "scheduler": args.scheduler,
            }
        )
        model = load_model(args.model, args.device)
        model.use_checkpoint(args.checkpoint)
        paths = run_generation(model, req, Path(args.out), events)
        events.emit("completed", images=len(paths), outputDir=args.out)
        return EXIT_OK

    if args.command == "export":
        from .exports import export_checkpoint

        export_checkpoint(args.model, args.checkpoint, args.format, args.out, events, half=args.half)
        return EXIT_OK

    if args.command == "import":
        from .imports import import_single_file

        import_single_file(args.model, args.file, args.out, events, embedding=args.embedding, token=args.token)
        return EXIT_OK

    if args.command == "serve":
        import os

        from .generation import serve

        signal.signal(signal.SIGTERM, lambda *_: sys.exit(EXIT_OK))
        watch_parent(lambda: os._exit(EXIT_OK))
        serve(events, args.device)
        return EXIT_OK
    raise BadSpecError("BAD_SPEC", f"unknown command {args.command}")


def _standby(args: argparse.Namespace, events: EventWriter) -> int:
    """The trainer's warm engine (PROTOCOL.md "standby"): everything a job needs is imported and the base
    model is loaded before the job exists; then one line on stdin, {"command": "train", "spec": FILE},
    makes this process that job, exactly as `train --spec FILE` (same events, signals and exit codes).
    EOF or SIGTERM before a job: exit 0 at once. One job per process: a job changes the model it trains."""
    import json
    import os
    import time

    from .run_context import CancelFlag
    from .spec import load_spec
    from .train import WarmModel, heartbeat, run_training

    cancel = CancelFlag()
    job = threading.Event()

    def on_signal(*_) -> None:
        if job.is_set():
            cancel.set()  # as `train`: finish the step, then exit with the cancelled code
        else:
            os._exit(EXIT_OK)  # nothing to finish

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def parent_gone() -> None:
        if not job.is_set():
            os._exit(EXIT_OK)
        cancel.set()
        time.sleep(30)
        os._exit(EXIT_CRASH)

    watch_parent(parent_gone)
    t0 = time.monotonic()
    warm, reason = None, None
    if args.preload:
        try:
            warm = WarmModel.load(args.preload, args.device)
        except Exception as err:  # noqa: BLE001 - the job will load (and report) it itself
            reason = f"{type(err).__name__}: {err}"[:500]
            print(f"studio_engine: standby could not preload {args.preload}: {reason}", file=sys.stderr)
    if warm is None:  # at least what loading a model imports (diffusers pulls in most of torch's compiler stack)
        from .models import import_model_classes

        import_model_classes()
    fields = {"modelId": args.preload, "loaded": warm is not None, "seconds": round(time.monotonic() - t0, 3)}
    events.emit("standby", **{k: v for k, v in fields.items() if v is not None}, **({"reason": reason} if reason else {}))

    line = sys.stdin.readline()
    if not line.strip():
        return EXIT_OK  # dismissed
    try:
        request = json.loads(line)
        ok = isinstance(request, dict) and request.get("command") == "train" and isinstance(request.get("spec"), str)
    except ValueError:
        ok = False
    if not ok:
        raise ArgumentsError('standby: expected one line {"command": "train", "spec": FILE} on stdin')
    job.set()
    spec = load_spec(request["spec"])
    stop = threading.Event()
    heartbeat(events, spec.heartbeat_seconds, stop)
    try:
        run_training(spec, events, cancel, warm=warm)
    finally:
        stop.set()
    return EXIT_OK


def _quiet_transformers() -> None:
    """Fewer warnings and no progress bars from transformers / huggingface_hub (they would go to stderr).
    Environment variables, read when transformers is imported: importing it here would cost seconds on
    the fast path. Unlike `quiet_libraries`, HF_HUB_OFFLINE is left alone: exporting real encoders downloads."""
    import os

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def _export_eval_models(args: argparse.Namespace, events: EventWriter) -> int:
    from .eval_models import CLIP_ID, DINO_ID, export_eval_models

    if args.tiny and (args.clip or args.dino):
        raise ArgumentsError("--tiny builds random encoders; it takes no --clip/--dino")
    _quiet_transformers()
    result = export_eval_models(args.out, tiny=args.tiny, clip_id=args.clip or CLIP_ID, dino_id=args.dino or DINO_ID, force=args.force)
    if not result.already_present:  # nothing new to list (and no gigabyte to hash) when the folder was kept
        for f in result.files():
            events.emit("export.file", **f)
    events.emit("completed", outputDir=str(result.folder), alreadyPresent=result.already_present, tiny=result.manifest["tiny"])
    return EXIT_OK


def _eval_reference(args: argparse.Namespace, events: EventWriter) -> int:
    import json

    from .eval_reference import run_request, write_json_atomically

    try:
        request = json.loads(Path(args.request).read_text())
    except OSError as err:
        raise BadSpecError("BAD_REQUEST", f"cannot read {args.request}: {err.strerror or err}", "request") from err
    except ValueError as err:
        raise BadSpecError("BAD_REQUEST", f"{args.request} is not JSON: {err}", "request") from err
    _quiet_transformers()
    out = write_json_atomically(args.out, run_request(request, args.models))
    events.emit("completed", outputFile=str(out))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    events = EventWriter()
    try:
        args = _parser().parse_args(argv)
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
