import { sql } from "drizzle-orm";
import { bigint, check, doublePrecision, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { leaseColumns } from "./lease.js";
import { subjects } from "./subjects.js";
import { teams } from "./teams.js";
import { users } from "./users.js";

export const runMethod = pgEnum("run_method", ["TWO_STAGE", "DREAMBOOTH", "TEXTUAL_INVERSION"]);
/** A fixed set of states; every change is a conditional update (`WHERE state = expected`). */
export const runState = pgEnum("run_state", ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED"]);

export const runs = pgTable(
  "runs",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    subjectId: uuid()
      .notNull()
      .references(() => subjects.id, { onDelete: "restrict" }),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    method: runMethod().notNull(),
    baseModel: text().notNull(),
    /** The engine job settings (protocol job spec fields minus paths), fully defaulted and validated. */
    config: jsonb().$type<Record<string, unknown>>().notNull(),
    state: runState().notNull().default("QUEUED"),
    stage: text(),
    step: integer().notNull().default(0),
    totalSteps: integer().notNull(),
    cancelRequestedAt: timestamp({ withTimezone: true }),
    ...leaseColumns(),
    heartbeatAt: timestamp({ withTimezone: true }),
    /** seq of the newest row in run_events; appends lock the run row and bump it. */
    lastEventSeq: integer().notNull().default(0),
    errorCode: text(),
    errorMessage: text(),
    logTail: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("runs_team_created_idx").on(t.teamId, t.createdAt),
    index("runs_subject_idx").on(t.subjectId),
    index("runs_claimable_idx").on(t.state, t.leaseExpiresAt),
    /** The team's unfinished runs (the active-runs budget counts them on every startRun). */
    index("runs_team_unfinished_idx")
      .on(t.teamId)
      .where(sql`${t.state} in ('QUEUED', 'RUNNING')`),
    check("runs_step_range", sql`${t.step} >= 0 and ${t.totalSteps} > 0`),
    check("runs_lease_when_running", sql`${t.state} <> 'RUNNING' or (${t.leaseOwner} is not null and ${t.leaseExpiresAt} is not null)`),
    check("runs_finished_when_final", sql`(${t.state} in ('SUCCEEDED','FAILED','CANCELED')) = (${t.finishedAt} is not null)`),
    check("runs_error_when_failed", sql`${t.state} <> 'FAILED' or ${t.errorCode} is not null`),
    check("runs_base_model", sql`char_length(${t.baseModel}) between 1 and 100`),
  ],
);

/** Append-only log of what happened to a run; `seq` is gap-free per run (replay with afterSeq). */
export const runEvents = pgTable(
  "run_events",
  {
    runId: uuid()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    seq: integer().notNull(),
    type: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.seq] }),
    check("run_events_seq_positive", sql`${t.seq} > 0`),
    check("run_events_type", sql`${t.type} in ('RunStateChanged','StageStarted','LossLogged','SampleSaved','CheckpointSaved','EvaluationUpdated','PhaseChanged')`),
  ],
);

/** One loss value per (run, stage, step): a resumed run never stores a step twice. */
export const lossPoints = pgTable(
  "loss_points",
  {
    runId: uuid()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    stage: text().notNull(),
    step: integer().notNull(),
    loss: doublePrecision().notNull(),
    learningRate: doublePrecision().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stage, t.step] }), check("loss_points_step", sql`${t.step} > 0`)],
);

export const samples = pgTable(
  "samples",
  {
    id: uuid().primaryKey().defaultRandom(),
    runId: uuid()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    stage: text().notNull(),
    step: integer().notNull(),
    promptIndex: integer().notNull(),
    prompt: text().notNull(),
    seed: bigint({ mode: "number" }).notNull(),
    objectKey: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("samples_unique_idx").on(t.runId, t.stage, t.step, t.promptIndex, t.seed)],
);

export const checkpoints = pgTable(
  "checkpoints",
  {
    id: uuid().primaryKey().defaultRandom(),
    runId: uuid()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    stage: text().notNull(),
    step: integer().notNull(),
    /** Total bytes of the checkpoint's files. */
    sizeBytes: bigint({ mode: "number" }).notNull(),
    /** sha256 of checkpoint.json, which lists every file's sha256: it identifies the whole checkpoint. */
    sha256: text().notNull(),
    /** [{name, objectKey, sizeBytes, sha256}], each verified against storage before this row exists. */
    files: jsonb().$type<{ name: string; objectKey: string; sizeBytes: number; sha256: string }[]>().notNull(),
    /**
     * The engine's content hash of the weights (sorted tensor names, dtypes, shapes, bytes): equal
     * hashes mean equal models, whatever the files' metadata. Null for checkpoints recorded before it.
     */
    contentHash: text(),
    /**
     * The private training state stored with the checkpoint for bit-exact resume (optimizer moments,
     * scaler, RNG states; trainer/protocol/PROTOCOL.md "Resume"): [{name, objectKey, sizeBytes, sha256}].
     * Only the trainer reads it; it is never exported, shared or shown. Null: none (imports, old runs).
     */
    trainingState: jsonb().$type<{ name: string; objectKey: string; sizeBytes: number; sha256: string }[]>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("checkpoints_run_stage_step_idx").on(t.runId, t.stage, t.step),
    index("checkpoints_team_idx").on(t.teamId),
    check("checkpoints_sha256", sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    check("checkpoints_content_hash", sql`${t.contentHash} is null or ${t.contentHash} ~ '^[0-9a-f]{64}$'`),
    check("checkpoints_size", sql`${t.sizeBytes} > 0`),
  ],
);
