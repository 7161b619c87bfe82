import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LIVE_SUBJECT_PROMPTS, OBJECT_PROMPTS, buildEvaluationSpec } from "./dreambooth-prompts.js";

// The dataset's own prompt list, shipped unchanged in examples/ (examples/README.md: source and licence).
const SHARED_FILE = fileURLToPath(new URL("../../../examples/prompts_and_classes.txt", import.meta.url));

/** The `'...'.format(unique_token, class_token)` lines of one section, in order. */
function section(text: string, from: string, to?: string): string[] {
  const body = text.slice(text.indexOf(from), to ? text.indexOf(to) : undefined);
  return [...body.matchAll(/'(.*?)'\.format\(unique_token, class_token\)/g)].map((m) => m[1]!.replace("{0}", "{token}").replace("{1}", "{class}"));
}

describe("DreamBooth prompts", () => {
  const text = readFileSync(SHARED_FILE, "utf8");

  it("are an exact copy of the dataset's object and live-subject lists", () => {
    expect(OBJECT_PROMPTS).toEqual(section(text, "Object Prompts", "Live Subject Prompts"));
    expect(LIVE_SUBJECT_PROMPTS).toEqual(section(text, "Live Subject Prompts"));
    expect(OBJECT_PROMPTS).toHaveLength(25);
    expect(LIVE_SUBJECT_PROMPTS).toHaveLength(25);
  });

  const base = { baseModel: "tiny-random", token: "<rare>", classNoun: "dog", steps: 30, guidanceScale: 7.5 };

  it("QUICK takes prompts 0, 6, 20, 23 of the subject's list with seeds 1000·i + j", () => {
    const spec = buildEvaluationSpec({ ...base, protocol: "QUICK", subjectKind: "LIVE" });
    expect(spec.prompts.map((p) => p.prompt)).toEqual(["a <rare> dog in the jungle", "a <rare> dog with a city in the background", "a red <rare> dog", "a wet <rare> dog"]);
    expect(spec.prompts.map((p) => p.scoringPrompt)).toEqual(["a dog in the jungle", "a dog with a city in the background", "a red dog", "a wet dog"]);
    expect(spec.prompts.map((p) => p.seeds)).toEqual([
      [0, 1],
      [1000, 1001],
      [2000, 2001],
      [3000, 3001],
    ]);
    expect(spec.drift).toEqual({ prompt: "a photo of dog", seeds: [0, 1] });
    expect(spec).toMatchObject(base);
  });

  it("DIVERSE uses the list of the subject's kind, 4 images each; SIMPLE is one prompt × 64", () => {
    const live = buildEvaluationSpec({ ...base, protocol: "DIVERSE", subjectKind: "LIVE" });
    const object = buildEvaluationSpec({ ...base, protocol: "DIVERSE", subjectKind: "OBJECT", classNoun: "backpack" });
    expect(live.prompts).toHaveLength(25);
    expect(live.prompts[10]!.prompt).toBe("a <rare> dog wearing a red hat");
    expect(object.prompts[10]!.prompt).toBe("a <rare> backpack with a wheat field in the background");
    expect(object.prompts[24]!.seeds).toEqual([24000, 24001, 24002, 24003]);
    expect(live.drift.seeds).toHaveLength(4);
    const simple = buildEvaluationSpec({ ...base, protocol: "SIMPLE", subjectKind: "OBJECT" });
    expect(simple.prompts).toEqual([{ index: 0, prompt: "a photo of <rare> dog", scoringPrompt: "a photo of dog", seeds: Array.from({ length: 64 }, (_, j) => j) }]);
  });

  it("TEXTUAL_INVERSION puts its token where the noun goes; scoring prompts keep the class", () => {
    const ti = { ...base, token: "<s*>", tokenIsNoun: true };
    const quick = buildEvaluationSpec({ ...ti, protocol: "QUICK", subjectKind: "OBJECT" });
    expect(quick.prompts.map((p) => p.prompt)).toEqual(["a <s*> in the jungle", "a <s*> with a city in the background", "a red <s*>", "a wet <s*>"]);
    expect(quick.prompts.map((p) => p.scoringPrompt)).toEqual(["a dog in the jungle", "a dog with a city in the background", "a red dog", "a wet dog"]);
    const simple = buildEvaluationSpec({ ...ti, protocol: "SIMPLE", subjectKind: "OBJECT" });
    expect(simple.prompts[0]).toMatchObject({ prompt: "a photo of <s*>", scoringPrompt: "a photo of dog" });
    expect(quick.drift.prompt).toBe("a photo of dog");
  });
});
