"""The job spec: validated against trainer/protocol/job-spec.schema.json, then completed with defaults.

Defaults are the paper's (§3.2, §4.1) for TWO_STAGE, and the common recipes for the baselines:
DreamBooth as in the diffusers example (identifier `sks`, prior preservation, λ = 1), textual
inversion as in its paper (a new noun token "S*" initialised from the class noun, trained on the
paper's object templates with random horizontal flips, lr 5e-3). Every default and where it comes
from is listed in trainer/engine/README.md ("Methods and defaults").

Presets (`preset`): `SECTION_3_2` (default) — stage 2 runs 400 steps, the upper end of the
200–400 steps §3.2 recommends; `SECTION_4_1` — the paper's evaluation protocol (§4.1): stage 2
runs 800 steps with a checkpoint every 200, so the best of 200/400/600/800 can be chosen.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from .errors import BadSpecError

PROTOCOL_DIR = Path(__file__).resolve().parents[3] / "protocol"
SPEC_SCHEMA = json.loads((PROTOCOL_DIR / "job-spec.schema.json").read_text())
_validator = jsonschema.Draft202012Validator(SPEC_SCHEMA)

TWO_STAGE, DREAMBOOTH, TEXTUAL_INVERSION = "TWO_STAGE", "DREAMBOOTH", "TEXTUAL_INVERSION"
SECTION_3_2, SECTION_4_1 = "SECTION_3_2", "SECTION_4_1"
PRESET_STAGE2_STEPS = {SECTION_3_2: {TWO_STAGE: 400, DREAMBOOTH: 800}, SECTION_4_1: {TWO_STAGE: 800, DREAMBOOTH: 800}}
DEFAULT_MAX_GRAD_NORM = 1.0  # diffusers train_dreambooth.py --max_grad_norm
TI_CHECKPOINT_EVERY = 500  # diffusers textual_inversion.py --save_steps
TI_FLIP_P = 0.5  # the TI paper's data loader (and diffusers textual_inversion.py flip_p)


@dataclass
class StageSettings:
    steps: int
    learning_rate: float
    checkpoint_every: int | None = None


@dataclass
class SampleSettings:
    prompts: list[str]
    seeds: list[int]
    every: int
    steps: int
    guidance_scale: float


@dataclass
class JobSpec:
    job_id: str
    method: str
    base_model: str
    images: list[str]
    class_noun: str
    token: str  # the identifier as it appears in prompts: <rare>, <s*> or sks
    initializer: str | None  # word whose embedding initialises a new token (None: no new token)
    stage1: StageSettings | None
    stage2: StageSettings | None
    class_images: int
    prior_loss_weight: float
    class_images_dir: str | None
    class_image_steps: int
    samples: SampleSettings
    resolution: int | None
    seed: int
    batch_size: int
    mixed_precision: str
    gradient_checkpointing: bool
    adam8bit: bool
    device: str
    max_grad_norm: float | None
    preset: str
    output_dir: str
    resume_from: str | None
    heartbeat_seconds: float
    speed: dict[str, Any] = field(default_factory=dict)  # speed.py resolves it (with STUDIO_ENGINE_SPEED) on the device
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def instance_prompt(self) -> str:
        """§3.2: 'a photo of <rare> backpack' — the identifier used as an adjective before the class noun.
        Textual inversion's token *is* the noun: 'a photo of <s*>' (it trains on templates, ti_templates.py)."""
        if self.method == TEXTUAL_INVERSION:
            return f"a photo of {self.token}"
        return f"a photo of {self.token} {self.class_noun}"

    @property
    def class_prompt(self) -> str:
        return f"a photo of {self.class_noun}"


def _field_of(err: jsonschema.ValidationError) -> str:
    path = [str(p) for p in err.absolute_path]
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else ""
        path.append(missing)
    if err.validator == "additionalProperties" and "'" in err.message:
        path.append(err.message.split("'")[1])
    return ".".join(path) or "(spec)"


