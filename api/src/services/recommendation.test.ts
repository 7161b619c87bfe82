import { describe, expect, it } from "vitest";
import { recommend, type ScoredCheckpoint } from "./recommendation.js";

let n = 0;
function scored(
  step: number,
  protocol: "QUICK" | "DIVERSE",
  dino: number,
  clipT: number,
  opts: Partial<ScoredCheckpoint["evaluation"]> & { stage?: string } = {},
): ScoredCheckpoint {
  n += 1;
  return {
    checkpointId: `ck-${opts.stage ?? "stage2"}-${step}`,
    step,
    stage: opts.stage ?? "stage2",
    evaluation: {
      id: `ev-${n}`,
      protocol,
      state: "SUCCEEDED",
      clipI: 0.7,
      clipT,
      dino,
      driftFlagged: false,
      finishedAt: new Date(1_000_000 + n),
      ...opts,
    },
  };
}

const rule = { clipTMargin: 0.02 };

describe("recommend", () => {
  it("is null without a succeeded evaluation", () => {
    expect(recommend([], rule)).toBeNull();
    expect(recommend([scored(200, "QUICK", 0.6, 0.3, { state: "SCORING", dino: null })], rule)).toBeNull();
  });

  it("picks the highest DINO among QUICK results", () => {
    const r = recommend([scored(200, "QUICK", 0.55, 0.3), scored(400, "QUICK", 0.61, 0.3), scored(600, "QUICK", 0.58, 0.3)], rule)!;
    expect(r.checkpointId).toBe("ck-stage2-400");
    expect(r.protocol).toBe("QUICK");
    expect(r.reason).toMatch(/Highest DINO \(0\.610/);
  });

  it("drops a checkpoint whose CLIP-T fell more than the margin below the best (overfitting guard)", () => {
    const r = recommend([scored(200, "QUICK", 0.55, 0.31), scored(800, "QUICK", 0.7, 0.25)], rule)!;
    expect(r.checkpointId).toBe("ck-stage2-200");
    expect(r.reason).toMatch(/1 dropped for CLIP-T/);
  });

  it("prefers DIVERSE once two checkpoints have it, whatever QUICK says", () => {
    const r = recommend([scored(200, "QUICK", 0.9, 0.3), scored(200, "DIVERSE", 0.5, 0.3), scored(400, "DIVERSE", 0.6, 0.3), scored(400, "QUICK", 0.1, 0.3)], rule)!;
    expect(r.protocol).toBe("DIVERSE");
    expect(r.checkpointId).toBe("ck-stage2-400");
  });

  it("uses QUICK when only one checkpoint has DIVERSE", () => {
    const r = recommend([scored(200, "DIVERSE", 0.9, 0.3), scored(200, "QUICK", 0.4, 0.3), scored(400, "QUICK", 0.5, 0.3)], rule)!;
    expect(r.protocol).toBe("QUICK");
    expect(r.checkpointId).toBe("ck-stage2-400");
  });

  it("avoids drift-flagged checkpoints unless all are flagged", () => {
    const some = recommend([scored(200, "QUICK", 0.5, 0.3), scored(400, "QUICK", 0.6, 0.3, { driftFlagged: true })], rule)!;
    expect(some.checkpointId).toBe("ck-stage2-200");
    expect(some.reason).toMatch(/language drift/);
    const all = recommend([scored(200, "QUICK", 0.5, 0.3, { driftFlagged: true }), scored(400, "QUICK", 0.6, 0.3, { driftFlagged: true })], rule)!;
    expect(all.checkpointId).toBe("ck-stage2-400");
    expect(all.reason).toMatch(/every candidate shows language drift/);
  });

  it("breaks DINO ties toward the earlier checkpoint, and uses only the newest evaluation of a checkpoint", () => {
    const tie = recommend([scored(400, "QUICK", 0.6, 0.3), scored(200, "QUICK", 0.6, 0.3)], rule)!;
    expect(tie.checkpointId).toBe("ck-stage2-200");
    const old = scored(200, "QUICK", 0.9, 0.3, { finishedAt: new Date(1) });
    const newer = scored(200, "QUICK", 0.2, 0.3, { finishedAt: new Date(2_000_000_000) });
    const r = recommend([old, newer, scored(400, "QUICK", 0.5, 0.3)], rule)!;
    expect(r.checkpointId).toBe("ck-stage2-400");
  });
});
