import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNELS, type DbHandle } from "@studio/db";
import { createTeam, errorOf, gqlAs, okAs, type TestTeam } from "../support/auth.js";
import { insertImage, insertRunWithCheckpoint, insertSubject, rowCounts, testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";
import { invite } from "../support/sharing.js";

const START = `mutation($i: StartRunInput!) { startRun(input: $i) { id state method baseModel config totalSteps step lastEventSeq subject { id } } }`;
const GENERATE = `mutation($i: GenerateInput!) { generate(input: $i) { id state prompt seed steps guidanceScale count checkpoint { id } } }`;

/** Collects NOTIFY payloads on a channel with a separate connection. */
async function listen(db: DbHandle, channel: string) {
  const client = await db.pool.connect();
  const got: Record<string, unknown>[] = [];
  client.on("notification", (n) => got.push(JSON.parse(n.payload!)));
  await client.query(`LISTEN ${channel}`);
  return {
    got,
    close: async () => {
      await client.query(`UNLISTEN ${channel}`);
      client.release();
    },
  };
}

describe("api: startRun, cancelRun and generate", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let db: DbHandle;
  let subjectId: string;
  let emptySubjectId: string;

  beforeAll(async () => {
    [api, team] = await Promise.all([startApi(), createTeam("runs-team")]);
    db = testDb();
    const s = await insertSubject(db, team.teamId, "with images");
    for (let i = 0; i < 4; i++) await insertImage(db, team.teamId, s.id);
    subjectId = s.id;
    emptySubjectId = (await insertSubject(db, team.teamId, "no images")).id;
  });
  afterAll(async () => {
    await api?.proc.stop();
    await db?.close();
  });

  it("TWO_STAGE defaults are the paper's, runs.config follows the contract, the run is QUEUED with its first event", async () => {
    const work = await listen(db, CHANNELS.work);
    try {
      const d = await okAs(api.url, team.secret, START, { i: { subjectId, seed: 7 } });
      const run = d.startRun;
      expect(run).toMatchObject({ state: "QUEUED", method: "TWO_STAGE", baseModel: "stable-diffusion-2-1-base", totalSteps: 500, step: 0, lastEventSeq: 1 });
      expect(run.config).toEqual({
        preset: "SECTION_3_2",
        maxGradNorm: 1,
        stage1: { steps: 100, learningRate: 5e-4 },
        stage2: { steps: 400, learningRate: 5e-6, checkpointEvery: 200 },
        samples: { prompts: ["a photo of <rare> backpack"], seeds: [7], every: 200, steps: 25, guidanceScale: 7.5 },
        seed: 7,
        resolution: null,
      });
      // the same settings, typed (Run.settings): unused parts are null rather than absent
      const typed = await okAs(
        api.url,
        team.secret,
        `query($id: ID!) { run(id: $id) { settings { preset maxGradNorm seed resolution
        stage1 { steps learningRate checkpointEvery } stage2 { steps learningRate checkpointEvery }
        samples { prompts seeds every steps guidanceScale } dreambooth { classImages } } } }`,
        { id: run.id },
      );
      expect(typed.run.settings).toEqual({
        preset: "SECTION_3_2",
        maxGradNorm: 1,
        seed: 7,
        resolution: null,
        stage1: { steps: 100, learningRate: 5e-4, checkpointEvery: null },
        stage2: { steps: 400, learningRate: 5e-6, checkpointEvery: 200 },
        samples: { prompts: ["a photo of <rare> backpack"], seeds: [7], every: 200, steps: 25, guidanceScale: 7.5 },
        dreambooth: null,
      });
      const { rows } = await db.pool.query("select seq, type, payload from run_events where run_id = $1", [run.id]);
      expect(rows).toEqual([{ seq: 1, type: "RunStateChanged", payload: { state: "QUEUED", previousState: null } }]);
      await new Promise((r) => setTimeout(r, 300));
      expect(work.got).toContainEqual({ kind: "run", id: run.id });
    } finally {
      await work.close();
    }
  });

  it("DREAMBOOTH and TEXTUAL_INVERSION get their own defaults and tokens", async () => {
    const db1 = (await okAs(api.url, team.secret, START, { i: { subjectId, method: "DREAMBOOTH", baseModel: "tiny-random" } })).startRun;
    expect(db1.totalSteps).toBe(800);
    expect(db1.config.stage1).toBeUndefined();
    expect(db1.config.stage2).toEqual({ steps: 800, learningRate: 5e-6, checkpointEvery: 200 });
    expect(db1.config.dreambooth).toEqual({ classImages: 200, priorLossWeight: 1, classImageSteps: 50 });
    expect(db1.config.samples.prompts).toEqual(["a photo of sks backpack"]);
    const ti = (await okAs(api.url, team.secret, START, { i: { subjectId, method: "TEXTUAL_INVERSION", resolution: 256, samplePrompts: ["<s*> on a beach"] } })).startRun;
    expect(ti.totalSteps).toBe(3000);
    expect(ti.config.stage1).toEqual({ steps: 3000, learningRate: 5e-3, checkpointEvery: 500 });
    expect(ti.config.stage2).toBeUndefined();
    expect(ti.config.resolution).toBe(256);
    expect(ti.config.samples.prompts).toEqual(["<s*> on a beach"]);
    const custom = (
      await okAs(api.url, team.secret, START, {
        i: { subjectId, stage1Steps: 5, stage1LearningRate: 0.001, stage2Steps: 10, stage2LearningRate: 1, checkpointEvery: 5, samplePrompts: [] },
      })
    ).startRun;
    expect(custom.totalSteps).toBe(15);
    expect(custom.config.stage2).toEqual({ steps: 10, learningRate: 1, checkpointEvery: 5 });
    // the paper's §4.1 protocol as a preset; an explicit null maxGradNorm turns clipping off
    const paper = (await okAs(api.url, team.secret, START, { i: { subjectId, preset: "SECTION_4_1", maxGradNorm: null } })).startRun;
    expect(paper.totalSteps).toBe(900);
    expect(paper.config).toMatchObject({ preset: "SECTION_4_1", maxGradNorm: null, stage2: { steps: 800, learningRate: 5e-6, checkpointEvery: 200 } });
  });

  it("refuses every bad startRun field with BAD_USER_INPUT naming it, and writes nothing", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ baseModel: "stable-diffusion-9" }, "baseModel"],
      [{ stage1Steps: -1 }, "stage1Steps"],
      [{ stage1Steps: 0 }, "stage1Steps"],
      [{ stage2Steps: 20001 }, "stage2Steps"],
      [{ stage2Steps: 1_000_000_000 }, "stage2Steps"],
      [{ checkpointEvery: -5 }, "checkpointEvery"],
      [{ stage1LearningRate: 0 }, "stage1LearningRate"],
      [{ stage1LearningRate: -1e-4 }, "stage1LearningRate"],
      [{ stage2LearningRate: 1.5 }, "stage2LearningRate"],
      [{ resolution: 100 }, "resolution"],
      [{ resolution: 2048 }, "resolution"],
      [{ seed: -1 }, "seed"],
      [{ seed: 1.5 }, "seed"],
      [{ samplePrompts: ["x".repeat(501)] }, "samplePrompts"],
      [{ samplePrompts: Array.from({ length: 17 }, () => "p") }, "samplePrompts"],
      [{ method: "DREAMBOOTH", stage1Steps: 10 }, "stage1Steps"],
      [{ method: "TEXTUAL_INVERSION", stage2LearningRate: 1e-5 }, "stage2LearningRate"],
      [{ method: "TEXTUAL_INVERSION", preset: "SECTION_4_1" }, "preset"],
      [{ maxGradNorm: 0 }, "maxGradNorm"],
      [{ maxGradNorm: 1001 }, "maxGradNorm"],
    ];
    const before = await rowCounts(db);
    for (const [extra, field] of cases) {
      const { body } = await gqlAs(api.url, team.secret, START, { i: { subjectId, ...extra } });
      expect(errorOf(body), JSON.stringify(extra)).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    // what a client can send for NaN/Infinity: JSON has neither, so "NaN" and 1e400 (→ Infinity) in
    // variables are refused by GraphQL's Float; an inline literal 1e400 reaches the service as Infinity
    for (const v of ["NaN", "Infinity"]) {
      const { body } = await gqlAs(api.url, team.secret, START, { i: { subjectId, stage1LearningRate: v } });
      expect(errorOf(body).code, v).toBe("BAD_USER_INPUT");
    }
    const raw = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${team.secret}` },
      body: `{"query": ${JSON.stringify(START)}, "variables": {"i": {"subjectId": "${subjectId}", "stage2LearningRate": 1e400}}}`,
    });
    expect(errorOf((await raw.json()) as never).code).toBe("BAD_USER_INPUT");
    const inline = await gqlAs(api.url, team.secret, `mutation { startRun(input: {subjectId: "${subjectId}", stage1LearningRate: 1e400}) { id } }`);
    expect(errorOf(inline.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "stage1LearningRate" });
    // a subject with no photos cannot train
    const empty = await gqlAs(api.url, team.secret, START, { i: { subjectId: emptySubjectId } });
    expect(errorOf(empty.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "subjectId" });
    const missing = await gqlAs(api.url, team.secret, START, { i: { subjectId: "not-a-uuid" } });
    expect(errorOf(missing.body).code).toBe("NOT_FOUND");
    expect(await rowCounts(db)).toEqual(before);
  });

  it("cancelRun: QUEUED → CANCELED with an event; RUNNING → cancel requested and the trainer is told", async () => {
    const queued = (await okAs(api.url, team.secret, START, { i: { subjectId } })).startRun;
    const c = await okAs(api.url, team.secret, `mutation($id: ID!) { cancelRun(id: $id) { state finishedAt cancelRequested lastEventSeq } }`, { id: queued.id });
    expect(c.cancelRun).toMatchObject({ state: "CANCELED", cancelRequested: true, lastEventSeq: 2 });
    expect(c.cancelRun.finishedAt).not.toBeNull();
    const { rows } = await db.pool.query("select payload from run_events where run_id = $1 and seq = 2", [queued.id]);
    expect(rows[0].payload).toEqual({ state: "CANCELED", previousState: "QUEUED" });

    const control = await listen(db, CHANNELS.runControl);
    try {
      const { run } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
      const r = await okAs(api.url, team.secret, `mutation($id: ID!) { cancelRun(id: $id) { state cancelRequested } }`, { id: run.id });
      expect(r.cancelRun).toEqual({ state: "RUNNING", cancelRequested: true });
      await new Promise((res) => setTimeout(res, 300));
      expect(control.got).toContainEqual({ runId: run.id, action: "cancel" });
    } finally {
      await control.close();
    }
  });

  it("generate queues a generation on a checkpoint; bad prompts, steps, counts and guidance are refused", async () => {
    const { checkpoint } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    const g = await okAs(api.url, team.secret, GENERATE, { i: { checkpointId: checkpoint.id, prompt: "a photo of <rare> backpack in the snow", seed: 42, count: 2 } });
    expect(g.generate).toMatchObject({ state: "QUEUED", seed: 42, steps: 30, guidanceScale: 7.5, count: 2, checkpoint: { id: checkpoint.id } });
    const before = await rowCounts(db);
    const cases: [Record<string, unknown>, string][] = [
      [{ prompt: "x".repeat(10_000) }, "prompt"],
      [{ prompt: "" }, "prompt"],
      [{ steps: 0 }, "steps"],
      [{ steps: 201 }, "steps"],
      [{ count: 17 }, "count"],
      [{ count: 0 }, "count"],
      [{ guidanceScale: 50.5 }, "guidanceScale"],
      [{ guidanceScale: -1 }, "guidanceScale"],
      [{ seed: -3 }, "seed"],
      // tiny-random's resolution is 64: 64–128 in multiples of 8
      [{ width: 100 }, "width"],
      [{ width: 136 }, "width"],
      [{ height: 56 }, "height"],
      [{ width: 96, height: 2048 }, "height"],
    ];
    for (const [extra, field] of cases) {
      const { body } = await gqlAs(api.url, team.secret, GENERATE, { i: { checkpointId: checkpoint.id, prompt: "p", ...extra } });
      expect(errorOf(body), JSON.stringify(extra).slice(0, 80)).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    const unknown = await gqlAs(api.url, team.secret, GENERATE, { i: { checkpointId: "00000000-0000-0000-0000-000000000001", prompt: "p" } });
    expect(errorOf(unknown.body).code).toBe("NOT_FOUND");
    const sampler = await gqlAs(api.url, team.secret, GENERATE, { i: { checkpointId: checkpoint.id, prompt: "p", scheduler: "LMS" } });
    expect(errorOf(sampler.body).code).toBe("BAD_USER_INPUT"); // not one of the GenerationScheduler values
    expect(await rowCounts(db)).toEqual(before);
    // size and sampler are stored as asked; one side given: the other is the base model's resolution
    const sized = await okAs(api.url, team.secret, `mutation($i: GenerateInput!) { generate(input: $i) { id width height scheduler stepsDone stepsTotal } }`, {
      i: { checkpointId: checkpoint.id, prompt: "p", width: 96, scheduler: "DPM_SOLVER", steps: 10, count: 3 },
    });
    expect(sized.generate).toMatchObject({ width: 96, height: 64, scheduler: "DPM_SOLVER", stepsDone: 0, stepsTotal: 30 });
    const models = await okAs(api.url, team.secret, `{ baseModels { id generationSizes { min max multipleOf } } }`);
    expect(models.baseModels.find((m: { id: string }) => m.id === "tiny-random").generationSizes).toEqual({ min: 64, max: 128, multipleOf: 8 });
    expect(models.baseModels.find((m: { id: string }) => m.id === "stable-diffusion-2-1-base").generationSizes).toEqual({ min: 256, max: 1024, multipleOf: 8 });
  });

  it("reads runs with filters, checkpoints with presigned file URLs, and generations", async () => {
    const { run, checkpoint, generation } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    const d = await okAs(
      api.url,
      team.secret,
      `query($r: ID!, $c: ID!, $g: ID!, $s: ID!) {
        run(id: $r) { id state checkpoints { id step } error { code } }
        checkpoint(id: $c) { id stage step sizeBytes sha256 downloadUrl files { name sizeBytes sha256 url } run { id } }
        generation(id: $g) { id state checkpoint { id } images { url } }
        running: runs(first: 50, state: RUNNING, subjectId: $s) { edges { node { id state } } }
        canceled: runs(state: CANCELED) { edges { node { id } } }
      }`,
      { r: run.id, c: checkpoint.id, g: generation.id, s: subjectId },
    );
    expect(d.run.checkpoints).toEqual([{ id: checkpoint.id, step: 200 }]);
    expect(d.checkpoint.files.map((f: { name: string }) => f.name)).toEqual(["checkpoint.json", "unet.safetensors"]);
    expect(d.checkpoint.downloadUrl).toContain("checkpoint.json");
    expect(d.checkpoint.downloadUrl).toMatch(/X-Amz-Signature=/);
    expect(d.generation).toMatchObject({ id: generation.id, state: "QUEUED", checkpoint: { id: checkpoint.id }, images: [] });
    expect(d.running.edges.every((e: { node: { state: string } }) => e.node.state === "RUNNING")).toBe(true);
    expect(d.running.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(run.id);
    expect(d.canceled.edges.length).toBeGreaterThanOrEqual(1);
  });

  it("runMethods serves the method facts startRun applies: its defaults, sent back explicitly, give the same config; its limits are the ones refused", async () => {
    const unauth = await gqlAs(api.url, null, "{ runMethods { defaultMethod } }");
    expect(unauth.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const { runMethods: f } = await okAs(
      api.url,
      team.secret,
      `{ runMethods { defaultMethod defaultPreset defaultMaxGradNorm methods { method token tokenRole samplePromptTemplate stage1 { steps learningRate checkpointEvery } stage2 { steps learningRate checkpointEvery } }
         presets { preset stage2Steps { method steps } } limits { steps { min max } learningRate { min max minExclusive } samplePrompts { maxCount maxLength } } } }`,
    );
    expect(f.methods.map((m: { method: string }) => m.method)).toEqual(["TWO_STAGE", "DREAMBOOTH", "TEXTUAL_INVERSION"]);
    const two = f.methods.find((m: { method: string }) => m.method === f.defaultMethod);
    expect(two).toMatchObject({ token: "<rare>", tokenRole: "ADJECTIVE", samplePromptTemplate: "a photo of <rare> {classNoun}" });
    const omitted = (await okAs(api.url, team.secret, START, { i: { subjectId, seed: 3, baseModel: "tiny-random" } })).startRun;
    const explicit = (
      await okAs(api.url, team.secret, START, {
        i: {
          subjectId,
          seed: 3,
          baseModel: "tiny-random",
          preset: f.defaultPreset,
          maxGradNorm: f.defaultMaxGradNorm,
          stage1Steps: two.stage1.steps,
          stage1LearningRate: two.stage1.learningRate,
          stage2Steps: two.stage2.steps,
          stage2LearningRate: two.stage2.learningRate,
          checkpointEvery: two.stage2.checkpointEvery,
        },
      })
    ).startRun;
    expect(explicit.config).toEqual(omitted.config);
    expect(omitted.config.samples.prompts).toEqual([two.samplePromptTemplate.replace("{classNoun}", "backpack")]);
    const before = await rowCounts(db);
    const refused = errorOf((await gqlAs(api.url, team.secret, START, { i: { subjectId, stage1Steps: f.limits.steps.max + 1 } })).body);
    expect(refused).toMatchObject({ code: "BAD_USER_INPUT", field: "stage1Steps" });
    expect(refused.message).toContain(`from ${f.limits.steps.min} to ${f.limits.steps.max}`);
    expect(await rowCounts(db)).toEqual(before);
    for (const id of [omitted.id, explicit.id]) await okAs(api.url, team.secret, `mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id });
  });

  it("fair share: queuePosition for QUEUED runs only, attempts in the API; an OWNER sets the team's run concurrency (range checked), others cannot", async () => {
    await db.pool.query("update runs set state = 'CANCELED', finished_at = now() where state in ('QUEUED', 'RUNNING')");
    const a = (await okAs(api.url, team.secret, START, { i: { subjectId } })).startRun;
    const b = (await okAs(api.url, team.secret, START, { i: { subjectId } })).startRun;
    const RUN = `query($id: ID!) { run(id: $id) { state queuePosition estimatedStartAt attempt maxAttempts attemptErrors { attempt code message at } } }`;
    const ra = (await okAs(api.url, team.secret, RUN, { id: a.id })).run;
    expect(ra).toMatchObject({ state: "QUEUED", queuePosition: 1, attempt: 0, maxAttempts: 3, attemptErrors: [] });
    expect((await okAs(api.url, team.secret, RUN, { id: b.id })).run.queuePosition).toBe(2);

    // What a claim that found the lease of a dead trainer expired records, as the API shows it.
    await db.pool.query(
      `update runs set state = 'FAILED', error_code = 'ATTEMPTS_EXHAUSTED', error_message = 'x', finished_at = now(), attempt = 3, lease_losses = 3,
         attempt_errors = '[{"attempt":3,"owner":"t","code":"LEASE_EXPIRED","message":"trainer t stopped renewing its lease","at":"2026-11-30T12:00:00.000Z"}]' where id = $1`,
      [a.id],
    );
    const failed = (await okAs(api.url, team.secret, RUN, { id: a.id })).run;
    expect(failed).toMatchObject({ state: "FAILED", queuePosition: null, estimatedStartAt: null, attempt: 3 });
    expect(failed.attemptErrors).toEqual([{ attempt: 3, code: "LEASE_EXPIRED", message: "trainer t stopped renewing its lease", at: "2026-11-30T12:00:00.000Z" }]);
    await new Promise((r) => setTimeout(r, 1100)); // the API computes the queue at most once a second
    expect((await okAs(api.url, team.secret, RUN, { id: b.id })).run.queuePosition).toBe(1);

    const TEAM = `{ viewer { team { runConcurrency } } }`;
    const SET = `mutation($l: Int) { setRunConcurrency(limit: $l) { id runConcurrency } }`;
    expect((await okAs(api.url, team.secret, TEAM)).viewer.team.runConcurrency).toBe(1); // the default
    expect((await okAs(api.url, team.secret, SET, { l: 4 })).setRunConcurrency).toEqual({ id: team.teamId, runConcurrency: 4 });
    expect((await db.pool.query("select run_concurrency from team_run_limits where team_id = $1", [team.teamId])).rows).toEqual([{ run_concurrency: 4 }]);
    for (const l of [0, 1001]) expect(errorOf((await gqlAs(api.url, team.secret, SET, { l })).body)).toMatchObject({ code: "BAD_USER_INPUT", field: "limit" });
    const member = await invite(api.url, team.secret, "MEMBER");
    expect(errorOf((await gqlAs(api.url, member.secret, SET, { l: 9 })).body).code).toBe("FORBIDDEN");
    expect((await okAs(api.url, member.secret, TEAM)).viewer.team.runConcurrency).toBeNull(); // an OWNER's setting
    expect((await okAs(api.url, team.secret, SET, { l: null })).setRunConcurrency.runConcurrency).toBe(1);
    expect((await db.pool.query("select count(*)::int as n from team_run_limits where team_id = $1", [team.teamId])).rows[0].n).toBe(0);
  });
});
