import { describe, expect, it } from "vitest";
import { MemoryBucketStore, takeBuckets, type BucketState, type BucketTake } from "./buckets.js";

const b = (key: string, over: Partial<BucketTake> = {}): BucketTake => ({ key, cap: 3, ratePerSecond: 1, cost: 1, need: 1, ...over });

describe("token bucket maths", () => {
  it("a new bucket is full: grants `cap` takes, then refuses with the time until one token refilled", () => {
    const s = new Map<string, BucketState>();
    const got = [0, 0, 0, 0].map(() => takeBuckets(s, [b("k")], 1000)[0]!);
    expect(got.map((r) => r.granted)).toEqual([true, true, true, false]);
    expect(got.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(got[3]!.retryAfterMs).toBe(1000);
  });

  it("refills at its rate, never above the cap", () => {
    const s = new Map<string, BucketState>([["k", { tokens: 0, updatedAt: 0 }]]);
    expect(takeBuckets(s, [b("k", { cost: 0 })], 500)[0]).toMatchObject({ granted: false, remaining: 0.5, retryAfterMs: 500 });
    expect(takeBuckets(s, [b("k")], 1500)[0]).toMatchObject({ granted: true, remaining: 0.5 });
    expect(takeBuckets(s, [b("k", { cost: 0 })], 1_000_000)[0]).toMatchObject({ granted: true, remaining: 3 });
  });

  it("all or nothing: one empty bucket refuses the call and charges none of the others", () => {
    const s = new Map<string, BucketState>([["empty", { tokens: 0, updatedAt: 0 }]]);
    const r = takeBuckets(s, [b("full"), b("empty", { ratePerSecond: 0.5 })], 0);
    expect(r.map((x) => x.granted)).toEqual([false, false]);
    expect(r[0]).toMatchObject({ remaining: 3, retryAfterMs: 0 });
    expect(r[1]).toMatchObject({ remaining: 0, retryAfterMs: 2000 });
  });

  it("cost 0 only looks; a negative cost gives back up to the cap; need may exceed cost", () => {
    const s = new Map<string, BucketState>([["k", { tokens: 1, updatedAt: 0 }]]);
    expect(takeBuckets(s, [b("k", { cost: 0 })], 0)[0]).toMatchObject({ granted: true, remaining: 1 });
    expect(takeBuckets(s, [b("k", { cost: -5, need: 0 })], 0)[0]).toMatchObject({ granted: true, remaining: 3 });
    expect(takeBuckets(s, [b("k", { cost: 1, need: 4 })], 0)[0]).toMatchObject({ granted: false, remaining: 3, retryAfterMs: 1000 });
  });

  it("a refusal does not reset the refill clock's progress", () => {
    const s = new Map<string, BucketState>([["k", { tokens: 0, updatedAt: 0 }]]);
    for (let t = 0; t < 1000; t += 100) expect(takeBuckets(s, [b("k")], t)[0]!.granted).toBe(false);
    expect(takeBuckets(s, [b("k")], 1000)[0]!.granted).toBe(true);
  });

  it("the memory store forgets buckets once they are full again (same as never seen)", async () => {
    let now = 0;
    const store = new MemoryBucketStore(() => now);
    await store.take([b("a"), b("z", { cap: 10, ratePerSecond: 0.1 })]);
    now = 900;
    expect(await store.sweep()).toBe(0);
    now = 1001; // a: 1 token taken at 1/s → full after 1 s; z: 1 token at 0.1/s → full after 10 s
    expect(await store.sweep()).toBe(1);
    expect(store.size).toBe(1);
    now = 10_001;
    expect(await store.sweep()).toBe(1);
    expect(store.size).toBe(0);
  });
});
