import { and, asc, desc, eq, gt, inArray, isNull, lt, notExists, or, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import { evaluations, type DriftRecord, type PromptScoreRecord } from "../../schema/evaluations.js";
import { checkpoints, runs } from "../../schema/runs.js";
import { subjects } from "../../schema/subjects.js";
import { announceEvaluation } from "../evaluation-events.queries.js";
import { CHANNELS, notify } from "../run-events.queries.js";
import { leaseUntil } from "../worker/lease.queries.js";

export type EvaluationRow = typeof evaluations.$inferSelect;
export type NewEvaluation = Omit<typeof evaluations.$inferInsert, "id" | "state">;
export const ACTIVE_EVALUATION_STATES = ["QUEUED", "GENERATING", "SCORING"] as const;

/** Inserts QUEUED evaluations (automatic duplicates are skipped) and tells trainers there is work. */
export async function insertEvaluations(db: Database, rows: NewEvaluation[]): Promise<EvaluationRow[]> {
  if (rows.length === 0) return [];
  return db.transaction(async (tx) => {
    const inserted = await tx.insert(evaluations).values(rows).onConflictDoNothing().returning();
    for (const e of inserted) await announceEvaluation(tx, e);
    if (inserted.length > 0) await notify(tx, CHANNELS.work, { kind: "evaluation", id: inserted[0]!.id });
    return inserted;
  });
}

/** What an automatic QUICK evaluation needs to know about a checkpoint that has none yet. */
export function checkpointsWithoutAutomaticEvaluation(db: Database, since: Date, limit = 50) {
  return db
    .select({
      checkpointId: checkpoints.id,
      teamId: checkpoints.teamId,
      runId: runs.id,
      method: runs.method,
      baseModel: runs.baseModel,
      classNoun: subjects.classNoun,
      kind: subjects.kind,
    })
    .from(checkpoints)
    .innerJoin(runs, eq(runs.id, checkpoints.runId))
    .innerJoin(subjects, eq(subjects.id, runs.subjectId))
    .where(
      and(
        gt(checkpoints.createdAt, since),
        notExists(
          db
            .select({ one: sql`1` })
            .from(evaluations)
            .where(and(eq(evaluations.checkpointId, checkpoints.id), eq(evaluations.automatic, true))),
        ),
      ),
    )
    .orderBy(asc(checkpoints.createdAt))
    .limit(limit);
}

export async function getEvaluation(db: Database, teamId: string, id: string): Promise<EvaluationRow | null> {
  const [row] = await db
    .select()
    .from(evaluations)
    .where(and(eq(evaluations.teamId, teamId), eq(evaluations.id, id)));
  return row ?? null;
}

export function evaluationsByIds(db: Database, teamId: string, ids: readonly string[]) {
  return db
    .select()
    .from(evaluations)
    .where(and(eq(evaluations.teamId, teamId), inArray(evaluations.id, [...ids])));
}

export function evaluationsByCheckpointIds(db: Database, teamId: string, checkpointIds: readonly string[]) {
  return db
    .select()
    .from(evaluations)
    .where(and(eq(evaluations.teamId, teamId), inArray(evaluations.checkpointId, [...checkpointIds])))
    .orderBy(desc(evaluations.createdAt));
}

export function evaluationsByRunIds(db: Database, teamId: string, runIds: readonly string[]) {
  return db
    .select()
    .from(evaluations)
    .where(and(eq(evaluations.teamId, teamId), inArray(evaluations.runId, [...runIds])))
    .orderBy(desc(evaluations.createdAt));
}

/** A not yet finished evaluation of this checkpoint with this protocol, if any. */
export async function activeEvaluation(db: Database, teamId: string, checkpointId: string, protocol: EvaluationRow["protocol"]) {
  const [row] = await db
    .select()
    .from(evaluations)
    .where(
      and(
        eq(evaluations.teamId, teamId),
        eq(evaluations.checkpointId, checkpointId),
        eq(evaluations.protocol, protocol),
        inArray(evaluations.state, [...ACTIVE_EVALUATION_STATES]),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** Claims a SCORING evaluation nobody scores (or whose scorer's lease expired). */
export async function claimScoring(db: Database, owner: string, leaseMs: number): Promise<EvaluationRow | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: evaluations.id })
      .from(evaluations)
      .where(and(eq(evaluations.state, "SCORING"), or(isNull(evaluations.leaseOwner), lt(evaluations.leaseExpiresAt, sql`now()`))))
      .orderBy(asc(evaluations.createdAt))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!row) return null;
    const [e] = await tx
      .update(evaluations)
      .set({ leaseOwner: owner, leaseExpiresAt: leaseUntil(leaseMs), imagesScored: 0 })
      .where(and(eq(evaluations.id, row.id), eq(evaluations.state, "SCORING")))
      .returning();
    if (e) await announceEvaluation(tx, e);
    return e ?? null;
  });
}

function scoring(id: string, owner: string) {
  return and(eq(evaluations.id, id), eq(evaluations.state, "SCORING"), eq(evaluations.leaseOwner, owner));
}

/** Extends the scorer's lease and records progress; false when the lease is no longer ours. */
export async function heartbeatScoring(db: Database, id: string, owner: string, leaseMs: number, imagesScored: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [e] = await tx
      .update(evaluations)
      .set({ leaseExpiresAt: leaseUntil(leaseMs), imagesScored })
      .where(scoring(id, owner))
      .returning();
    if (e) await announceEvaluation(tx, e);
    return Boolean(e);
  });
}

export type ScoringOutcome =
  | {
      state: "SUCCEEDED";
      clipI: number;
      clipT: number;
      dino: number;
      perPrompt: PromptScoreRecord[];
      drift: DriftRecord | null;
      scoredWith: Record<string, unknown>;
      imagesScored: number;
    }
  | { state: "FAILED"; errorCode: string; errorMessage: string };

/** SCORING → SUCCEEDED | FAILED by the lease owner; appends EvaluationUpdated to the run's log. */
export async function finishScoring(db: Database, id: string, owner: string, o: ScoringOutcome): Promise<EvaluationRow | null> {
  return db.transaction(async (tx) => {
    const [e] = await tx
      .update(evaluations)
      .set(
        o.state === "SUCCEEDED"
          ? {
              state: "SUCCEEDED",
              clipI: o.clipI,
              clipT: o.clipT,
              dino: o.dino,
              perPrompt: o.perPrompt,
              drift: o.drift,
              scoredWith: o.scoredWith,
              imagesScored: o.imagesScored,
              finishedAt: sql`now()`,
              leaseOwner: null,
              leaseExpiresAt: null,
            }
          : { state: "FAILED", errorCode: o.errorCode, errorMessage: o.errorMessage, finishedAt: sql`now()`, leaseOwner: null, leaseExpiresAt: null },
      )
      .where(scoring(id, owner))
      .returning();
    if (!e) return null;
    await announceEvaluation(tx, e);
    return e;
  });
}

/** Fails every evaluation waiting to be scored, e.g. when no evaluator exists (nothing would ever score them). */
export async function failUnscorable(db: Database, teamId: string, id: string, code: string, message: string) {
  return db.transaction(async (tx) => {
    const [e] = await tx
      .update(evaluations)
      .set({ state: "FAILED", errorCode: code, errorMessage: message, finishedAt: sql`now()`, leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(evaluations.id, id), eq(evaluations.teamId, teamId), inArray(evaluations.state, [...ACTIVE_EVALUATION_STATES])))
      .returning();
    if (e) await announceEvaluation(tx, e);
    return e ?? null;
  });
}
