import { doublePrecision, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Token buckets of the API's rate limits (api/src/limits/, docs/security-rate-limits.md), shared by
 * every API replica. UNLOGGED (migration 0003): no WAL, and lost on a crash — which only refills
 * every bucket. A row is taken and refilled by `rate_take(...)` (one statement per check); a row whose
 * bucket would be full again (`full_at` passed) means the same as no row and is swept.
 */
export const rateBuckets = pgTable("rate_buckets", {
  key: text().primaryKey(),
  tokens: doublePrecision().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull(),
  fullAt: timestamp({ withTimezone: true }).notNull(),
});
