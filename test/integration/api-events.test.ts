import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNELS, notify, type DbHandle } from "@studio/db";
import type { Client } from "graphql-ws";
import { createTeam, wsClientAs, type TestTeam } from "../support/auth.js";
import { appendEvents, insertImage, insertRunWithCheckpoint, insertSubject, lossEvents, testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";

const RUN_EVENTS = `subscription($r: ID!, $after: Int) { runEvents(runId: $r, afterSeq: $after) {
  __typename
  ... on RunStateChanged { seq state previousState }
  ... on StageStarted { seq stage totalSteps }
  ... on LossLogged { seq stage step loss learningRate }
  ... on SampleSaved { seq step prompt seed url }
  ... on CheckpointSaved { seq checkpoint { id step files { name url } } }
} }`;

type Ev = { __typename: string; seq: number; [k: string]: unknown };

/** Subscribes and collects results until `done` says so (or the timeout), then unsubscribes. */
function collect<T>(client: Client, query: string, variables: Record<string, unknown>, done: (all: T[]) => boolean, timeoutMs = 30_000) {
  const got: T[] = [];
  const errors: unknown[] = [];
  let dispose = () => {};
  const finished = new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`timed out with ${got.length} results: ${JSON.stringify(got.slice(-3))} errors ${JSON.stringify(errors)}`));
    }, timeoutMs);
    const check = () => {
      if (done(got)) {
        clearTimeout(timer);
        dispose();
        resolve(got);
      }
    };
    dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (r) => {
          if (r.errors) errors.push(r.errors);
          if (r.data) got.push(Object.values(r.data)[0] as T);
          check();
        },
        error: (e) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(JSON.stringify(e)));
        },
        complete: () => {
          clearTimeout(timer);
          resolve(got);
        },
      },
    );
  });
  return { got, finished };
}

const untilSeq = (n: number) => (all: Ev[]) => all.length > 0 && all[all.length - 1]!.seq >= n;

