"""The job spec's defaults and limits come from one place: job-spec.schema.json (its bounds and its
`x-methodFacts`), which the API, CLI and dashboard read too, as trainer/protocol/method-facts.generated.ts.
These tests read the schema and the generated module on their own and fail when spec.py, the schema or the
generated module disagree. No torch: parse_spec only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from studio_engine import spec as spec_module
from studio_engine.errors import BadSpecError
from studio_engine.spec import parse_spec

PROTOCOL = Path(__file__).resolve().parents[2] / "protocol"
SCHEMA = json.loads((PROTOCOL / "job-spec.schema.json").read_text())
FACTS = SCHEMA["x-methodFacts"]
METHODS = list(FACTS["methods"])


def raw(**fields):
    return {"v": 1, "jobId": "t", "baseModel": "tiny-random", "classNoun": "hiking backpack", "images": ["x.jpg"], "outputDir": "/tmp/o", **fields}


def generated_constant(name: str):
    """A constant of method-facts.generated.ts (`export const NAME = {json} as const;`)."""
    text = (PROTOCOL / "method-facts.generated.ts").read_text()
    m = re.search(rf"export const {name} = (\{{.*?\n\}}) as const;", text, re.S)
    assert m, f"{name} is missing from method-facts.generated.ts"
    return json.loads(m.group(1))


@pytest.mark.parametrize("method", METHODS)
def test_an_omitted_field_takes_the_schema_s_method_default(method):
    facts = FACTS["methods"][method]
    s = parse_spec(raw(method=method))
    assert s.token == facts["token"]
    expected_init = "backpack" if facts["initializer"] == "CLASS_NOUN" else facts["initializer"]
    assert s.initializer == expected_init
    for got, want, preset_steps in [(s.stage1, facts["stage1"], None), (s.stage2, facts["stage2"], FACTS["presets"][FACTS["defaultPreset"]]["stage2Steps"].get(method))]:
        if want is None:
            assert got is None
            continue
        steps = preset_steps if preset_steps is not None else want["steps"]
        every = want["checkpointEvery"] if want["checkpointEvery"] is None else min(want["checkpointEvery"], steps)
        assert (got.steps, got.learning_rate, got.checkpoint_every) == (steps, want["learningRate"], every)
    noun = facts["tokenRole"] == "NOUN"
    assert s.samples.prompts == [f"a photo of {s.token}" if noun else f"a photo of {s.token} hiking backpack"]
    assert (s.samples.seeds, s.samples.steps, s.samples.guidance_scale) == (FACTS["samples"]["seeds"], FACTS["samples"]["steps"], FACTS["samples"]["guidanceScale"])
    assert s.max_grad_norm == FACTS["maxGradNorm"] and s.preset == FACTS["defaultPreset"]
    db = FACTS["methods"]["DREAMBOOTH"]["dreambooth"]
    assert (s.class_images, s.prior_loss_weight, s.class_image_steps) == (db["classImages"], db["priorLossWeight"], db["classImageSteps"])


@pytest.mark.parametrize("preset", list(FACTS["presets"]))
def test_each_preset_sets_the_schema_s_stage2_steps(preset):
    for method, steps in FACTS["presets"][preset]["stage2Steps"].items():
        assert parse_spec(raw(method=method, preset=preset)).stage2.steps == steps


@pytest.mark.parametrize("field", ["stage1.steps", "stage2.steps", "stage2.checkpointEvery", "stage1.learningRate", "seed"])
def test_the_schema_s_bounds_are_the_limits(field):
    stage, _, name = field.rpartition(".")
    bounds = SCHEMA["properties"][stage]["properties"][name] if stage else SCHEMA["properties"][name]

    def spec_with(v):
        return raw(method="TWO_STAGE", **({stage: {name: v}} if stage else {name: v}))

    parse_spec(spec_with(bounds["maximum"]))  # the limit itself is accepted
    with pytest.raises(BadSpecError) as err:
        parse_spec(spec_with(bounds["maximum"] * 2 if bounds["maximum"] >= 1 else bounds["maximum"] + 1))
    assert err.value.field == field
    low = bounds.get("minimum", bounds.get("exclusiveMinimum"))
    with pytest.raises(BadSpecError):
        parse_spec(spec_with(low - 1 if "minimum" in bounds else low))


def test_a_checkpoint_interval_beyond_the_stage_becomes_the_stage_s_steps():
    s = parse_spec(raw(method="DREAMBOOTH", stage2={"steps": 30, "checkpointEvery": 500}))
    assert s.stage2.checkpoint_every == 30 and s.samples.every == 30


def test_the_generated_typescript_module_agrees_with_the_schema():
    facts = {k: v for k, v in FACTS.items() if k != "description"}
    assert generated_constant("METHOD_FACTS") == facts, "run `pnpm codegen` (trainer/scripts/gen-method-facts.mjs)"
    limits = generated_constant("METHOD_LIMITS")
    props = SCHEMA["properties"]
    for stage in ("stage1", "stage2"):
        assert limits["steps"]["maximum"] == props[stage]["properties"]["steps"]["maximum"]
        assert limits["steps"]["minimum"] == props[stage]["properties"]["steps"]["minimum"]
        assert limits["checkpointEvery"]["maximum"] == props[stage]["properties"]["checkpointEvery"]["maximum"]
        assert limits["learningRate"]["maximum"] == props[stage]["properties"]["learningRate"]["maximum"]
    assert limits["samplePrompts"]["maxItems"] == props["samples"]["properties"]["prompts"]["maxItems"]
    assert limits["maxGradNorm"]["maximum"] == props["maxGradNorm"]["maximum"]


def test_spec_py_keeps_no_copy_of_the_method_facts():
    source = Path(spec_module.__file__).read_text()
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    code = re.sub(r'"""[\s\S]*?"""', "", code)  # docstrings may name them
    for token in {m["token"] for m in FACTS["methods"].values()}:
        assert f'"{token}"' not in code, f"spec.py repeats the token {token}"
    for literal in ("5e-4", "5e-6", "5e-3", "3000", "400", "800", "7.5"):
        assert not re.search(rf"(?<![\w.]){re.escape(literal)}(?![\w.])", code), f"spec.py repeats the default {literal}"
