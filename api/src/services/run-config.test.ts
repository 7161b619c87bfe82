import { describe, expect, it } from "vitest";
import { DomainError } from "../errors.js";
import { buildRunConfig } from "./run-config.js";

const seed = () => 123;
function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).extensions.code).toBe("BAD_USER_INPUT");
    return (err as DomainError).extensions.field;
  }
  throw new Error("expected BAD_USER_INPUT");
}

describe("buildRunConfig", () => {
  it("fills the paper's TWO_STAGE defaults", () => {
    const r = buildRunConfig({}, "dog", seed);
    expect(r).toMatchObject({ method: "TWO_STAGE", baseModel: "stable-diffusion-2-1-base", totalSteps: 500 });
    expect(r.config.samples.prompts).toEqual(["a photo of <rare> dog"]);
    expect(r.config.seed).toBe(123);
  });

  it("fills maxGradNorm 1.0 unless null disables it; bounds it", () => {
    expect(buildRunConfig({}, "dog", seed).config.maxGradNorm).toBe(1);
    expect(buildRunConfig({ method: "DREAMBOOTH", maxGradNorm: null }, "dog", seed).config.maxGradNorm).toBeNull();
    expect(buildRunConfig({ method: "TEXTUAL_INVERSION", maxGradNorm: 0.5 }, "dog", seed).config.maxGradNorm).toBe(0.5);
    expect(fieldOf(() => buildRunConfig({ maxGradNorm: 0 }, "dog", seed))).toBe("maxGradNorm");
    expect(fieldOf(() => buildRunConfig({ maxGradNorm: Number.NaN }, "dog", seed))).toBe("maxGradNorm");
  });

  it("offers the paper's §4.1 protocol as a preset beside the §3.2 default", () => {
    const d = buildRunConfig({}, "dog", seed);
    expect(d.config.preset).toBe("SECTION_3_2");
    expect(d.config.stage2).toEqual({ steps: 400, learningRate: 5e-6, checkpointEvery: 200 });
    const p = buildRunConfig({ preset: "SECTION_4_1" }, "dog", seed);
    expect(p.config.stage2).toEqual({ steps: 800, learningRate: 5e-6, checkpointEvery: 200 });
    expect(p.config.stage1).toEqual({ steps: 100, learningRate: 5e-4 });
    expect(p.totalSteps).toBe(900);
    expect(buildRunConfig({ preset: "SECTION_4_1", stage2Steps: 600 }, "dog", seed).config.stage2!.steps).toBe(600);
    expect(fieldOf(() => buildRunConfig({ method: "TEXTUAL_INVERSION", preset: "SECTION_4_1" }, "dog", seed))).toBe("preset");
  });

  it("TEXTUAL_INVERSION: the token is the noun in its prompts, and it has its own checkpointEvery", () => {
    const r = buildRunConfig({ method: "TEXTUAL_INVERSION" }, "dog", seed);
    expect(r.config.samples.prompts).toEqual(["a photo of <s*>"]);
    expect(r.config.stage1).toEqual({ steps: 3000, learningRate: 5e-3, checkpointEvery: 500 });
    expect(r.config.samples.every).toBe(500);
    expect(buildRunConfig({ method: "TEXTUAL_INVERSION", checkpointEvery: 100 }, "dog", seed).config.stage1!.checkpointEvery).toBe(100);
    expect(fieldOf(() => buildRunConfig({ method: "TEXTUAL_INVERSION", stage2Steps: 5 }, "dog", seed))).toBe("stage2Steps");
  });

  it("caps checkpointEvery's default at a short stage 2", () => {
    expect(buildRunConfig({ stage2Steps: 50 }, "dog", seed).config.stage2!.checkpointEvery).toBe(50);
  });

  it.each([
    [{ stage1Steps: Number.NaN }, "stage1Steps"],
    [{ stage1LearningRate: Number.NaN }, "stage1LearningRate"],
    [{ stage2LearningRate: Number.POSITIVE_INFINITY }, "stage2LearningRate"],
    [{ stage2Steps: 2.5 }, "stage2Steps"],
    [{ baseModel: "" }, "baseModel"],
    [{ resolution: 516 }, "resolution"],
    [{ seed: 2 ** 32 }, "seed"],
    [{ samplePrompts: ["  "] }, "samplePrompts"],
  ])("refuses %j", (input, field) => {
    expect(fieldOf(() => buildRunConfig(input, "dog", seed))).toBe(field);
  });
});
