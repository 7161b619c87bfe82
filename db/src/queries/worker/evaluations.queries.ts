import { sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import { evaluations, type EvaluationImageRecord } from "../../schema/evaluations.js";
import { announceEvaluation } from "../evaluation-events.queries.js";
import { finishLeased, leasedJobQueries, type Holder, type LeasedJob } from "./lease.queries.js";

export type ClaimedEvaluation = typeof evaluations.$inferSelect;

export const evaluationJob: LeasedJob<ClaimedEvaluation> = {
  kind: "evaluation",
  table: evaluations,
  leased: "GENERATING",
  announce: (tx, e) => announceEvaluation(tx, e),
  onStart: { startedAt: sql`coalesce(${evaluations.startedAt}, now())` },
};

/**
 * claimEvaluation: a GENERATING evaluation whose trainer's lease expired (its images so far are kept:
 * the new owner generates only what is missing), else the oldest QUEUED one. heartbeatEvaluation:
 * extends the lease; false when this attempt no longer holds it.
 */
export const { claim: claimEvaluation, heartbeat: heartbeatEvaluation } = leasedJobQueries(evaluationJob);

/** Records generated images (already in storage) and the progress count, in one statement. */
export async function addEvaluationImages(db: Database, id: string, h: Holder, images: EvaluationImageRecord[]): Promise<void> {
  await finishLeased(db, evaluationJob, id, h, {
    images: sql`${evaluations.images} || ${JSON.stringify(images)}::jsonb`,
    imagesDone: sql`least(${evaluations.imagesTotal}, jsonb_array_length(${evaluations.images}) + ${images.length})`,
  });
}

/** GENERATING → SCORING: every image exists; an API process with the evaluator takes it from here. */
export async function evaluationGenerated(db: Database, id: string, h: Holder): Promise<void> {
  await finishLeased(db, evaluationJob, id, h, { state: "SCORING", leaseOwner: null, leaseExpiresAt: null });
}

/** GENERATING → FAILED (e.g. the checkpoint cannot be loaded). */
export async function failEvaluationGeneration(db: Database, id: string, h: Holder, code: string, message: string): Promise<void> {
  await finishLeased(db, evaluationJob, id, h, {
    state: "FAILED",
    errorCode: code,
    errorMessage: message,
    finishedAt: sql`now()`,
    leaseOwner: null,
    leaseExpiresAt: null,
  });
}
