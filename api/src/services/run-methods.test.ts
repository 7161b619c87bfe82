import { describe, expect, it } from "vitest";
import { buildRunConfig } from "./run-config.js";
import { RUN_METHOD_FACTS } from "./run-methods.js";

const seed = () => 7;

describe("runMethods: the facts the dashboard's new-run form shows", () => {
  it.each(RUN_METHOD_FACTS.methods.map((m) => [m.method, m] as const))("%s: its defaults, sent back explicitly, build the same config as omitted fields", (_name, m) => {
    const omitted = buildRunConfig({ method: m.method }, "dog", seed);
    const explicit = buildRunConfig(
      {
        method: m.method,
        ...(m.stage1 && { stage1Steps: m.stage1.steps, stage1LearningRate: m.stage1.learningRate }),
        ...(m.stage2 && { stage2Steps: m.stage2.steps, stage2LearningRate: m.stage2.learningRate }),
        checkpointEvery: m.stage2?.checkpointEvery ?? m.stage1?.checkpointEvery ?? undefined,
        maxGradNorm: RUN_METHOD_FACTS.defaultMaxGradNorm,
        preset: RUN_METHOD_FACTS.defaultPreset,
      },
      "dog",
      seed,
    );
    expect(explicit).toEqual(omitted);
    expect(omitted.config.samples.prompts).toEqual([m.samplePromptTemplate.replace("{classNoun}", "dog")]);
  });

  it("presets give the stage-2 steps startRun uses", () => {
    for (const p of RUN_METHOD_FACTS.presets)
      for (const s of p.stage2Steps) expect(buildRunConfig({ method: s.method, preset: p.preset }, "dog", seed).config.stage2!.steps).toBe(s.steps);
  });

  it("limits are the ones startRun enforces", () => {
    const L = RUN_METHOD_FACTS.limits;
    expect(() => buildRunConfig({ stage1Steps: L.steps.max }, "dog", seed)).not.toThrow();
    expect(() => buildRunConfig({ stage1Steps: L.steps.max + 1 }, "dog", seed)).toThrow(/stage1Steps/);
    expect(() => buildRunConfig({ stage2LearningRate: L.learningRate.min }, "dog", seed)).toThrow(/stage2LearningRate/);
    expect(L.learningRate.minExclusive).toBe(true);
    expect(() => buildRunConfig({ maxGradNorm: L.maxGradNorm.max }, "dog", seed)).not.toThrow();
    expect(() => buildRunConfig({ maxGradNorm: L.maxGradNorm.max * 2 }, "dog", seed)).toThrow(/maxGradNorm/);
    expect(() => buildRunConfig({ seed: L.seed.max + 1 }, "dog", seed)).toThrow(/seed/);
    expect(() => buildRunConfig({ samplePrompts: Array.from({ length: L.samplePrompts.maxCount + 1 }, () => "x") }, "dog", seed)).toThrow(/sample prompts/);
  });
});
