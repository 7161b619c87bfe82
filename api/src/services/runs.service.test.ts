import { describe, expect, it } from "vitest";
import type { RateLimiter } from "../limits/rate-limiter.js";
import { BaseModelsService } from "./base-models.service.js";
import type { LiveHub } from "./live-hub.js";
import { RunsService, type RunsData } from "./runs.service.js";
import type { SubjectsService } from "./subjects.service.js";
import { mockOf, principal, refusal, RUN, TEAM } from "./testing/mocks.js";

// Service tests with a mocked data layer (no PostgreSQL): startRun's and cancelRun's rules.
const SUBJECT = "66666666-6666-4666-8666-666666666666";
const subject = { id: SUBJECT, teamId: TEAM, classNoun: "backpack" };

function subjects(images = 4) {
  return mockOf<SubjectsService>({ get: async () => subject as never, countImages: async () => images });
}
const live = mockOf<LiveHub>({});
const created = (r: unknown) => ({ id: RUN, state: "QUEUED", ...(r as object) }) as never;
const trainersWith = (...models: string[]) =>
  new BaseModelsService(null as never, 0, async () => ({ liveTrainers: 1, unreportedTrainers: 0, trainersByModel: new Map(models.map((m) => [m, ["w1"]])) }));

describe("RunsService.start", () => {
  it("fills the method's defaults and writes one run for the caller's team", async () => {
    const data = mockOf<RunsData>({ createRun: async (r: unknown) => created(r) });
    await new RunsService(data, subjects(), live).start(principal("MEMBER"), { subjectId: SUBJECT, baseModel: "tiny-random" });
    const [row] = data.calls("createRun")[0] as [{ teamId: string; method: string; totalSteps: number; config: { stage2: { steps: number } } }];
    expect(row).toMatchObject({ teamId: TEAM, method: "TWO_STAGE", totalSteps: 500 });
    expect(row.config.stage2.steps).toBe(400);
  });

  it.each([
    [{ stage1Steps: 20001 }, "stage1Steps"],
    [{ stage2LearningRate: 0 }, "stage2LearningRate"],
    [{ method: "TEXTUAL_INVERSION" as const, stage2Steps: 10 }, "stage2Steps"],
    [{ baseModel: "stable-diffusion-9" }, "baseModel"],
    [{ samplePrompts: Array.from({ length: 17 }, () => "a photo") }, "samplePrompts"],
  ])("refuses %o naming %s, and writes nothing", async (bad, field) => {
    const data = mockOf<RunsData>({}); // any write would be an unexpected call
    expect(await refusal(new RunsService(data, subjects(), live).start(principal(), { subjectId: SUBJECT, ...bad }))).toEqual({ code: "BAD_USER_INPUT", field });
  });

  it("refuses a VIEWER (FORBIDDEN) and an unknown subject (NOT_FOUND)", async () => {
    const data = mockOf<RunsData>({});
    expect((await refusal(new RunsService(data, subjects(), live).start(principal("VIEWER"), { subjectId: SUBJECT }))).code).toBe("FORBIDDEN");
    const none = mockOf<SubjectsService>({ get: async () => null });
    expect((await refusal(new RunsService(data, none, live).start(principal(), { subjectId: SUBJECT }))).code).toBe("NOT_FOUND");
  });

  it("refuses a subject without photos", async () => {
    const data = mockOf<RunsData>({});
    expect(await refusal(new RunsService(data, subjects(0), live).start(principal(), { subjectId: SUBJECT, baseModel: "tiny-random" }))).toEqual({
      code: "BAD_USER_INPUT",
      field: "subjectId",
    });
  });

  it("refuses a base model no live trainer has (BASE_MODEL_UNAVAILABLE), and accepts one a trainer has", async () => {
    const data = mockOf<RunsData>({ createRun: async (r: unknown) => created(r) });
    const service = new RunsService(data, subjects(), live, undefined, trainersWith("tiny-random"));
    expect(await refusal(service.start(principal(), { subjectId: SUBJECT, baseModel: "stable-diffusion-2-1-base" }))).toEqual({
      code: "BASE_MODEL_UNAVAILABLE",
      field: "baseModel",
    });
    expect(data.calls("createRun")).toHaveLength(0);
    await service.start(principal(), { subjectId: SUBJECT, baseModel: "tiny-random" });
    expect(data.calls("createRun")).toHaveLength(1);
  });

  it("keeps the team within its budget of unfinished runs (RATE_LIMITED with the limit), writing only through the guarded insert", async () => {
    const limits = { cfg: { BUDGET_TEAM_UNFINISHED_RUNS: 2, BUDGET_RETRY_AFTER_MS: 5000 } } as unknown as RateLimiter;
    const full = mockOf<RunsData>({ createRunWithin: async () => ({ row: null, unfinished: 2 }) });
    const err = await new RunsService(full, subjects(), live, limits).start(principal(), { subjectId: SUBJECT, baseModel: "tiny-random" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ extensions: { code: "RATE_LIMITED", limit: 2, retryAfterMs: 5000 } });
    expect(full.calls("createRunWithin")[0]![1]).toBe(2);
    const room = mockOf<RunsData>({ createRunWithin: async (r: unknown) => ({ row: created(r), unfinished: 1 }) });
    await expect(new RunsService(room, subjects(), live, limits).start(principal(), { subjectId: SUBJECT, baseModel: "tiny-random" })).resolves.toMatchObject({ id: RUN });
  });
});

