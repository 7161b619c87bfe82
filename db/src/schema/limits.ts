import { sql } from "drizzle-orm";
import { check, doublePrecision, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { teams } from "./teams.js";

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

/**
 * A team's own limit on how many of its runs may be RUNNING at once (fair share across teams,
 * docs/scheduling.md). No row: the default (`RUN_TEAM_CONCURRENCY`, read by the trainers). Set by the
 * team's OWNER; the trainers only read it when they claim.
 */
export const teamRunLimits = pgTable(
  "team_run_limits",
  {
    teamId: uuid()
      .primaryKey()
      .references(() => teams.id, { onDelete: "cascade" }),
    runConcurrency: integer().notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("team_run_limits_range", sql`${t.runConcurrency} between 1 and 1000`)],
);
