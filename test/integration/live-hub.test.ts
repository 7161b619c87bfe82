import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@studio/db";
import type { Client } from "graphql-ws";
import WebSocket from "ws";
import { createTeam, okAs, wsClientAs, type TestTeam } from "../support/auth.js";
import { appendEvents, insertImage, insertRunWithCheckpoint, insertSubject, lossEvents, testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";

/** docs/live-events.md: the live hub, the completion rule of runEvents, the slow-consumer cut. */

const RUN_EVENTS = `subscription($r: ID!, $after: Int) { runEvents(runId: $r, afterSeq: $after) {
  __typename ... on LossLogged { seq step } ... on RunStateChanged { seq state } ... on EvaluationUpdated { seq } } }`;
const SLOW_CONSUMER_CLOSE_CODE = 4290;

type Ev = { __typename: string; seq: number };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A subscription that records what it got, its errors, and whether it completed. */
function follow(client: Client, runId: string, after: number) {
  const s = {
    got: [] as Ev[],
    errors: [] as { message: string; extensions?: Record<string, unknown> }[],
    completed: false,
    failed: null as unknown,
    dispose: () => {},
  };
  s.dispose = client.subscribe<{ runEvents: Ev }>(
    { query: RUN_EVENTS, variables: { r: runId, after } },
    {
      next: (r) => {
        if (r.errors) s.errors.push(...(r.errors as never[]));
        if (r.data) s.got.push(r.data.runEvents);
      },
      error: (e) => (s.failed = e),
      complete: () => (s.completed = true),
    },
  );
  return s;
}

async function until(what: string, cond: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe("live hub: one read per run batch, completion, slow consumers, revocation", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let db: DbHandle;
  let subjectId: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    // a slow fallback poll (delivery must come from NOTIFY), SQL counting on, a small queue limit for the slow consumer
    [api, team] = await Promise.all([
      startApi({ RUN_EVENTS_POLL_MS: "60000", API_COUNT_SQL: "1", LIVE_MAX_QUEUED_EVENTS: "50", API_HEALTH_CACHE_MS: "0" }),
      createTeam("live-team"),
    ]);
    db = testDb();
    subjectId = (await insertSubject(db, team.teamId)).id;
    await insertImage(db, team.teamId, subjectId);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await api?.proc.stop();
    await db?.close();
  });

  const client = () => {
    const c = wsClientAs(api.wsUrl, team.secret);
    clients.push(c);
    return c;
  };
  const liveStats = async () => {
    const d = await okAs(api.url, team.secret, `{ health { postgres { details } } }`);
    return d.health.postgres.details.live as { subscribers: number; tailReads: number; replayReads: number; storyReads: number; sqlStatements: number };
  };

  it("reads each committed event batch once: the SQL per batch is the same for 1 and 50 subscribers of a run", async () => {
    const measure = async (n: number) => {
      const { run } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
      await appendEvents(db, run.id, lossEvents(1, 5));
      const base = (await liveStats()).subscribers;
      const cs = Array.from({ length: 5 }, client);
      const subs = Array.from({ length: n }, (_, i) => follow(cs[i % cs.length]!, run.id, i % 2 === 0 ? 0 : 3));
      await until(`${n} replays`, () => subs.every((s) => s.got.length > 0 && s.got[s.got.length - 1]!.seq === 5));
      expect((await liveStats()).subscribers - base).toBe(n);
      const before = await liveStats();
      let last = 5;
      for (let b = 0; b < 5; b++) {
        await appendEvents(db, run.id, lossEvents(last + 1, last + 3));
        last += 3;
        await until(`batch ${b} delivered`, () => subs.every((s) => s.got[s.got.length - 1]!.seq === last));
      }
      const after = await liveStats();
      for (const [i, s] of subs.entries()) expect(s.got.map((e) => e.seq)).toEqual(range(i % 2 === 0 ? 1 : 4, last));
      subs.forEach((s) => s.dispose());
      return { sql: (after.sqlStatements - before.sqlStatements) / 5, hubReads: (after.tailReads - before.tailReads) / 5 };
    };
    const one = await measure(1);
    const fifty = await measure(50);
    expect(one.hubReads).toBe(1);
    expect(fifty.hubReads).toBe(1);
    expect(fifty.sql).toBe(one.sql);
  });

  it("runEventBatches: one message per committed batch, the same events as runEvents, the same SQL per batch, and it completes", async () => {
    const BATCHES = `subscription($r: ID!, $after: Int) { runEventBatches(runId: $r, afterSeq: $after) {
      lastSeq events { __typename ... on LossLogged { seq step } ... on RunStateChanged { seq state } } } }`;
    const { run } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    await appendEvents(db, run.id, lossEvents(1, 7));
    const cs = Array.from({ length: 4 }, client);
    const subs = Array.from({ length: 20 }, (_, i) => {
      const s = { batches: [] as { lastSeq: number; events: Ev[] }[], completed: false, errors: 0 };
      cs[i % cs.length]!.subscribe<{ runEventBatches: { lastSeq: number; events: Ev[] } }>(
        { query: BATCHES, variables: { r: run.id, after: i % 2 === 0 ? 0 : 3 } },
        { next: (r) => (r.errors ? (s.errors += 1) : s.batches.push(r.data!.runEventBatches)), error: () => (s.errors += 1), complete: () => (s.completed = true) },
      );
      return s;
    });
    const lastOf = (s: (typeof subs)[number]) => s.batches.at(-1)?.lastSeq ?? 0;
    await until("the replays", () => subs.every((s) => lastOf(s) === 7));
    // the replay is one message (7 or 4 events), whatever the subscriber's afterSeq
    for (const [i, s] of subs.entries()) expect(s.batches.map((b) => b.events.length)).toEqual([i % 2 === 0 ? 7 : 4]);
    const before = await liveStats();
    let last = 7;
    for (let b = 0; b < 4; b++) {
      await appendEvents(db, run.id, lossEvents(last + 1, last + 10)); // a trainer's commit: ~10 events
      last += 10;
      await until(`batch ${b}`, () => subs.every((s) => lastOf(s) === last));
    }
    const after = await liveStats();
    expect((after.tailReads - before.tailReads) / 4).toBe(1);
    for (const [i, s] of subs.entries()) {
      expect(s.batches.slice(1).map((b) => b.events.length)).toEqual([10, 10, 10, 10]); // one message per commit
      expect(s.batches.flatMap((b) => b.events.map((e) => e.seq))).toEqual(range(i % 2 === 0 ? 1 : 4, last));
      for (const b of s.batches) expect(b.lastSeq).toBe(b.events.at(-1)!.seq);
    }
    // as a trainer's final write: the state first (one transaction there), then the event that wakes the stream
    await db.pool.query(`update runs set state = 'SUCCEEDED', finished_at = now(), lease_owner = null, lease_expires_at = null where id = $1`, [run.id]);
    await appendEvents(db, run.id, [{ type: "RunStateChanged", payload: { state: "SUCCEEDED", previousState: "RUNNING" } }]);
    await until("completion", () => subs.every((s) => s.completed));
    expect(subs.every((s) => lastOf(s) === last + 1 && s.errors === 0)).toBe(true);
  });

  it("a subscription to a run whose story ended replays and completes (and after its last seq completes at once)", async () => {
    const { run } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    await appendEvents(db, run.id, [...lossEvents(1, 4), { type: "RunStateChanged", payload: { state: "SUCCEEDED", previousState: "RUNNING" } }]);
    await db.pool.query(`update runs set state = 'SUCCEEDED', finished_at = now(), lease_owner = null, lease_expires_at = null where id = $1`, [run.id]);
    const c = client();
    const all = follow(c, run.id, 0);
    await until("completion", () => all.completed);
    expect(all.got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all.errors).toEqual([]);
    const none = follow(c, run.id, 5);
    await until("completion", () => none.completed);
    expect(none.got).toEqual([]);

    // an evaluation still running keeps the stream open until its result is in the log
    const live = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    const evaluationId = (
      await db.pool.query<{ id: string }>(
        `insert into evaluations (team_id, run_id, checkpoint_id, protocol, spec, images_total) values ($1, $2, $3, 'QUICK', '{}'::jsonb, 1) returning id`,
        [team.teamId, live.run.id, live.checkpoint.id],
      )
    ).rows[0]!.id; // QUEUED: no evaluator runs in this test, so it stays pending until the test finishes it
    await appendEvents(db, live.run.id, [{ type: "RunStateChanged", payload: { state: "SUCCEEDED", previousState: "RUNNING" } }]);
    await db.pool.query(`update runs set state = 'SUCCEEDED', finished_at = now(), lease_owner = null, lease_expires_at = null where id = $1`, [live.run.id]);
    const open = follow(c, live.run.id, 0);
    await until("the replay", () => open.got.length === 1);
    await sleep(500);
    expect(open.completed).toBe(false);
    await db.pool.query(`update evaluations set state = 'FAILED', error_code = 'TEST', error_message = 'test', finished_at = now() where run_id = $1`, [live.run.id]);
    await appendEvents(db, live.run.id, [
      {
        type: "EvaluationUpdated",
        payload: { evaluationId, checkpointId: live.checkpoint.id, protocol: "QUICK", state: "FAILED", clipI: null, clipT: null, dino: null, errorCode: "TEST" },
      },
    ]);
    await until("completion after the evaluation", () => open.completed);
    expect(open.got.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("cuts a subscriber that stops reading with close code 4290; it resumes by afterSeq without a gap", async () => {
    const { run } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    // the graphql-transport-ws protocol by hand, so the test can stop reading the socket
    const ws = new WebSocket(api.wsUrl, "graphql-transport-ws");
    const seen: number[] = [];
    let closeCode = 0;
    ws.on("message", (raw) => {
      const m = JSON.parse(String(raw)) as { id?: string; type: string; payload?: { data?: { runEvents?: Ev } } };
      if (m.type === "next" && m.id === "op1" && m.payload?.data?.runEvents) seen.push(m.payload.data.runEvents.seq);
    });
    const closed = new Promise<void>((r) => ws.on("close", (code) => ((closeCode = code), r())));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${team.secret}` } }));
    await new Promise<void>((r) => ws.once("message", () => r()));
    // several operations on the one socket so its buffers fill sooner
    for (let i = 1; i <= 10; i++) ws.send(JSON.stringify({ id: `op${i}`, type: "subscribe", payload: { query: RUN_EVENTS, variables: { r: run.id, after: 0 } } }));
    await appendEvents(db, run.id, lossEvents(1, 10));
    await until("first events", () => seen.length === 10);
    (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    let total = 10;
    for (let round = 0; round < 200 && !/cut a slow subscriber/.test(api.proc.output); round++) {
      await appendEvents(db, run.id, lossEvents(total + 1, total + 500));
      total += 500;
      await sleep(20);
    }
    expect(api.proc.output).toMatch(/cut a slow subscriber/);
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await closed;
    expect(closeCode).toBe(SLOW_CONSUMER_CLOSE_CODE);
    expect(seen).toEqual(range(1, seen.length));
    expect(seen.length).toBeLessThan(total);
    // resume after the last seq seen: the rest, no gap, no duplicate
    const rest = follow(client(), run.id, seen[seen.length - 1]!);
    await until(
      `the rest (${total} events, ${seen.length} seen)`,
      () => rest.failed !== null || rest.errors.length > 0 || (rest.got.length > 0 && rest.got[rest.got.length - 1]!.seq === total),
      120_000,
    );
    expect(rest.errors).toEqual([]);
    expect([...seen, ...rest.got.map((e) => e.seq)]).toEqual(range(1, total));
  });

  it("revoking the key ends an open subscription with UNAUTHENTICATED", async () => {
    const { run } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
    const created = await okAs(api.url, team.secret, `mutation { createApiKey(name: "live-revoke") { secret apiKey { id } } }`);
    const c = wsClientAs(api.wsUrl, created.createApiKey.secret);
    clients.push(c);
    const sub = follow(c, run.id, 0);
    await appendEvents(db, run.id, lossEvents(1, 2));
    await until("events", () => sub.got.length === 2);
    await okAs(api.url, team.secret, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.createApiKey.apiKey.id });
    await until("the error", () => sub.errors.length > 0 || sub.failed !== null);
    expect(sub.errors[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    await until("completion", () => sub.completed);
  });
});
