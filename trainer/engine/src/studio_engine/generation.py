"""Generation outside training: one-shot (`generate`) and long-lived (`serve`).

`serve` keeps the base model loaded and swaps checkpoints in place — the UNet's weights and the
learned token's row — instead of reloading a pipeline per request. Requests arrive as NDJSON on
stdin; each answer is a series of events tagged with the request's id. A bad request gets an
`error` event and the server keeps serving.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .checkpoints import load_embedding, load_unet_state, read_checkpoint
from .device import Precision, choose
from .embedding import LearnedToken
from .errors import BadSpecError, EngineError
from .events import EventWriter
from .models import Components, load_components
from .sampling import SCHEDULERS, GenerationRequest, generate, save_png

MAX_PROMPT_CHARS = 2000
MAX_COUNT = 16


@dataclass
class LoadedModel:
    components: Components
    precision: Precision
    base_unet: dict[str, torch.Tensor] | None = None  # kept on CPU once a fine-tuned UNet replaces it
    checkpoint: str | None = None

    def use_checkpoint(self, path: str | None) -> None:
        if path == self.checkpoint:
            return
        c = self.components
        if path is None:
            if self.base_unet is not None:
                c.unet.load_state_dict(self.base_unet)
            self.checkpoint = None
            return
        try:
            meta = read_checkpoint(path)
        except (FileNotFoundError, ValueError) as err:
            raise BadSpecError("BAD_CHECKPOINT", str(err), "checkpoint") from err
        if meta["baseModel"]["id"] != c.model_id:
            raise BadSpecError("BAD_CHECKPOINT", f"checkpoint is for {meta['baseModel']['id']}, not {c.model_id}", "checkpoint")
        try:
            state = load_unet_state(path, c.folder)  # decodes a delta-encoded UNet (checkpoint_codec.py)
        except ValueError as err:
            raise BadSpecError("BAD_CHECKPOINT", str(err), "checkpoint") from err
        if state is not None:
            if self.base_unet is None:
                self.base_unet = {k: v.detach().cpu().clone() for k, v in c.unet.state_dict().items()}
            c.unet.load_state_dict(state)
        elif self.base_unet is not None:
            c.unet.load_state_dict(self.base_unet)
        emb = load_embedding(path)
        if emb is not None:
            token, row = emb
            if token in c.tokenizer.get_vocab():
                tid = c.tokenizer.convert_tokens_to_ids(token)
                with torch.no_grad():
                    c.text_encoder.get_input_embeddings().weight[tid] = row.to(c.text_encoder.get_input_embeddings().weight)
            else:
                LearnedToken(c.tokenizer, c.text_encoder, token, None, initial_row=row)
        self.checkpoint = path


def load_model(model_id: str, device: str = "auto") -> LoadedModel:
    precision = choose(device, "auto")
    return LoadedModel(load_components(model_id, precision.device), precision)


def parse_request(raw: dict[str, Any]) -> GenerationRequest:
    def bad(name: str, why: str) -> BadSpecError:
        return BadSpecError("BAD_REQUEST", f"{name}: {why}", name)

    prompt = raw.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise bad("prompt", "a non-empty string is required")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise bad("prompt", f"at most {MAX_PROMPT_CHARS} characters")
    neg = raw.get("negativePrompt")
    if neg is not None and (not isinstance(neg, str) or len(neg) > MAX_PROMPT_CHARS):
        raise bad("negativePrompt", f"a string of at most {MAX_PROMPT_CHARS} characters")

    def integer(name: str, default: int, lo: int, hi: int) -> int:
        v = raw.get(name, default)
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise bad(name, f"an integer from {lo} to {hi}")
        return v

    g = raw.get("guidanceScale", 7.5)
    if not isinstance(g, (int, float)) or isinstance(g, bool) or not (0 <= g <= 50):
        raise bad("guidanceScale", "a number from 0 to 50")
    size = {k: integer(k, 0, 0, 1024) or None for k in ("width", "height")}
    for k, v in size.items():
        if v is not None and (v < 64 or v % 8):
            raise bad(k, "a multiple of 8 from 64 to 1024")
    scheduler = raw.get("scheduler", "DDIM")
    if scheduler not in SCHEDULERS:
        raise bad("scheduler", f"one of {', '.join(SCHEDULERS)}")
    return GenerationRequest(
        prompt=prompt,
        scheduler=scheduler,
        negative_prompt=neg,
        seed=integer("seed", 0, 0, 2**32 - 1),
        steps=integer("steps", 25, 1, 200),
        guidance_scale=float(g),
        count=integer("count", 1, 1, MAX_COUNT),
        width=size["width"],
        height=size["height"],
    )


PROGRESS_EVERY_S = 0.25


def run_generation(model: LoadedModel, req: GenerationRequest, out_dir: Path, events: EventWriter, request_id: str | None = None) -> list[Path]:
    tag = {"requestId": request_id} if request_id else {}
    paths = []
    last = [0.0]

    def progress(index: int, step: int, total: int) -> None:
        # at most every 0.25 s, and always an image's last step: people watch it, nobody needs every step
        now = time.monotonic()
        if step < total and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        events.emit("generation.progress", index=index, step=step, totalSteps=total, images=req.count, **tag)

    for index in range(req.count):
        one = GenerationRequest(**{**req.__dict__, "seed": req.seed + index, "count": 1})
        ((seed, img),) = generate(model.components, one, model.precision, on_step=lambda _i, s, t, index=index: progress(index, s, t))
        path = save_png(img, out_dir / f"image-{index:02d}-seed-{seed}.png")
        paths.append(path)
        events.emit("image.saved", index=index, seed=seed, path=str(path), **tag)
    return paths


def serve(events: EventWriter, device: str = "auto", stdin=None) -> None:
    """Reads one JSON request per line until EOF."""
    models: dict[str, LoadedModel] = {}
    for line in stdin or sys.stdin:
        if not line.strip():
            continue
        request_id = None
        try:
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as err:
                raise BadSpecError("BAD_REQUEST", f"not JSON: {err}") from err
            if not isinstance(raw, dict):
                raise BadSpecError("BAD_REQUEST", "a request is a JSON object")
            request_id = str(raw.get("id") or "")
            if not request_id:
                raise BadSpecError("BAD_REQUEST", "id: required", "id")
            out_dir = raw.get("outputDir")
            if not isinstance(out_dir, str) or not out_dir:
                raise BadSpecError("BAD_REQUEST", "outputDir: required", "outputDir")
            req = parse_request(raw)
            model_id = raw.get("baseModel") or "stable-diffusion-2-1-base"
            if model_id not in models:
                models.clear()  # one base model in memory at a time
                models[model_id] = load_model(model_id, device)
            model = models[model_id]
            model.use_checkpoint(raw.get("checkpoint"))
            events.emit("generation.started", requestId=request_id)
            paths = run_generation(model, req, Path(out_dir), events, request_id)
            events.emit("generation.completed", requestId=request_id, images=len(paths))
        except EngineError as err:
            events.emit("error", **err.event_fields(), **({"requestId": request_id} if request_id else {}))
