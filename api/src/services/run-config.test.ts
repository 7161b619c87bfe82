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
