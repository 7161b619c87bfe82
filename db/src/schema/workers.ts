import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One row per trainer process. A trainer upserts its row when it starts and refreshes `heartbeatAt`
 * while it lives; the API reads these rows to report whether any engine is available. The api and
 * trainer never talk directly (docs/architecture.md §2), so this table is how the API learns about the engine.
 */
export const workers = pgTable("workers", {
  id: text().primaryKey(),
  hostname: text().notNull(),
  pid: text().notNull(),
  /** What the engine's `ready` event said: engine version, torch version, device, ... */
  engine: jsonb().$type<Record<string, unknown>>().notNull(),
  startedAt: timestamp({ withTimezone: true }).notNull(),
  heartbeatAt: timestamp({ withTimezone: true }).notNull(),
});
