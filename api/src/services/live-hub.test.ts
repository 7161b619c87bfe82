import { EventEmitter } from "node:events";
import type { PgListener } from "@studio/db";
import { describe, expect, it } from "vitest";
import type { RunEventModel } from "../models.js";
import { LiveFailure, LiveHub, SLOW_CONSUMER_CLOSE_CODE, type RunStory } from "./live-hub.js";

/** An in-memory run log + NOTIFY bus standing in for PostgreSQL. */
function fakeDb() {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const log: RunEventModel[] = [];
  const story: Omit<RunStory, "lastSeq"> = { final: false, evaluationsPending: false };
  const reads = { events: 0, story: 0 };
  const listener = {
    subscribe: (ch: string, h: (p: unknown) => void) => {
      bus.on(ch, h);
      return () => bus.off(ch, h);
    },
    onReconnect: (h: () => void) => {
      bus.on("reconnect", h);
      return () => bus.off("reconnect", h);
    },
  } as unknown as PgListener;
  const append = (n: number, type = "LossLogged") => {
    for (let i = 0; i < n; i++) log.push({ runId: "r", seq: log.length + 1, type, payload: {}, createdAt: new Date() } as unknown as RunEventModel);
    bus.emit("studio_run_events", { runId: "r", seq: log.length });
  };
  const hub = (over: Partial<ConstructorParameters<typeof LiveHub>[1]> = {}) =>
    new LiveHub(listener, {
      readEvents: async (_r, after, limit, _purpose) => {
        reads.events += 1;
        await new Promise((r) => setTimeout(r, 1));
        return log.filter((e) => e.seq > after).slice(0, limit);
      },
      story: async () => {
        reads.story += 1;
        await new Promise((r) => setTimeout(r, 1));
        return { lastSeq: log.length, ...story };
      },
      pollMs: 60_000,
      maxQueuedEvents: 100_000,
      maxBufferedBytes: 1 << 30,
      log: () => undefined,
      ...over,
    });
  return { bus, log, story, reads, listener, append, hub };
}

async function drain<T>(it: AsyncIterableIterator<T>, until: (all: T[]) => boolean): Promise<T[]> {
  const got: T[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return got;
    got.push(r.value);
    if (until(got)) return got;
  }
}
const seqs = (all: (RunEventModel | LiveFailure)[]) => all.map((e) => (e instanceof LiveFailure ? -1 : e.seq));
const settle = () => new Promise((r) => setTimeout(r, 30));

