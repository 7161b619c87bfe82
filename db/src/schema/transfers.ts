import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { leaseColumns } from "./lease.js";
import { checkpoints, runs } from "./runs.js";
import { subjectKind, subjects } from "./subjects.js";
import { teams } from "./teams.js";
import { users } from "./users.js";

/** Exports and imports of personalized models (docs/platform-contract.md, "Exports and imports"). */
export const exportFormat = pgEnum("export_format", ["DIFFUSERS", "SINGLE_FILE", "CHECKPOINT"]);
/** Every change is a conditional update (`WHERE state = expected`), as for runs and generations. */
export const transferState = pgEnum("transfer_state", ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"]);
export const importFileRole = pgEnum("import_file_role", ["CHECKPOINT", "EMBEDDING"]);

export type TransferFile = { name: string; objectKey: string; sizeBytes: number; sha256: string };
/**
 * A validated import file: objectKey is the API's server-side copy (no client can write it), sizeBytes
 * and sha256 are of exactly those bytes; the trainer refuses a download that differs (INPUT_VERIFY_FAILED).
 * sha256 is absent only on imports queued before it was recorded.
 */
export type ImportUploadRef = { role: "CHECKPOINT" | "EMBEDDING"; objectKey: string; filename: string; sizeBytes: number; sha256?: string };

/**
 * A checkpoint written in another tool's layout by a trainer's engine. Checkpoints are immutable, so
 * one SUCCEEDED (or pending) export per (checkpoint, format, half) serves every later request; the
 * row belongs to the checkpoint's team (its files live under that team's prefix).
 */
export const modelExports = pgTable(
  "model_exports",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    checkpointId: uuid()
      .notNull()
      .references(() => checkpoints.id, { onDelete: "cascade" }),
    runId: uuid()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    format: exportFormat().notNull(),
    half: boolean().notNull().default(false),
    state: transferState().notNull().default("QUEUED"),
    ...leaseColumns(),
    /** [{name (path inside the export), objectKey, sizeBytes, sha256}], verified against storage. */
    files: jsonb().$type<TransferFile[]>().notNull().default([]),
    errorCode: text(),
    errorMessage: text(),
    requestedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("model_exports_checkpoint_idx").on(t.checkpointId, t.createdAt),
    index("model_exports_claimable_idx").on(t.state, t.createdAt),
    // at most one live (queued, running or succeeded) export per checkpoint, format and precision
    uniqueIndex("model_exports_live_idx")
      .on(t.checkpointId, t.format, t.half)
      .where(sql`state <> 'FAILED'`),
    check("model_exports_lease_when_running", sql`${t.state} <> 'RUNNING' or (${t.leaseOwner} is not null and ${t.leaseExpiresAt} is not null)`),
    check("model_exports_finished_when_final", sql`(${t.state} in ('SUCCEEDED','FAILED')) = (${t.finishedAt} is not null)`),
    check("model_exports_error_when_failed", sql`${t.state} <> 'FAILED' or ${t.errorCode} is not null`),
  ],
);

/** A presigned PUT for a file to import, until importModel consumes it (or refuses and deletes it). */
export const modelImportUploads = pgTable(
  "model_import_uploads",
  {
    id: uuid().primaryKey(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    role: importFileRole().notNull(),
    objectKey: text().notNull(),
    filename: text().notNull(),
    byteSize: bigint({ mode: "number" }).notNull(),
    /** Files over IMPORT_SINGLE_POST_MAX_BYTES upload in parts: the S3 multipart upload's id and part size. */
    s3UploadId: text(),
    partBytes: bigint({ mode: "number" }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("model_import_uploads_team_idx").on(t.teamId), check("model_import_uploads_size", sql`${t.byteSize} > 0`)],
);

/**
 * A model file (+ embedding) from another installation, checked by the API (safetensors header) and
 * by the engine, then recorded as a Subject + SUCCEEDED Run + Checkpoint in one transaction.
 */
export const modelImports = pgTable(
  "model_imports",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    state: transferState().notNull().default("QUEUED"),
    name: text().notNull(),
    classNoun: text().notNull(),
    kind: subjectKind().notNull().default("OBJECT"),
    token: text(),
    baseModel: text().notNull(),
    uploads: jsonb().$type<ImportUploadRef[]>().notNull(),
    subjectId: uuid().references(() => subjects.id, { onDelete: "set null" }),
    runId: uuid().references(() => runs.id, { onDelete: "set null" }),
    checkpointId: uuid().references(() => checkpoints.id, { onDelete: "set null" }),
    ...leaseColumns(),
    errorCode: text(),
    errorMessage: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("model_imports_team_created_idx").on(t.teamId, t.createdAt),
    index("model_imports_claimable_idx").on(t.state, t.createdAt),
    check("model_imports_name_length", sql`char_length(${t.name}) between 1 and 100`),
    check("model_imports_class_noun_format", sql`${t.classNoun} ~ '^[a-z][a-z _-]{0,39}$'`),
    check("model_imports_lease_when_running", sql`${t.state} <> 'RUNNING' or (${t.leaseOwner} is not null and ${t.leaseExpiresAt} is not null)`),
    check("model_imports_finished_when_final", sql`(${t.state} in ('SUCCEEDED','FAILED')) = (${t.finishedAt} is not null)`),
    check("model_imports_error_when_failed", sql`${t.state} <> 'FAILED' or ${t.errorCode} is not null`),
  ],
);
