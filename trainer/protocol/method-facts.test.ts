import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { generate } from "../scripts/gen-method-facts.mjs";
import {
  defaultCheckpointEvery,
  defaultSamplePrompt,
  learningRateProblem,
  METHOD_LIMITS,
  METHOD_TOKEN,
  methodDefaults,
  samplePromptsProblem,
  stepsProblem,
} from "./method-facts.js";

const schema = JSON.parse(readFileSync(new URL("./job-spec.schema.json", import.meta.url), "utf8"));

describe("method facts generated from job-spec.schema.json", () => {
  it("are up to date with the schema (run `pnpm codegen` after changing it)", () => {
    const committed = readFileSync(new URL("./method-facts.generated.ts", import.meta.url), "utf8");
    expect(committed).toBe((generate as (s: unknown) => string)(schema));
  });

  it("refuse a schema whose two stages have different step bounds (no single limit to show)", () => {
    const split = structuredClone(schema);
    split.properties.stage2.properties.steps.maximum = 999;
    expect(() => (generate as (s: unknown) => string)(split)).toThrow(/stage1.steps and stage2.steps/);
  });

  it("take the limits from the schema's bounds", () => {
    expect(METHOD_LIMITS.steps).toEqual({ minimum: schema.properties.stage1.properties.steps.minimum, maximum: schema.properties.stage1.properties.steps.maximum });
    expect(stepsProblem("stage1Steps", METHOD_LIMITS.steps.maximum)).toBeNull();
    expect(stepsProblem("stage1Steps", METHOD_LIMITS.steps.maximum + 1)).toBe(
      `stage1Steps must be an integer from 1 to ${METHOD_LIMITS.steps.maximum} (got ${METHOD_LIMITS.steps.maximum + 1})`,
    );
    expect(stepsProblem("stage1Steps", 2.5)).not.toBeNull();
    expect(learningRateProblem("lr", 0)).not.toBeNull(); // the lower bound is exclusive
    expect(learningRateProblem("lr", 1)).toBeNull();
    expect(samplePromptsProblem(Array.from({ length: METHOD_LIMITS.samplePrompts.maxItems + 1 }, () => "a"))).toMatch(/at most/);
    expect(samplePromptsProblem(["ok", " "])).toBe("sample prompt 2 must be 1–500 characters");
  });

  it("give each method its token, its prompt shape and its preset's stage-2 steps", () => {
    const facts = schema["x-methodFacts"];
    expect(METHOD_TOKEN).toEqual({
      TWO_STAGE: facts.methods.TWO_STAGE.token,
      DREAMBOOTH: facts.methods.DREAMBOOTH.token,
      TEXTUAL_INVERSION: facts.methods.TEXTUAL_INVERSION.token,
    });
    expect(defaultSamplePrompt("TWO_STAGE", "dog")).toBe("a photo of <rare> dog");
    expect(defaultSamplePrompt("TEXTUAL_INVERSION", "dog")).toBe("a photo of <s*>"); // the token is the noun
    expect(methodDefaults("TWO_STAGE", "SECTION_4_1").stage2!.steps).toBe(facts.presets.SECTION_4_1.stage2Steps.TWO_STAGE);
    expect(methodDefaults("TEXTUAL_INVERSION").stage2).toBeNull();
    expect(methodDefaults("DREAMBOOTH").stage1).toBeNull();
    expect(defaultCheckpointEvery(200, 50)).toBe(50);
  });
});