describe("LiveHub.runEvents", () => {
  it("reads each committed batch once, whatever the number of subscribers", async () => {
    const db = fakeDb();
    const hub = db.hub();
    db.append(5);
    const count = async (n: number) => {
      const subs = Array.from({ length: n }, () => hub.runEvents("r", db.log.length));
      await settle();
      const before = db.reads.events;
      for (let b = 0; b < 4; b++) {
        db.append(3);
        await settle();
      }
      const perBatch = (db.reads.events - before) / 4;
      const got = await Promise.all(subs.map((s) => drain(s, (a) => a.length >= 12)));
      for (const g of got) expect(seqs(g)).toEqual(Array.from({ length: 12 }, (_, i) => db.log.length - 11 + i));
      await Promise.all(subs.map((s) => s.return!()));
      return perBatch;
    };
    const one = await count(1);
    const fifty = await count(50);
    expect(one).toBe(1);
    expect(fifty).toBe(one);
  });

  it("a late joiner replays from afterSeq, then joins the live tail with no gap or duplicate", async () => {
    const db = fakeDb();
    const hub = db.hub();
    db.append(20);
    const early = hub.runEvents("r", 0);
    const earlyGot = drain(early, (a) => a.length >= 120);
    await settle();
    // appends race the late joiner's replay
    const late = hub.runEvents("r", 7);
    const lateGot = drain(late, (a) => a.length >= 113);
    for (let i = 0; i < 20; i++) {
      db.append(5);
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(seqs(await earlyGot)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(seqs(await lateGot)).toEqual(Array.from({ length: 113 }, (_, i) => i + 8));
  });

  it("completes once the run is final and no evaluation is pending, after the last event", async () => {
    const db = fakeDb();
    const hub = db.hub();
    db.append(3);
    const sub = hub.runEvents("r", 0);
    const all = drain(sub, () => false);
    await settle();
    db.story.final = true;
    db.story.evaluationsPending = true;
    db.append(1, "RunStateChanged");
    await settle();
    expect(hub.subscribersOf("r")).toBe(1); // an evaluation is still coming
    db.story.evaluationsPending = false;
    db.append(1, "EvaluationUpdated");
    expect(seqs(await all)).toEqual([1, 2, 3, 4, 5]);
    // a subscription after the end replays and completes
    expect(seqs(await drain(hub.runEvents("r", 2), () => false))).toEqual([3, 4, 5]);
    expect(seqs(await drain(hub.runEvents("r", 5), () => false))).toEqual([]);
  });

  it("cuts a subscriber that does not take its events by closing its socket with the documented code", async () => {
    const db = fakeDb();
    const hub = db.hub({ maxQueuedEvents: 10 });
    const closed: number[] = [];
    const slow = hub.runEvents("r", 0, { socket: () => ({ bufferedAmount: 0, close: (code) => closed.push(code) }) });
    const fast = hub.runEvents("r", 0);
    const fastGot = drain(fast, (a) => a.length >= 30);
    await settle();
    for (let i = 0; i < 6; i++) {
      db.append(5);
      await settle();
    }
    expect(closed).toEqual([SLOW_CONSUMER_CLOSE_CODE]);
    expect(seqs(await fastGot)).toHaveLength(30);
    expect(hub.subscribersOf("r")).toBe(1);
    await slow.return!();
    await fast.return!();
  });

  it("without a socket, a cut subscriber ends with a retryable UNAVAILABLE", async () => {
    const db = fakeDb();
    const hub = db.hub({ maxQueuedEvents: 10 });
    const sub = hub.runEvents("r", 0);
    await settle();
    for (let i = 0; i < 6; i++) {
      db.append(5);
      await settle();
    }
    const got = await drain(sub, () => false);
    const last = got[got.length - 1];
    expect(last).toBeInstanceOf(LiveFailure);
    expect((last as LiveFailure).error).toMatchObject({ extensions: { code: "UNAVAILABLE", retryAfterMs: 1000 } });
  });
});

describe("LiveHub.follow", () => {
  it("reads a row once per wake for all its subscribers and ends after a final value", async () => {
    const db = fakeDb();
    const hub = db.hub();
    let state = "QUEUED";
    let reads = 0;
    const follow = () =>
      hub.follow({
        key: "generation:g",
        channel: "studio_generation",
        matches: (n) => n.generationId === "g",
        read: async () => {
          reads += 1;
          return { state };
        },
        fingerprint: (v) => v.state,
        isFinal: (v) => v.state === "SUCCEEDED",
      });
    const subs = Array.from({ length: 20 }, follow);
    const all = Promise.all(subs.map((s) => drain(s, () => false)));
    await settle();
    const before = reads;
    state = "RUNNING";
    db.bus.emit("studio_generation", { generationId: "g" });
    await settle();
    state = "SUCCEEDED";
    db.bus.emit("studio_generation", { generationId: "g" });
    for (const got of await all) expect(got.map((v) => (v as { state: string }).state)).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
    expect(reads - before).toBe(2);
  });
});

describe("LiveHub.runEventBatches", () => {
  it("hands caught-up subscribers the very same array per committed batch; a late joiner replays in pages without gap", async () => {
    const db = fakeDb();
    const hub = db.hub();
    db.append(1200);
    const a = hub.runEventBatches("r", db.log.length);
    const b = hub.runEventBatches("r", db.log.length);
    await settle();
    db.append(10);
    const [ba] = await drain(a, (x) => x.length >= 1);
    const [bb] = await drain(b, (x) => x.length >= 1);
    expect(ba).toBe(bb); // one object: its GraphQL result is computed once for both (shared-execution.ts)
    expect(seqs(ba as RunEventModel[])).toEqual(Array.from({ length: 10 }, (_, i) => 1201 + i));
    // from 0: two full pages of 500, then the rest, then live batches; flattened: every seq once, in order
    const late = hub.runEventBatches("r", 0);
    const got = drain(late, (x) => x.flat().length >= 1220);
    await settle();
    db.append(10);
    const batches = (await got) as RunEventModel[][];
    expect(batches.slice(0, 2).map((x) => x.length)).toEqual([500, 500]);
    expect(batches.every((x) => Array.isArray(x) && x.length > 0)).toBe(true);
    expect(seqs(batches.flat())).toEqual(Array.from({ length: 1220 }, (_, i) => i + 1));
    await Promise.all([a.return!(), b.return!(), late.return!()]);
  });

  it("completes after the batch holding the story's last event", async () => {
    const db = fakeDb();
    const hub = db.hub();
    db.append(3);
    const sub = hub.runEventBatches("r", 0);
    const all = drain(sub, () => false);
    await settle();
    db.story.final = true;
    db.append(2, "RunStateChanged");
    const batches = (await all) as RunEventModel[][];
    expect(seqs(batches.flat())).toEqual([1, 2, 3, 4, 5]);
  });
});
