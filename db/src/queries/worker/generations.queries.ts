import { and, eq } from "drizzle-orm";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import { generations } from "../../schema/generations.js";
import { checkpoints, runs } from "../../schema/runs.js";
import { CHANNELS, notify } from "../run-events.queries.js";
import { finalColumns, finishLeased, leasedJobQueries, type Holder, type LeasedJob } from "./lease.queries.js";

export type ClaimedGeneration = typeof generations.$inferSelect;
export type GenerationImage = { index: number; seed: number; objectKey: string };

function announce(tx: Executor, generationId: string, state: string) {
  return notify(tx, CHANNELS.generations, { generationId, state });
}

export const generationJob: LeasedJob<ClaimedGeneration> = {
  kind: "generation",
  table: generations,
  leased: "RUNNING",
  announce: (tx, g) => announce(tx, g.id, g.state),
};

/**
 * claimGeneration: one whose trainer's lease expired first, then the oldest QUEUED.
 * heartbeatGeneration: extends the lease; false when this attempt no longer holds it.
 */
export const { claim: claimGeneration, heartbeat: heartbeatGeneration } = leasedJobQueries(generationJob);

/** The checkpoint to load (its files in storage) and the base model of the run that made it. */
export async function generationInputs(db: Database, checkpointId: string) {
  const [row] = await db
    .select({ checkpointId: checkpoints.id, files: checkpoints.files, baseModel: runs.baseModel })
    .from(checkpoints)
    .innerJoin(runs, eq(runs.id, checkpoints.runId))
    .where(eq(checkpoints.id, checkpointId));
  return row ?? null;
}

/**
 * How far the engine is (denoising steps over all images), by the lease holder, with a NOTIFY so open
 * `generationUpdated` subscriptions show it; false when this attempt no longer holds the generation.
 */
export async function recordGenerationProgress(db: Database, id: string, h: Holder, stepsDone: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(generations)
      .set({ stepsDone })
      .where(and(eq(generations.id, id), eq(generations.leaseOwner, h.owner), eq(generations.attempt, h.attempt), eq(generations.state, "RUNNING")))
      .returning({ id: generations.id });
    if (rows.length === 0) return false;
    await announce(tx, id, "RUNNING");
    return true;
  });
}

export type GenerationOutcome = { state: "SUCCEEDED"; images: GenerationImage[] } | { state: "FAILED"; errorCode: string; errorMessage: string };

/** RUNNING → SUCCEEDED | FAILED by the lease holder, with the NOTIFY in the same transaction. */
export async function finishGeneration(db: Database, id: string, h: Holder, o: GenerationOutcome): Promise<void> {
  await finishLeased(db, generationJob, id, h, finalColumns(o, o.state === "SUCCEEDED" ? { images: o.images } : {}));
}
