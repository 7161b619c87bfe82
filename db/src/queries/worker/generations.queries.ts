import { and, asc, eq, lt, or, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import { generations } from "../../schema/generations.js";
import { checkpoints, runs } from "../../schema/runs.js";
import { CHANNELS, notify } from "../run-events.queries.js";
import { LeaseLostError, leaseUntil } from "./lease.queries.js";

export type ClaimedGeneration = typeof generations.$inferSelect;
export type GenerationImage = { index: number; seed: number; objectKey: string };

function announce(tx: Executor, generationId: string, state: string) {
  return notify(tx, CHANNELS.generations, { generationId, state });
}

/** Claims the oldest QUEUED generation, or a RUNNING one whose trainer's lease expired. */
export async function claimGeneration(db: Database, owner: string, leaseMs: number): Promise<ClaimedGeneration | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: generations.id, state: generations.state })
      .from(generations)
      .where(
        or(
          eq(generations.state, "QUEUED"),
          and(eq(generations.state, "RUNNING"), lt(generations.leaseExpiresAt, sql`now()`)),
        ),
      )
      .orderBy(asc(generations.createdAt))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!row) return null;
    const [g] = await tx
      .update(generations)
      .set({
        state: "RUNNING",
        leaseOwner: owner,
        leaseExpiresAt: leaseUntil(leaseMs),
        attempt: sql`${generations.attempt} + 1`,
      })
      .where(and(eq(generations.id, row.id), eq(generations.state, row.state)))
      .returning();
    if (!g) return null;
    await announce(tx, g.id, "RUNNING");
    return g;
  });
}

/** Extends the lease; false when this trainer no longer holds the generation. */
export async function heartbeatGeneration(db: Database, id: string, owner: string, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(generations)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(and(eq(generations.id, id), eq(generations.state, "RUNNING"), eq(generations.leaseOwner, owner)))
    .returning({ id: generations.id });
  return rows.length > 0;
}

/** The checkpoint to load (its files in storage) and the base model of the run that made it. */
export async function generationInputs(db: Database, checkpointId: string) {
  const [row] = await db
    .select({ checkpointId: checkpoints.id, files: checkpoints.files, baseModel: runs.baseModel })
    .from(checkpoints)
    .innerJoin(runs, eq(runs.id, checkpoints.runId))
    .where(eq(checkpoints.id, checkpointId));
  return row ?? null;
}

export type GenerationOutcome =
  | { state: "SUCCEEDED"; images: GenerationImage[] }
  | { state: "FAILED"; errorCode: string; errorMessage: string };

/** RUNNING → SUCCEEDED | FAILED by the lease owner, with the NOTIFY in the same transaction. */
export async function finishGeneration(db: Database, id: string, owner: string, o: GenerationOutcome): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx
      .update(generations)
      .set(
        o.state === "SUCCEEDED"
          ? { state: "SUCCEEDED", images: o.images, finishedAt: sql`now()` }
          : { state: "FAILED", errorCode: o.errorCode, errorMessage: o.errorMessage, finishedAt: sql`now()` },
      )
      .where(and(eq(generations.id, id), eq(generations.state, "RUNNING"), eq(generations.leaseOwner, owner)))
      .returning({ id: generations.id });
    if (rows.length === 0) throw new LeaseLostError("generation", id, owner);
    await announce(tx, id, o.state);
  });
}
