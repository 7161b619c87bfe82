import { and, asc, eq, lt, or, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import { evaluations, type EvaluationImageRecord } from "../../schema/evaluations.js";
import { announceEvaluation } from "../evaluation-events.queries.js";
import { LeaseLostError, leaseUntil } from "./lease.queries.js";

export type ClaimedEvaluation = typeof evaluations.$inferSelect;

/**
 * Claims the oldest QUEUED evaluation, or a GENERATING one whose trainer's lease expired (its images
 * so far are kept: the new owner generates only what is missing).
 */
export async function claimEvaluation(db: Database, owner: string, leaseMs: number): Promise<ClaimedEvaluation | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: evaluations.id, state: evaluations.state })
      .from(evaluations)
      .where(
        or(
          eq(evaluations.state, "QUEUED"),
          and(eq(evaluations.state, "GENERATING"), lt(evaluations.leaseExpiresAt, sql`now()`)),
        ),
      )
      .orderBy(asc(evaluations.createdAt))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!row) return null;
    const [e] = await tx
      .update(evaluations)
      .set({
        state: "GENERATING",
        leaseOwner: owner,
        leaseExpiresAt: leaseUntil(leaseMs),
        attempt: sql`${evaluations.attempt} + 1`,
        startedAt: sql`coalesce(${evaluations.startedAt}, now())`,
      })
      .where(and(eq(evaluations.id, row.id), eq(evaluations.state, row.state)))
      .returning();
    if (!e) return null;
    await announceEvaluation(tx, e);
    return e;
  });
}

function held(id: string, owner: string) {
  return and(eq(evaluations.id, id), eq(evaluations.state, "GENERATING"), eq(evaluations.leaseOwner, owner));
}

/** Extends the lease; false when this trainer no longer holds the evaluation. */
export async function heartbeatEvaluation(db: Database, id: string, owner: string, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(evaluations)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(held(id, owner))
    .returning({ id: evaluations.id });
  return rows.length > 0;
}

/** Records generated images (already in storage) and the progress count, in one statement. */
export async function addEvaluationImages(db: Database, id: string, owner: string, images: EvaluationImageRecord[]): Promise<void> {
  await db.transaction(async (tx) => {
    const [e] = await tx
      .update(evaluations)
      .set({
        images: sql`${evaluations.images} || ${JSON.stringify(images)}::jsonb`,
        imagesDone: sql`least(${evaluations.imagesTotal}, jsonb_array_length(${evaluations.images}) + ${images.length})`,
      })
      .where(held(id, owner))
      .returning();
    if (!e) throw new LeaseLostError("evaluation", id, owner);
    await announceEvaluation(tx, e);
  });
}

/** GENERATING → SCORING: every image exists; an API process with the evaluator takes it from here. */
export async function evaluationGenerated(db: Database, id: string, owner: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [e] = await tx
      .update(evaluations)
      .set({ state: "SCORING", leaseOwner: null, leaseExpiresAt: null })
      .where(held(id, owner))
      .returning();
    if (!e) throw new LeaseLostError("evaluation", id, owner);
    await announceEvaluation(tx, e);
  });
}

/** GENERATING → FAILED (e.g. the checkpoint cannot be loaded). */
export async function failEvaluationGeneration(db: Database, id: string, owner: string, code: string, message: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [e] = await tx
      .update(evaluations)
      .set({ state: "FAILED", errorCode: code, errorMessage: message, finishedAt: sql`now()`, leaseOwner: null, leaseExpiresAt: null })
      .where(held(id, owner))
      .returning();
    if (!e) throw new LeaseLostError("evaluation", id, owner);
    await announceEvaluation(tx, e);
  });
}
