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
  /**
   * The base models this trainer's engine has on its machine (`models list`), refreshed every
   * TRAINER_MODELS_CHECK_MS: `baseModels` reports them and `startRun` refuses a model no live trainer
   * has (docs/base-models.md). Null: not reported (a trainer older than this column), so unknown.
   */
  baseModels: text().array(),
  startedAt: timestamp({ withTimezone: true }).notNull(),
  heartbeatAt: timestamp({ withTimezone: true }).notNull(),
});
