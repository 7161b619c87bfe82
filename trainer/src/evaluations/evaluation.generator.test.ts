import { describe, expect, it } from "vitest";
import { pendingBatches } from "./evaluation.generator.js";

const spec = {
  baseModel: "tiny-random",
  token: "<rare>",
  classNoun: "dog",
  steps: 30,
  guidanceScale: 7.5,
  prompts: [
    { index: 0, prompt: "a <rare> dog in the jungle", scoringPrompt: "a dog in the jungle", seeds: [0, 1] },
    { index: 6, prompt: "a <rare> dog with a city in the background", scoringPrompt: "a dog with a city in the background", seeds: [6000, 6001] },
  ],
  drift: { prompt: "a photo of dog", seeds: [900000, 900001] },
};

describe("pendingBatches", () => {
  it("asks for every prompt through the checkpoint, then the drift prompt with and without it", () => {
    const b = pendingBatches(spec, []);
    expect(b.map((x) => [x.group, x.promptIndex, x.seeds, x.withCheckpoint])).toEqual([
      ["SUBJECT", 0, [0, 1], true],
      ["SUBJECT", 6, [6000, 6001], true],
      ["CLASS", -1, [900000, 900001], true],
      ["BASE_CLASS", -1, [900000, 900001], false],
    ]);
  });

  it("skips images a previous owner already recorded, keeping seeds consecutive per request", () => {
    const b = pendingBatches(spec, [
      { group: "SUBJECT", promptIndex: 0, seed: 0, objectKey: "k" },
      { group: "SUBJECT", promptIndex: 6, seed: 6000, objectKey: "k" },
      { group: "SUBJECT", promptIndex: 6, seed: 6001, objectKey: "k" },
      { group: "BASE_CLASS", promptIndex: -1, seed: 900000, objectKey: "k" },
    ]);
    expect(b.map((x) => [x.group, x.promptIndex, x.seeds])).toEqual([
      ["SUBJECT", 0, [1]],
      ["CLASS", -1, [900000, 900001]],
      ["BASE_CLASS", -1, [900001]],
    ]);
  });

  it("splits long prompts (SIMPLE: 64 images) into requests of at most 8, and breaks on seed gaps", () => {
    const simple = { ...spec, prompts: [{ index: 0, prompt: "a photo of <rare> dog", scoringPrompt: "a photo of dog", seeds: Array.from({ length: 64 }, (_, j) => j) }] };
    const b = pendingBatches(simple, [{ group: "SUBJECT", promptIndex: 0, seed: 3, objectKey: "k" }]);
    const subject = b.filter((x) => x.group === "SUBJECT");
    expect(subject.every((x) => x.seeds.length <= 8)).toBe(true);
    expect(subject.flatMap((x) => x.seeds)).toEqual(Array.from({ length: 64 }, (_, j) => j).filter((j) => j !== 3));
    for (const x of subject) expect(x.seeds).toEqual(x.seeds.map((_, k) => x.seeds[0]! + k));
  });
});
