"""The job spec: validated against trainer/protocol/job-spec.schema.json, then completed with defaults.

Defaults are the paper's (§3.2, §4.1) for TWO_STAGE, and the common recipes for the baselines:
DreamBooth as in the diffusers example (identifier `sks`, prior preservation, λ = 1), textual
inversion as in its paper (a new noun token, thousands of steps, lr 5e-3).
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
    output_dir: str
    resume_from: str | None
    heartbeat_seconds: float
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def instance_prompt(self) -> str:
        """§3.2: 'a photo of <rare> backpack' — the identifier used as an adjective before the class noun."""
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

    if method == TWO_STAGE:
        token = token_cfg.get("placeholder", "<rare>")
        initializer = token_cfg.get("initializer", "rare")
        stage1 = StageSettings(s1.get("steps", 100), s1.get("learningRate", 5e-4))
        stage2 = StageSettings(s2.get("steps", 400), s2.get("learningRate", 5e-6), s2.get("checkpointEvery", 200))
    elif method == TEXTUAL_INVERSION:
        token = token_cfg.get("placeholder", "<s*>")
        initializer = token_cfg.get("initializer", class_noun.split()[-1].replace("-", ""))
        stage1 = StageSettings(s1.get("steps", 3000), s1.get("learningRate", 5e-3), s2.get("checkpointEvery"))
        stage2 = None
        if s2:
            raise BadSpecError("BAD_SPEC", "stage2: textual inversion trains the embedding only; it has no stage 2", "stage2")
    else:  # DREAMBOOTH
        if "initializer" in token_cfg:
            raise BadSpecError("BAD_SPEC", "token.initializer: DreamBooth uses an existing word, not a new token", "token.initializer")
        token = token_cfg.get("placeholder", "sks")
        initializer = None
        stage1 = None
        if s1:
            raise BadSpecError("BAD_SPEC", "stage1: DreamBooth has no token-inversion stage", "stage1")
        stage2 = StageSettings(s2.get("steps", 800), s2.get("learningRate", 5e-6), s2.get("checkpointEvery", 200))

    ckpt_every = (stage2 or stage1).checkpoint_every or (stage2 or stage1).steps  # type: ignore[union-attr]
    prompts = smp.get("prompts") or [f"a photo of {token} {class_noun}"]
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
        output_dir=raw["outputDir"],
        resume_from=raw.get("resumeFrom"),
        heartbeat_seconds=raw.get("heartbeatSeconds", 10.0),
        raw=raw,
    )
    if method != DREAMBOOTH and token in ("sks",):
        raise BadSpecError("BAD_SPEC", "token.placeholder: a new token must not be an existing word", "token.placeholder")
    if spec.stage2 and spec.stage2.checkpoint_every and spec.stage2.checkpoint_every > spec.stage2.steps:
        spec.stage2.checkpoint_every = spec.stage2.steps
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
