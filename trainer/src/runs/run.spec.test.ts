import { describe, expect, it } from "vitest";
import { buildJobSpec, stage1Steps } from "./run.spec.js";

describe("buildJobSpec", () => {
  const run = {
    id: "6b0e0d9e-0000-4000-8000-000000000001",
    method: "TWO_STAGE" as const,
    baseModel: "tiny-random",
    config: { stage1: { steps: 3, learningRate: 5e-4 }, seed: 0, resolution: null },
  };

  it("adds identity, inputs and paths to runs.config and drops null settings", () => {
    const spec = buildJobSpec(run, { classNoun: "backpack", images: ["/w/00.jpg"], outputDir: "/w/out", resumeFrom: null });
    expect(spec).toEqual({
      v: 1,
      jobId: run.id,
      method: "TWO_STAGE",
      baseModel: "tiny-random",
      classNoun: "backpack",
      images: ["/w/00.jpg"],
      outputDir: "/w/out",
      stage1: { steps: 3, learningRate: 5e-4 },
      seed: 0,
    });
    expect(buildJobSpec(run, { classNoun: "backpack", images: [], outputDir: "/o", resumeFrom: "/r" }).resumeFrom).toBe("/r");
  });

  it("keeps maxGradNorm null (clipping off) and passes 1.0 through", () => {
    const off = buildJobSpec({ ...run, config: { ...run.config, maxGradNorm: null, preset: "SECTION_4_1" } }, { classNoun: "b", images: [], outputDir: "/o", resumeFrom: null });
    expect(off).toMatchObject({ maxGradNorm: null, preset: "SECTION_4_1" });
    expect("resolution" in off).toBe(false);
    expect(buildJobSpec({ ...run, config: { ...run.config, maxGradNorm: 1 } }, { classNoun: "b", images: [], outputDir: "/o", resumeFrom: null }).maxGradNorm).toBe(1);
  });

  it("counts stage-1 steps for the cumulative runs.step", () => {
    expect(stage1Steps(run.config)).toBe(3);
    expect(stage1Steps({ stage2: { steps: 10 } })).toBe(0);
  });
});
