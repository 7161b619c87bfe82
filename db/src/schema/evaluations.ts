import { sql } from "drizzle-orm";
import { boolean, check, doublePrecision, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { leaseColumns } from "./lease.js";
import { checkpoints, runs } from "./runs.js";
import { teams } from "./teams.js";
import { users } from "./users.js";

export const evaluationProtocol = pgEnum("evaluation_protocol", ["QUICK", "DIVERSE", "SIMPLE"]);
/** docs/evaluation-contract.md §5. Every change is a conditional update. */
export const evaluationState = pgEnum("evaluation_state", ["QUEUED", "GENERATING", "SCORING", "SUCCEEDED", "FAILED"]);

/** One prompt of an evaluation: the generation prompt, the CLIP-T scoring prompt, and its seeds. */
export interface EvaluationPromptSpec {
  index: number;
  prompt: string;
  scoringPrompt: string;
  seeds: number[];
}

/** What the trainer needs to generate an evaluation's images; fixed when the row is created. */
export interface EvaluationSpec {
  baseModel: string;
  token: string;
  classNoun: string;
  steps: number;
  guidanceScale: number;
  prompts: EvaluationPromptSpec[];
  /** `a photo of {class}`: generated with the checkpoint and with the base model, same seeds. */
  drift: { prompt: string; seeds: number[] };
}

export type EvaluationImageGroup = "SUBJECT" | "CLASS" | "BASE_CLASS";

export interface EvaluationImageRecord {
  group: EvaluationImageGroup;
  /** Index into spec.prompts for SUBJECT; -1 for the drift groups. */
  promptIndex: number;
  seed: number;
  objectKey: string;
}

export interface PromptScoreRecord {
  promptIndex: number;
  prompt: string;
  scoringPrompt: string;
  clipI: number;
  clipT: number;
  dino: number;
  imageCount: number;
}

export interface DriftRecord {
  prompt: string;
  clipI: number;
  dino: number;
  threshold: number;
  flagged: boolean;
}

export const evaluations = pgTable(
  "evaluations",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    runId: uuid()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    checkpointId: uuid()
      .notNull()
      .references(() => checkpoints.id, { onDelete: "cascade" }),
    protocol: evaluationProtocol().notNull(),
    /** Created by the product for a new checkpoint (QUICK), not by a person. */
    automatic: boolean().notNull().default(false),
    requestedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    state: evaluationState().notNull().default("QUEUED"),
    spec: jsonb().$type<EvaluationSpec>().notNull(),
    ...leaseColumns(),
    imagesTotal: integer().notNull(),
    imagesDone: integer().notNull().default(0),
    /** Of the scoring phase: images embedded so far. */
    imagesScored: integer().notNull().default(0),
    images: jsonb().$type<EvaluationImageRecord[]>().notNull().default([]),
    clipI: doublePrecision(),
    clipT: doublePrecision(),
    dino: doublePrecision(),
    perPrompt: jsonb().$type<PromptScoreRecord[]>().notNull().default([]),
    drift: jsonb().$type<DriftRecord>(),
    /** Which encoders scored it (manifest ids/revisions) and the subject images' sha256s. */
    scoredWith: jsonb().$type<Record<string, unknown>>(),
    errorCode: text(),
    errorMessage: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("evaluations_checkpoint_idx").on(t.checkpointId, t.createdAt),
    index("evaluations_run_idx").on(t.runId),
    index("evaluations_claimable_idx").on(t.state, t.leaseExpiresAt),
    uniqueIndex("evaluations_automatic_idx")
      .on(t.checkpointId, t.protocol)
      .where(sql`${t.automatic}`),
    check("evaluations_images", sql`${t.imagesTotal} > 0 and ${t.imagesDone} between 0 and ${t.imagesTotal}`),
    check("evaluations_finished_when_final", sql`(${t.state} in ('SUCCEEDED','FAILED')) = (${t.finishedAt} is not null)`),
    check("evaluations_error_when_failed", sql`${t.state} <> 'FAILED' or ${t.errorCode} is not null`),
    check("evaluations_scores_when_succeeded", sql`${t.state} <> 'SUCCEEDED' or (${t.clipI} is not null and ${t.clipT} is not null and ${t.dino} is not null)`),
  ],
);