describe("api: runEvents (replay, then live, no gap, no duplicate) and generationUpdated", () => {
  let apiA: Awaited<ReturnType<typeof startApi>>;
  let apiB: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let db: DbHandle;
  let subjectId: string;

  beforeAll(async () => {
    // a slow fallback poll, so live delivery must come from NOTIFY
    [apiA, apiB, team] = await Promise.all([startApi({ RUN_EVENTS_POLL_MS: "60000" }), startApi({ RUN_EVENTS_POLL_MS: "60000" }), createTeam("events-team")]);
    db = testDb();
    subjectId = (await insertSubject(db, team.teamId)).id;
    await insertImage(db, team.teamId, subjectId);
  });
  afterAll(async () => {
    await Promise.all([apiA?.proc.stop(), apiB?.proc.stop()]);
    await db?.close();
  });

  it("replays exactly the events after afterSeq, then streams live ones; two API processes see the same", async () => {
    const { run } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    expect(await appendEvents(db, run.id, lossEvents(1, 10))).toBe(10);
    const a = wsClientAs(apiA.wsUrl, team.secret);
    const b = wsClientAs(apiB.wsUrl, team.secret);
    try {
      const subA = collect<Ev>(a, RUN_EVENTS, { r: run.id, after: 4 }, untilSeq(40));
      const subB = collect<Ev>(b, RUN_EVENTS, { r: run.id, after: 0 }, untilSeq(40));
      // wait for the replay, then append live events in many small transactions
      const deadline = Date.now() + 20_000;
      while ((subA.got.length < 6 || subB.got.length < 10) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(subA.got.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
      for (let i = 11; i <= 40; i += 3) await appendEvents(db, run.id, lossEvents(i, Math.min(i + 2, 40)));
      const [evA, evB] = await Promise.all([subA.finished, subB.finished]);
      expect(evA.map((e) => e.seq)).toEqual(Array.from({ length: 36 }, (_, i) => i + 5));
      expect(evB.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(evA[0]).toEqual({ __typename: "LossLogged", seq: 5, stage: "stage1", step: 5, loss: 0.2, learningRate: 5e-4 });
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });

  it("has no gap or duplicate when events are appended concurrently with the replay", async () => {
    const { run } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    await appendEvents(db, run.id, lossEvents(1, 50));
    const c = wsClientAs(apiA.wsUrl, team.secret);
    try {
      const sub = collect<Ev>(c, RUN_EVENTS, { r: run.id, after: 0 }, untilSeq(150));
      // appends race the subscription's LISTEN + replay
      await Promise.all(Array.from({ length: 25 }, (_, i) => appendEvents(db, run.id, lossEvents(51 + i * 4, 54 + i * 4))));
      const events = await sub.finished;
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    } finally {
      await c.dispose();
    }
  });

  it("streams every event type, resolving samples and checkpoints of the team", async () => {
    const { run, checkpoint } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    const [sample] = (
      await db.pool.query(
        `insert into samples (run_id, team_id, stage, step, prompt_index, prompt, seed, object_key)
         values ($1, $2, 'stage2', 200, 0, 'a photo of <rare> backpack', 7, $3) returning id`,
        [run.id, team.teamId, `teams/${team.teamId}/runs/${run.id}/samples/stage2-step-000200-p0-s7.png`],
      )
    ).rows;
    await appendEvents(db, run.id, [
      { type: "RunStateChanged", payload: { state: "RUNNING", previousState: "QUEUED" } },
      { type: "StageStarted", payload: { stage: "stage2", totalSteps: 400 } },
      { type: "SampleSaved", payload: { sampleId: sample.id, stage: "stage2", step: 200, prompt: "a photo of <rare> backpack", promptIndex: 0, seed: 7 } },
      { type: "CheckpointSaved", payload: { checkpointId: checkpoint.id, stage: "stage2", step: 200 } },
    ]);
    const c = wsClientAs(apiB.wsUrl, team.secret);
    try {
      const events = await collect<Ev>(c, RUN_EVENTS, { r: run.id }, untilSeq(4)).finished;
      expect(events.map((e) => e.__typename)).toEqual(["RunStateChanged", "StageStarted", "SampleSaved", "CheckpointSaved"]);
      expect(events[0]).toMatchObject({ state: "RUNNING", previousState: "QUEUED" });
      expect(events[1]).toMatchObject({ stage: "stage2", totalSteps: 400 });
      expect(events[2]).toMatchObject({ step: 200, seed: 7, prompt: "a photo of <rare> backpack" });
      expect(String(events[2]!.url)).toContain("stage2-step-000200-p0-s7.png");
      expect(events[3]!.checkpoint).toMatchObject({ id: checkpoint.id, step: 200 });
    } finally {
      await c.dispose();
    }
  });

  it("generationUpdated: the generation now, then each change, ending after SUCCEEDED", async () => {
    const { generation } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    const c = wsClientAs(apiA.wsUrl, team.secret);
    try {
      const sub = collect<{ state: string; images: { seed: number; url: string }[] }>(
        c,
        `subscription($id: ID!) { generationUpdated(id: $id) { id state images { index seed url } error { code } } }`,
        { id: generation.id },
        (all) => all.some((g) => g.state === "SUCCEEDED"),
      );
      while (sub.got.length < 1) await new Promise((r) => setTimeout(r, 50));
      const set = async (sqlSet: string, params: unknown[]) => {
        await db.pool.query(`update generations set ${sqlSet} where id = $1`, [generation.id, ...params]);
        await notify(db.db, CHANNELS.generations, { generationId: generation.id });
      };
      await set("state = 'RUNNING', lease_owner = 'fixture', lease_expires_at = now() + interval '1 minute'", []);
      while (sub.got.length < 2) await new Promise((r) => setTimeout(r, 50));
      const key = `teams/${team.teamId}/generations/${generation.id}/image-00-seed-1.png`;
      await set("state = 'SUCCEEDED', finished_at = now(), images = $2::jsonb", [JSON.stringify([{ index: 0, seed: 1, objectKey: key }])]);
      const updates = await sub.finished;
      expect(updates.map((g) => g.state)).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
      expect(updates[2]!.images[0]!.url).toContain("image-00-seed-1.png");
    } finally {
      await c.dispose();
    }
  });
});
