import type { apiQueries } from "@studio/db";
import type { ApiData } from "../data.js";

export type BucketTake = apiQueries.BucketTake;
export type BucketResult = apiQueries.BucketResult;

/** Where token buckets live: PostgreSQL (shared by every replica) or this process (tests, tools). */
export interface BucketStore {
  /** All or nothing: every bucket is granted and charged, or none is charged. */
  take(takes: readonly BucketTake[]): Promise<BucketResult[]>;
  /** Forgets buckets that are full again. */
  sweep(): Promise<number>;
}

/** Refills add up in floating point (0.1 × 10 < 1): a bucket this close to `need` holds it. */
const EPSILON = 1e-9;

export interface BucketState {
  tokens: number;
  /** ms since epoch */
  updatedAt: number;
}

/**
 * The bucket maths, exactly as db/drizzle/0003_rate_limits.sql's rate_take computes it (the
 * integration test hostile-rate.test.ts checks the two agree): a bucket refills `ratePerSecond` tokens
 * per second up to `cap`; it is granted when it holds at least `need`; when every bucket of the call is
 * granted, each is charged `cost` (never above the cap). `retryAfterMs`: time until it holds `need`.
 */
export function takeBuckets(states: Map<string, BucketState>, takes: readonly BucketTake[], now: number): BucketResult[] {
  const avail = takes.map((t) => {
    const s = states.get(t.key);
    return s ? Math.min(t.cap, s.tokens + (Math.max(0, now - s.updatedAt) / 1000) * t.ratePerSecond) : t.cap;
  });
  const ok = takes.every((t, i) => avail[i]! + EPSILON >= t.need);
  return takes.map((t, i) => {
    const a = avail[i]!;
    const left = ok ? Math.min(t.cap, a - t.cost) : a;
    states.set(t.key, { tokens: left, updatedAt: now });
    return { key: t.key, granted: ok, remaining: left, retryAfterMs: a + EPSILON >= t.need ? 0 : Math.ceil(((t.need - a) / t.ratePerSecond) * 1000) };
  });
}

/** Buckets of this process only: each replica would have its own (see docs/security-rate-limits.md). */
export class MemoryBucketStore implements BucketStore {
  private readonly states = new Map<string, BucketState & { fullAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  async take(takes: readonly BucketTake[]): Promise<BucketResult[]> {
    const t = this.now();
    const results = takeBuckets(this.states as Map<string, BucketState>, takes, t);
    takes.forEach((b, i) => {
      const left = results[i]!.remaining;
      this.states.set(b.key, { tokens: left, updatedAt: t, fullAt: t + (Math.max(0, b.cap - left) / b.ratePerSecond) * 1000 });
    });
    return results;
  }

  async sweep(): Promise<number> {
    const t = this.now();
    let n = 0;
    for (const [k, s] of this.states) if (s.fullAt < t && this.states.delete(k)) n++;
    return n;
  }

  get size(): number {
    return this.states.size;
  }
}

/** Buckets in PostgreSQL's UNLOGGED rate_buckets table: one rate_take statement per check, shared by every replica. */
export class PgBucketStore implements BucketStore {
  constructor(private readonly data: Pick<ApiData, "rateTake" | "sweepRateBuckets">) {}
  take(takes: readonly BucketTake[]): Promise<BucketResult[]> {
    return this.data.rateTake(takes);
  }
  sweep(): Promise<number> {
    return this.data.sweepRateBuckets();
  }
}
