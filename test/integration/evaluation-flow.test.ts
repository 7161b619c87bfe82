import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, gqlAs, okAs } from "../support/auth.js";
import { bootstrapTeam } from "../support/bootstrap.js";
import { ensureTinyEvalModels } from "../support/eval-models.js";
import { insertRunWithCheckpoint, testDb } from "../support/fixtures.js";
import { wsClient } from "../support/graphql.js";
import { backpackPhoto, uploadImage } from "../support/images.js";
import { startApi, startTrainer } from "../support/processes.js";

/**
 * Issue 6 end to end on tiny-random with tiny random ONNX encoders: every new checkpoint gets a
 * QUICK evaluation without anyone asking; scores reach the run's event stream; a checkpoint is
 * recommended; DIVERSE/SIMPLE on request; two runs compare like the paper's Table 1. Without the
 * encoder folder the product says why and keeps working.
 */
const EVALUATION = /* GraphQL */ `
  fragment E on Evaluation {
    id
    protocol
    automatic
    state
    progress
    imagesTotal
    imagesDone
    imagesScored
    clipI
    clipT
    dino
    steps
    checkpoint {
      id
      stage
      step
    }
    prompts {
      index
      prompt
      scoringPrompt
      seeds
    }
    perPrompt {
      promptIndex
      prompt
      scoringPrompt
      clipI
      clipT
      dino
      imageCount
    }
    drift {
      prompt
      clipI
      dino
      threshold
      flagged
    }
    images {
      group
      promptIndex
      prompt
      seed
      url
    }
    scoredWith
    error {
      code
      message
    }
  }
`;

type Eval = Record<string, any>;