describe("RunsService.cancel", () => {
  const run = (state: string) => ({ id: RUN, teamId: TEAM, state }) as never;

  it("cancels a QUEUED run at once and flags a RUNNING one", async () => {
    const queued = mockOf<RunsData>({ getRun: async () => run("QUEUED"), cancelQueuedRun: async () => run("CANCELED") });
    expect(await new RunsService(queued, subjects(), live).cancel(principal(), RUN)).toMatchObject({ state: "CANCELED" });
    const running = mockOf<RunsData>({ getRun: async () => run("RUNNING"), requestRunCancel: async () => ({ ...(run("RUNNING") as object), cancelRequestedAt: new Date() }) });
    expect(await new RunsService(running, subjects(), live).cancel(principal(), RUN)).toMatchObject({ state: "RUNNING" });
    expect(running.calls("requestRunCancel")).toEqual([[TEAM, RUN]]);
  });

  it.each(["SUCCEEDED", "FAILED"])("refuses a %s run (CONFLICT) and changes nothing", async (state) => {
    const data = mockOf<RunsData>({ getRun: async () => run(state) }); // cancelQueuedRun/requestRunCancel would be unexpected
    expect((await refusal(new RunsService(data, subjects(), live).cancel(principal(), RUN))).code).toBe("CONFLICT");
  });

  it("answers with the run as it is now when it changed meanwhile (QUEUED → RUNNING)", async () => {
    let reads = 0;
    const data = mockOf<RunsData>({ getRun: async () => run(reads++ === 0 ? "QUEUED" : "RUNNING"), cancelQueuedRun: async () => null });
    expect(await new RunsService(data, subjects(), live).cancel(principal(), RUN)).toMatchObject({ state: "RUNNING" });
  });

  it("refuses a run only shared with the team (FORBIDDEN), another team's or a malformed id (NOT_FOUND), and a VIEWER", async () => {
    const shared = mockOf<RunsData>({ getRun: async () => null, readableRunsByIds: async () => [run("RUNNING")] });
    expect((await refusal(new RunsService(shared, subjects(), live).cancel(principal(), RUN))).code).toBe("FORBIDDEN");
    const hidden = mockOf<RunsData>({ getRun: async () => null, readableRunsByIds: async () => [] });
    expect((await refusal(new RunsService(hidden, subjects(), live).cancel(principal(), RUN))).code).toBe("NOT_FOUND");
    expect((await refusal(new RunsService(mockOf<RunsData>({}), subjects(), live).cancel(principal(), "x'; --"))).code).toBe("NOT_FOUND");
    expect((await refusal(new RunsService(mockOf<RunsData>({}), subjects(), live).cancel(principal("VIEWER"), RUN))).code).toBe("FORBIDDEN");
  });
});
