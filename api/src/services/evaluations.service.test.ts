import { describe, expect, it } from "vitest";
import type { Loaders } from "../loaders.js";
import type { RunModel } from "../models.js";
import { EvaluationsService, type EvaluationSettings, type EvaluationsData } from "./evaluations.service.js";
import type { LiveHub } from "./live-hub.js";
import type { RunsService } from "./runs.service.js";
import { mockOf, principal, refusal, RUN, TEAM } from "./testing/mocks.js";

// Service tests with a mocked data layer and loaders (no PostgreSQL): evaluateCheckpoint's rules and
// the recommended checkpoint of a run, as the service assembles it from the run's evaluations.
const ckpt = (id: string, step: number, stage = "stage2") => ({ id, runId: RUN, teamId: TEAM, stage, step, createdAt: new Date(step) });
const evaluation = (id: string, checkpointId: string, s: { dino: number; clipT: number; protocol?: string; state?: string; drift?: boolean }) => ({
  id,
  runId: RUN,
  checkpointId,
  protocol: s.protocol ?? "DIVERSE",
  state: s.state ?? "SUCCEEDED",
  clipI: 0.8,
  clipT: s.clipT,
  dino: s.dino,
  drift: { flagged: s.drift ?? false },
  finishedAt: new Date(1000),
});
const run = { id: RUN, teamId: TEAM, subjectId: "s", method: "TEXTUAL_INVERSION", baseModel: "tiny-random" } as unknown as RunModel;

function loaders(checkpoints: object[], evaluations: object[]): Loaders {
  return {
    checkpointsByRun: { load: async () => checkpoints },
    evaluationsByRun: { load: async () => evaluations },
    run: { load: async () => run },
    subject: { load: async () => ({ classNoun: "dog", kind: "OBJECT" }) },
  } as unknown as Loaders;
}
const settings = (available = true): EvaluationSettings => ({
  pollMs: 1000,
  samplingSteps: 25,
  clipTMargin: 0.02,
  availability: () => ({ available, message: available ? "ready" : "the evaluator's encoders are missing" }) as never,
});
const service = (data: EvaluationsData, runs = mockOf<RunsService>({ checkpoint: async () => ckpt("c1", 200) as never }), s = settings()) =>
  new EvaluationsService(data, runs, mockOf<LiveHub>({}), s);

describe("EvaluationsService.recommendation", () => {
  it("is null until a checkpoint of the run is scored", async () => {
    const l = loaders([ckpt("c1", 200)], [evaluation("e1", "c1", { dino: 0.6, clipT: 0.3, state: "RUNNING" })]);
    expect(await service(mockOf<EvaluationsData>({})).recommendation(l, run)).toBeNull();
  });

  it("picks the highest DINO among checkpoints within the CLIP-T margin, skipping drifted ones and other runs' checkpoints", async () => {
    const l = loaders(
      [ckpt("c200", 200), ckpt("c400", 400), ckpt("c600", 600), ckpt("c800", 800)],
      [
        evaluation("e200", "c200", { dino: 0.55, clipT: 0.31 }),
        evaluation("e400", "c400", { dino: 0.7, clipT: 0.25 }), // copies the photos: CLIP-T far below the best
        evaluation("e600", "c600", { dino: 0.65, clipT: 0.3 }),
        evaluation("e800", "c800", { dino: 0.68, clipT: 0.305, drift: true }),
        evaluation("eX", "not-this-run", { dino: 0.99, clipT: 0.4 }),
      ],
    );
    const r = await service(mockOf<EvaluationsData>({})).recommendation(l, run);
    expect(r).toMatchObject({ checkpoint: { id: "c600" }, evaluation: { id: "e600" }, protocol: "DIVERSE" });
    expect(r!.reason).toMatch(/1 dropped for CLIP-T/);
    expect(r!.reason).toMatch(/1 dropped for language drift/);
  });
});

describe("EvaluationsService.evaluate", () => {
  it("refuses a VIEWER, an unknown protocol and an unknown checkpoint, inserting nothing", async () => {
    const data = mockOf<EvaluationsData>({});
    expect((await refusal(service(data).evaluate(principal("VIEWER"), loaders([], []), "c1", "DIVERSE"))).code).toBe("FORBIDDEN");
    expect(await refusal(service(data).evaluate(principal(), loaders([], []), "c1", "BEST" as never))).toEqual({ code: "BAD_USER_INPUT", field: "protocol" });
    const none = mockOf<RunsService>({ checkpoint: async () => null });
    expect((await refusal(service(data, none).evaluate(principal(), loaders([], []), "c1", "DIVERSE"))).code).toBe("NOT_FOUND");
  });

  it("refuses while the evaluator cannot score (EVALUATOR_UNAVAILABLE), inserting nothing", async () => {
    const data = mockOf<EvaluationsData>({});
    const s = service(data, undefined, settings(false));
    expect((await refusal(s.evaluate(principal(), loaders([], []), "c1", "QUICK"))).code).toBe("EVALUATOR_UNAVAILABLE");
  });

  it("answers with the active evaluation of that checkpoint and protocol instead of a second one", async () => {
    const data = mockOf<EvaluationsData>({ activeEvaluation: async () => ({ id: "e-active" }) as never });
    expect(await service(data).evaluate(principal(), loaders([], []), "c1", "QUICK")).toEqual({ id: "e-active" });
  });

  it("inserts one evaluation whose prompts use the method's token (textual inversion: the token is the noun)", async () => {
    const data = mockOf<EvaluationsData>({ activeEvaluation: async () => null, insertEvaluations: async (rows: unknown[]) => rows as never });
    await service(data).evaluate(principal(), loaders([], []), "c1", "SIMPLE");
    const [[rows]] = data.calls("insertEvaluations") as [[{ spec: { prompts: { prompt: string }[] }; imagesTotal: number; automatic: boolean }[]]];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.automatic).toBe(false);
    expect(rows[0]!.spec.prompts.length).toBeGreaterThan(0);
    for (const p of rows[0]!.spec.prompts) {
      expect(p.prompt).toContain("<s*>");
      expect(p.prompt).not.toContain("<s*> dog");
    }
  });
});
