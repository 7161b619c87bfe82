import { sql } from "drizzle-orm";
import { bigint, check, doublePrecision, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { leaseColumns } from "./lease.js";
import { checkpoints } from "./runs.js";
import { shares } from "./sharing.js";
import { teams } from "./teams.js";
import { users } from "./users.js";

export const generationState = pgEnum("generation_state", ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"]);

/** A prompt against a checkpoint, served by a trainer's long-lived engine (`serve`). */
export const generations = pgTable(
  "generations",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    checkpointId: uuid()
      .notNull()
      .references(() => checkpoints.id, { onDelete: "cascade" }),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    /** Made through a share link (then teamId is the owner team and createdBy is null). */
    shareId: uuid().references(() => shares.id, { onDelete: "set null" }),
    prompt: text().notNull(),
    negativePrompt: text(),
    seed: bigint({ mode: "number" }).notNull(),
    steps: integer().notNull(),
    guidanceScale: doublePrecision().notNull(),
    count: integer().notNull(),
    state: generationState().notNull().default("QUEUED"),
    /** Denoising steps done so far over all images (of steps × count), as the engine reports them. */
    stepsDone: integer().notNull().default(0),
    /** Image size in pixels; null: the base model's resolution. */
    width: integer(),
    height: integer(),
    /** The sampler (GraphQL GenerationScheduler; the engine's sampling.SCHEDULERS). */
    scheduler: text().notNull().default("DDIM"),
    ...leaseColumns(),
    /** [{index, seed, objectKey}] in order. */
    images: jsonb().$type<{ index: number; seed: number; objectKey: string }[]>().notNull().default([]),
    errorCode: text(),
    errorMessage: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("generations_checkpoint_idx").on(t.checkpointId, t.createdAt),
    index("generations_claimable_idx").on(t.state, t.createdAt),
    /** The team's unfinished generations (the queued-generations budget counts them on every generate). */
    index("generations_team_unfinished_idx")
      .on(t.teamId)
      .where(sql`${t.state} in ('QUEUED', 'RUNNING')`),
    check("generations_prompt_length", sql`char_length(${t.prompt}) between 1 and 2000`),
    check("generations_steps", sql`${t.steps} between 1 and 200`),
    check("generations_count", sql`${t.count} between 1 and 16`),
    check("generations_guidance", sql`${t.guidanceScale} between 0 and 50`),
    check(
      "generations_size",
      sql`(${t.width} is null or (${t.width} between 64 and 1024 and ${t.width} % 8 = 0)) and (${t.height} is null or (${t.height} between 64 and 1024 and ${t.height} % 8 = 0))`,
    ),
    check("generations_scheduler", sql`${t.scheduler} in ('DDIM', 'DPM_SOLVER', 'EULER_ANCESTRAL')`),
  ],
);
