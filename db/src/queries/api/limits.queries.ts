import { sql } from "drizzle-orm";
import type { Database } from "../../client.js";

/** One bucket of a rate_take call (see db/drizzle/0003_rate_limits.sql). */
export interface BucketTake {
  key: string;
  /** Most tokens the bucket holds (its burst). */
  cap: number;
  /** Tokens refilled per second (> 0). */
  ratePerSecond: number;
  /** Tokens taken when every bucket of the call is granted (0: only look; negative: give back). */
  cost: number;
  /** Tokens the bucket must hold to be granted. */
  need: number;
}

export interface BucketResult {
  key: string;
  granted: boolean;
  remaining: number;
  retryAfterMs: number;
}

/**
 * Takes from several buckets at once, all or nothing: one statement, one round trip. Keys are locked
 * in sorted order (no deadlock between concurrent calls over overlapping keys).
 */
export async function rateTake(db: Database, takes: readonly BucketTake[]): Promise<BucketResult[]> {
  if (takes.length === 0) return [];
  const sorted = [...takes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const res = await db.execute<{ bucket: string; granted: boolean; remaining: number; retry_after_ms: string }>(sql`
    select bucket, granted, remaining, retry_after_ms from rate_take(
      ${sql.param(sorted.map((t) => t.key))}::text[], ${sql.param(sorted.map((t) => t.cap))}::float8[],
      ${sql.param(sorted.map((t) => t.ratePerSecond))}::float8[], ${sql.param(sorted.map((t) => t.cost))}::float8[],
      ${sql.param(sorted.map((t) => t.need))}::float8[])`);
  return res.rows.map((r) => ({ key: r.bucket, granted: r.granted, remaining: Number(r.remaining), retryAfterMs: Number(r.retry_after_ms) }));
}

/** Forgets buckets that are full again (a full bucket and no row mean the same); returns how many. */
export async function sweepRateBuckets(db: Database): Promise<number> {
  const res = await db.execute(sql`delete from rate_buckets where full_at < clock_timestamp()`);
  return res.rowCount ?? 0;
}