async function waitFor<T>(what: string, read: () => Promise<T | null | undefined | false>, timeoutMs = 170_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await read();
    if (v) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("evaluation: scores for every checkpoint", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  let key: string;
  let subjectId: string;
  const runIds: string[] = [];
  const ok = <T = Record<string, any>>(q: string, v: Record<string, unknown> = {}) => okAs<T>(api.url, key, q, v);

  beforeAll(async () => {
    const modelsDir = await ensureTinyEvalModels();
    api = await startApi({ EVAL_MODELS_DIR: modelsDir, EVAL_SAMPLING_STEPS: "1", EVAL_POLL_MS: "1000" });
    trainer = await startTrainer();
    key = (await bootstrapTeam("Evaluation team")).secret;
    subjectId = (await ok(`mutation { createSubject(input: {name: "Backpack", classNoun: "backpack"}) { id } }`)).createSubject.id;
    for (let i = 0; i < 4; i++) {
      const r = await uploadImage(api.url, key, subjectId, await backpackPhoto(i), { filename: `0${i}.jpg` });
      expect(r.error.code).toBeUndefined();
    }
  });
  afterAll(async () => {
    await trainer?.proc.stop();
    await api?.proc.stop();
  });

  async function trainRun(stage2Steps: number): Promise<string> {
    const started = await ok(
      `mutation ($s: ID!, $n: Int!) { startRun(input: {subjectId: $s, baseModel: "tiny-random", stage1Steps: 2, stage2Steps: $n, checkpointEvery: 2}) { id } }`,
      { s: subjectId, n: stage2Steps },
    );
    const id = started.startRun.id as string;
    runIds.push(id);
    await waitFor(`run ${id} to finish`, async () => {
      const r = await ok(`query ($id: ID!) { run(id: $id) { state step error { code message logTail } } }`, { id });
      if (r.run.state === "FAILED") throw new Error(`run failed: ${JSON.stringify(r.run.error)}`);
      return r.run.state === "SUCCEEDED";
    }).catch((err: Error) => {
      throw new Error(`${err.message}\ntrainer:\n${trainer.proc.output.slice(-4000)}`);
    });
    return id;
  }

  it("evaluates each new checkpoint automatically, streams the scores and recommends one", async () => {
    const status = await ok(`{ evaluator { available message modelsDir manifest } }`);
    expect(status.evaluator).toMatchObject({ available: true });
    expect((status.evaluator.manifest as { tiny: boolean }).tiny).toBe(true);

    const runId = await trainRun(4);
    const checkpoints = (await ok(`query ($id: ID!) { run(id: $id) { checkpoints { id stage step } } }`, { id: runId })).run.checkpoints as {
      id: string;
      stage: string;
      step: number;
    }[];
    expect(checkpoints.map((c) => `${c.stage}:${c.step}`).sort()).toEqual(["stage1:2", "stage2:2", "stage2:4"]);

    // Nobody asked: one automatic QUICK evaluation per checkpoint, all scored.
    const evaluations = await waitFor("automatic QUICK evaluations", async () => {
      const r = await ok(`query ($id: ID!) { run(id: $id) { evaluations { ...E } } } ${EVALUATION}`, { id: runId });
      const evs = r.run.evaluations as Eval[];
      const failed = evs.find((e) => e.state === "FAILED");
      if (failed) throw new Error(`evaluation failed: ${JSON.stringify(failed.error)}`);
      return evs.length === 3 && evs.every((e) => e.state === "SUCCEEDED") ? evs : null;
    });
    expect(new Set(evaluations.map((e) => e.checkpoint.id))).toEqual(new Set(checkpoints.map((c) => c.id)));
    for (const e of evaluations) {
      expect(e).toMatchObject({ protocol: "QUICK", automatic: true, progress: 1, steps: 1 });
      // QUICK: 4 prompts × 2 images, plus 2 drift pairs
      expect(e.imagesTotal).toBe(12);
      expect(e.imagesDone).toBe(12);
      expect(e.images).toHaveLength(12);
      for (const s of ["clipI", "clipT", "dino"]) {
        expect(Number.isFinite(e[s])).toBe(true);
        expect(Math.abs(e[s])).toBeLessThanOrEqual(1);
      }
      expect(e.prompts.map((p: Eval) => p.prompt)).toEqual([
        "a <rare> backpack in the jungle",
        "a <rare> backpack with a city in the background",
        "a red <rare> backpack",
        "a wet <rare> backpack",
      ]);
      expect(e.prompts[0].scoringPrompt).toBe("a backpack in the jungle");
      expect(e.perPrompt).toHaveLength(4);
      expect(e.perPrompt.every((p: Eval) => p.imageCount === 2)).toBe(true);
      expect(e.drift).toMatchObject({ prompt: "a photo of backpack", threshold: 0.5 });
      expect(typeof e.drift.flagged).toBe("boolean");
      expect((e.scoredWith as { subjectImages: string[] }).subjectImages).toHaveLength(4);
    }
    // Same seeds for every checkpoint: two checkpoints see the same noise.
    const seeds = evaluations.map((e) => JSON.stringify(e.prompts.map((p: Eval) => p.seeds)));
    expect(new Set(seeds).size).toBe(1);
    expect(evaluations[0]!.prompts[1].seeds).toEqual([1000, 1001]);
    const image = await fetch(evaluations[0]!.images[0].url);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toMatch(/image\/png/);

    // The scores are in the run's event stream, next to the losses.
    const client = wsClient(api.wsUrl, key);
    const streamed: Eval[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`EvaluationUpdated events: ${JSON.stringify(streamed)}`)), 30_000);
      const dispose = client.subscribe<{ runEvents: Eval }>(
        {
          query: `subscription ($r: ID!) { runEvents(runId: $r) { __typename ... on LossLogged { seq } ... on EvaluationUpdated { seq checkpointId protocol evaluationState clipI clipT dino evaluation { id dino } } } }`,
          variables: { r: runId },
        },
        {
          next: (r) => {
            if (r.errors) return reject(new Error(JSON.stringify(r.errors)));
            if (r.data!.runEvents.__typename === "EvaluationUpdated") streamed.push(r.data!.runEvents);
            if (streamed.length === 3) {
              clearTimeout(timer);
              dispose();
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await client.dispose();
    expect(new Set(streamed.map((e) => e.checkpointId))).toEqual(new Set(checkpoints.map((c) => c.id)));
    for (const e of streamed) {
      expect(e).toMatchObject({ protocol: "QUICK", evaluationState: "SUCCEEDED" });
      expect(e.dino).toBe(e.evaluation.dino);
    }

    const rec = await ok(`query ($id: ID!) { run(id: $id) { recommendedCheckpoint { protocol reason checkpoint { id } evaluation { id dino clipT } } } }`, { id: runId });
    const best = evaluations.reduce((a, b) => (b.dino > a.dino ? b : a));
    expect(rec.run.recommendedCheckpoint.protocol).toBe("QUICK");
    expect(rec.run.recommendedCheckpoint.reason).toMatch(/Highest DINO/);
    const bestClipT = Math.max(...evaluations.map((e) => e.clipT));
    const eligible = evaluations.filter((e) => e.clipT >= bestClipT - 0.02);
    const expected = eligible.filter((e) => !e.drift.flagged).length ? eligible.filter((e) => !e.drift.flagged) : eligible;
    expect(rec.run.recommendedCheckpoint.evaluation.dino).toBe(Math.max(...expected.map((e) => e.dino)));
    expect(best.dino).toBeGreaterThanOrEqual(rec.run.recommendedCheckpoint.evaluation.dino);
  });

  it("runs DIVERSE on request and follows it live; a second request returns the same evaluation", async () => {
    const runId = runIds[0]!;
    const checkpointId = (await ok(`query ($id: ID!) { run(id: $id) { checkpoints { id step stage } } }`, { id: runId })).run.checkpoints.find(
      (c: Eval) => c.stage === "stage2" && c.step === 4,
    ).id as string;
    const first = await ok(`mutation ($c: ID!) { evaluateCheckpoint(checkpointId: $c, protocol: DIVERSE) { id state automatic imagesTotal } }`, { c: checkpointId });
    expect(first.evaluateCheckpoint).toMatchObject({ automatic: false, imagesTotal: 25 * 4 + 2 * 4 });
    const again = await ok(`mutation ($c: ID!) { evaluateCheckpoint(checkpointId: $c, protocol: DIVERSE) { id } }`, { c: checkpointId });
    expect(again.evaluateCheckpoint.id).toBe(first.evaluateCheckpoint.id);

    const client = wsClient(api.wsUrl, key);
    const updates: Eval[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final state; last ${JSON.stringify(updates.at(-1))}`)), 170_000);
      client.subscribe<{ evaluationUpdated: Eval }>(
        { query: `subscription ($id: ID!) { evaluationUpdated(id: $id) { state progress imagesDone imagesScored dino } }`, variables: { id: first.evaluateCheckpoint.id } },
        {
          next: (r) => {
            if (r.errors) return reject(new Error(JSON.stringify(r.errors)));
            updates.push(r.data!.evaluationUpdated);
          },
          error: reject,
          complete: () => {
            clearTimeout(timer);
            resolve();
          },
        },
      );
    });
    await client.dispose();
    expect(updates.at(-1)!.state).toBe("SUCCEEDED");
    expect(updates.some((u) => u.state === "GENERATING")).toBe(true);
    const progress = updates.map((u) => u.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress); // only moves forward
    expect(progress.at(-1)).toBe(1);

    const d = await ok(`query ($id: ID!) { evaluation(id: $id) { ...E } } ${EVALUATION}`, { id: first.evaluateCheckpoint.id });
    expect(d.evaluation.prompts).toHaveLength(25);
    expect(d.evaluation.perPrompt).toHaveLength(25);
    expect(d.evaluation.images.filter((i: Eval) => i.group === "SUBJECT")).toHaveLength(100);
    expect(d.evaluation.images.filter((i: Eval) => i.group === "BASE_CLASS")).toHaveLength(4);
  });

  it("compares two runs in the layout of Table 1", async () => {
    const second = await trainRun(2);
    await waitFor("the second run's evaluations", async () => {
      const r = await ok(`query ($id: ID!) { run(id: $id) { evaluations { state } } }`, { id: second });
      return r.run.evaluations.length === 2 && r.run.evaluations.every((e: Eval) => e.state === "SUCCEEDED");
    });
    const cmp = await ok(
      `query ($ids: [ID!]!) { compareRuns(runIds: $ids) { rows { run { id } checkpoint { id step } diverse { clipI dino clipT } simple { clipI dino } quick { clipI dino clipT } } paper { method diverseClipI diverseDino simpleClipI simpleDino } } }`,
      { ids: [runIds[0], second] },
    );
    const rows = cmp.compareRuns.rows as Eval[];
    expect(rows.map((r) => r.run.id)).toEqual([runIds[0], second]);
    expect(rows.every((r) => r.quick && Number.isFinite(r.quick.dino))).toBe(true);
    expect(rows[1]!.diverse).toBeNull();
    expect(cmp.compareRuns.paper[0]).toMatchObject({ diverseClipI: 0.8, diverseDino: 0.629, simpleClipI: 0.859, simpleDino: 0.718 });

    const bad = await gqlAs(api.url, key, `query ($ids: [ID!]!) { compareRuns(runIds: $ids) { rows { run { id } } } }`, { ids: [second] });
    expect(errorOf(bad.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "runIds" });
    const foreign = await gqlAs(api.url, key, `query ($ids: [ID!]!) { compareRuns(runIds: $ids) { rows { run { id } } } }`, {
      ids: [second, "00000000-0000-4000-8000-000000000000"],
    });
    expect(errorOf(foreign.body).code).toBe("NOT_FOUND");
  });
});

describe("evaluation: without the encoder folder", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  afterAll(async () => {
    await api?.proc.stop();
  });

  it("says what is missing and how to prepare it; the rest of the API works", async () => {
    api = await startApi({ EVAL_MODELS_DIR: "/nonexistent/eval-models" });
    const key = (await bootstrapTeam("No evaluator team")).secret;
    const status = await okAs(api.url, key, `{ evaluator { available message modelsDir } health { postgres { status } } }`);
    expect(status.evaluator.available).toBe(false);
    expect(status.evaluator.modelsDir).toBe("/nonexistent/eval-models");
    expect(status.evaluator.message).toContain("/nonexistent/eval-models");
    expect(status.evaluator.message).toContain("export-eval-models");
    expect(status.health.postgres.status).toBe("OK");
    const res = await gqlAs(api.url, key, `mutation { evaluateCheckpoint(checkpointId: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(errorOf(res.body).code).toBe("NOT_FOUND");
    // a real checkpoint: refused with the reason, and nothing is queued
    const db = testDb();
    try {
      const subject = await okAs(api.url, key, `mutation { createSubject(input: {name: "x", classNoun: "backpack"}) { id } }`);
      const teamId = (await okAs(api.url, key, `{ viewer { team { id } } }`)).viewer.team.id as string;
      const { checkpoint } = await insertRunWithCheckpoint(db, teamId, subject.createSubject.id);
      const refused = await gqlAs(api.url, key, `mutation ($c: ID!) { evaluateCheckpoint(checkpointId: $c, protocol: QUICK) { id } }`, { c: checkpoint.id });
      expect(errorOf(refused.body).code).toBe("EVALUATOR_UNAVAILABLE");
      expect(errorOf(refused.body).message).toContain("export-eval-models");
      const evs = await okAs(api.url, key, `query ($c: ID!) { checkpoint(id: $c) { evaluations { id } } }`, { c: checkpoint.id });
      expect(evs.checkpoint.evaluations).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