def validate_spec(raw: Any) -> None:
    """Raises BadSpecError naming the first offending field (stable order: by path)."""

    # JSON Schema's bounds never reject NaN (every comparison with NaN is false), so check first.
    def walk(v: Any, path: list[str]) -> None:
        if isinstance(v, float) and not math.isfinite(v):
            name = ".".join(path)
            raise BadSpecError("BAD_SPEC", f"{name}: must be a finite number, not {v}", name)
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, [*path, str(k)])
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, [*path, str(i)])

    walk(raw, [])
    errors = sorted(_validator.iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        e = errors[0]
        name = _field_of(e)
        raise BadSpecError("BAD_SPEC", f"{name}: {e.message}", name)


def parse_spec(raw: Any) -> JobSpec:
    validate_spec(raw)
    method = raw["method"]
    token_cfg = raw.get("token", {})
    s1 = raw.get("stage1", {})
    s2 = raw.get("stage2", {})
    db = raw.get("dreambooth", {})
    smp = raw.get("samples", {})
    prec = raw.get("precision", {})
    class_noun = raw["classNoun"]
    preset = raw.get("preset", SECTION_3_2)

    if method == TWO_STAGE:
        token = token_cfg.get("placeholder", "<rare>")
        initializer = token_cfg.get("initializer", "rare")
        stage1 = StageSettings(s1.get("steps", 100), s1.get("learningRate", 5e-4), s1.get("checkpointEvery"))
        stage2 = StageSettings(s2.get("steps", PRESET_STAGE2_STEPS[preset][method]), s2.get("learningRate", 5e-6), s2.get("checkpointEvery", 200))
    elif method == TEXTUAL_INVERSION:
        token = token_cfg.get("placeholder", "<s*>")
        initializer = token_cfg.get("initializer", class_noun.split()[-1].replace("-", ""))
        stage1 = StageSettings(s1.get("steps", 3000), s1.get("learningRate", 5e-3), s1.get("checkpointEvery", TI_CHECKPOINT_EVERY))
        stage2 = None
        if s2:
            raise BadSpecError("BAD_SPEC", "stage2: textual inversion trains the embedding only; it has no stage 2", "stage2")
        if preset != SECTION_3_2:
            raise BadSpecError("BAD_SPEC", "preset: the §4.1 preset sets stage 2, which textual inversion does not have", "preset")
    else:  # DREAMBOOTH
        if "initializer" in token_cfg:
            raise BadSpecError("BAD_SPEC", "token.initializer: DreamBooth uses an existing word, not a new token", "token.initializer")
        token = token_cfg.get("placeholder", "sks")
        initializer = None
        stage1 = None
        if s1:
            raise BadSpecError("BAD_SPEC", "stage1: DreamBooth has no token-inversion stage", "stage1")
        stage2 = StageSettings(s2.get("steps", PRESET_STAGE2_STEPS[preset][method]), s2.get("learningRate", 5e-6), s2.get("checkpointEvery", 200))

    for st in (stage1, stage2):
        if st and st.checkpoint_every and st.checkpoint_every > st.steps:
            st.checkpoint_every = st.steps
    ckpt_every = (stage2 or stage1).checkpoint_every or (stage2 or stage1).steps  # type: ignore[union-attr]
    default_prompt = f"a photo of {token}" if method == TEXTUAL_INVERSION else f"a photo of {token} {class_noun}"
    prompts = smp.get("prompts") or [default_prompt]
    spec = JobSpec(
        job_id=raw["jobId"],
        method=method,
        base_model=raw["baseModel"],
        images=list(raw["images"]),
        class_noun=class_noun,
        token=token,
        initializer=initializer,
        stage1=stage1,
        stage2=stage2,
        class_images=db.get("classImages", 200),
        prior_loss_weight=db.get("priorLossWeight", 1.0),
        class_images_dir=db.get("classImagesDir"),
        class_image_steps=db.get("classImageSteps", 50),
        samples=SampleSettings(
            prompts=prompts,
            seeds=smp.get("seeds", [0]),
            every=smp.get("every", ckpt_every),
            steps=smp.get("steps", 25),
            guidance_scale=smp.get("guidanceScale", 7.5),
        ),
        resolution=raw.get("resolution"),
        seed=raw.get("seed", 0),
        batch_size=raw.get("batchSize", 1),
        mixed_precision=prec.get("mixed", "auto"),
        gradient_checkpointing=prec.get("gradientCheckpointing", False),
        adam8bit=prec.get("adam8bit", False),
        device=raw.get("device", "auto"),
        max_grad_norm=raw.get("maxGradNorm", DEFAULT_MAX_GRAD_NORM),
        preset=preset,
        output_dir=raw["outputDir"],
        resume_from=raw.get("resumeFrom"),
        heartbeat_seconds=raw.get("heartbeatSeconds", 10.0),
        speed=dict(raw.get("speed", {})),
        raw=raw,
    )
    if method != DREAMBOOTH and token in ("sks",):
        raise BadSpecError("BAD_SPEC", "token.placeholder: a new token must not be an existing word", "token.placeholder")
    return spec


def load_spec(path: str | Path) -> JobSpec:
    p = Path(path)
    try:
        raw = json.loads(p.read_text(encoding="utf-8"), parse_constant=lambda c: float(c))
    except FileNotFoundError as err:
        raise BadSpecError("BAD_SPEC", f"spec file {p} does not exist", "spec") from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BadSpecError("BAD_SPEC", f"spec file {p} is not valid JSON: {err}", "spec") from err
    return parse_spec(raw)
