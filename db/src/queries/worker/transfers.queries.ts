import { and, asc, eq, lt, or, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import { checkpoints, runs } from "../../schema/runs.js";
import { subjects } from "../../schema/subjects.js";
import { modelExports, modelImports, type TransferFile } from "../../schema/transfers.js";
import { CHANNELS, notify } from "../../notifications.js";
import { appendRunEvents } from "../run-events.queries.js";
import { LeaseLostError, leaseUntil } from "./lease.queries.js";

export type ClaimedExport = typeof modelExports.$inferSelect;
export type ClaimedImport = typeof modelImports.$inferSelect;
export type { TransferFile };

function announce(tx: Executor, kind: "export" | "import", id: string, state: string) {
  return notify(tx, CHANNELS.transfers, { kind, id, state });
}

/** Claims the oldest QUEUED export, or a RUNNING one whose trainer's lease expired (it starts over). */
export async function claimExport(db: Database, owner: string, leaseMs: number): Promise<ClaimedExport | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: modelExports.id, state: modelExports.state })
      .from(modelExports)
      .where(or(eq(modelExports.state, "QUEUED"), and(eq(modelExports.state, "RUNNING"), lt(modelExports.leaseExpiresAt, sql`now()`))))
      .orderBy(asc(modelExports.createdAt))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!row) return null;
    const [e] = await tx
      .update(modelExports)
      .set({
        state: "RUNNING",
        leaseOwner: owner,
        leaseExpiresAt: leaseUntil(leaseMs),
        attempt: sql`${modelExports.attempt} + 1`,
        startedAt: sql`coalesce(${modelExports.startedAt}, now())`,
      })
      .where(and(eq(modelExports.id, row.id), eq(modelExports.state, row.state)))
      .returning();
    if (!e) return null;
    await announce(tx, "export", e.id, "RUNNING");
    return e;
  });
}

export async function heartbeatExport(db: Database, id: string, owner: string, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(modelExports)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(and(eq(modelExports.id, id), eq(modelExports.state, "RUNNING"), eq(modelExports.leaseOwner, owner)))
    .returning({ id: modelExports.id });
  return rows.length > 0;
}

/** The checkpoint to export (its files in storage) and the base model of the run that made it. */
export async function exportInputs(db: Database, checkpointId: string) {
  const [row] = await db
    .select({ checkpointId: checkpoints.id, files: checkpoints.files, baseModel: runs.baseModel })
    .from(checkpoints)
    .innerJoin(runs, eq(runs.id, checkpoints.runId))
    .where(eq(checkpoints.id, checkpointId));
  return row ?? null;
}

export type TransferOutcome = { state: "SUCCEEDED"; files: TransferFile[] } | { state: "FAILED"; errorCode: string; errorMessage: string };

/** RUNNING → SUCCEEDED | FAILED by the lease owner, with the NOTIFY in the same transaction. */
export async function finishExport(db: Database, id: string, owner: string, o: TransferOutcome): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx
      .update(modelExports)
      .set(
        o.state === "SUCCEEDED"
          ? { state: "SUCCEEDED", files: o.files, finishedAt: sql`now()` }
          : { state: "FAILED", errorCode: o.errorCode, errorMessage: o.errorMessage, finishedAt: sql`now()` },
      )
      .where(and(eq(modelExports.id, id), eq(modelExports.state, "RUNNING"), eq(modelExports.leaseOwner, owner)))
      .returning({ id: modelExports.id });
    if (rows.length === 0) throw new LeaseLostError("export", id, owner);
    await announce(tx, "export", id, o.state);
  });
}

/** Claims the oldest QUEUED import, or a RUNNING one whose trainer's lease expired (it starts over). */
export async function claimImport(db: Database, owner: string, leaseMs: number): Promise<ClaimedImport | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: modelImports.id, state: modelImports.state })
      .from(modelImports)
      .where(or(eq(modelImports.state, "QUEUED"), and(eq(modelImports.state, "RUNNING"), lt(modelImports.leaseExpiresAt, sql`now()`))))
      .orderBy(asc(modelImports.createdAt))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!row) return null;
    const [i] = await tx
      .update(modelImports)
      .set({
        state: "RUNNING",
        leaseOwner: owner,
        leaseExpiresAt: leaseUntil(leaseMs),
        attempt: sql`${modelImports.attempt} + 1`,
        startedAt: sql`coalesce(${modelImports.startedAt}, now())`,
      })
      .where(and(eq(modelImports.id, row.id), eq(modelImports.state, row.state)))
      .returning();
    if (!i) return null;
    await announce(tx, "import", i.id, "RUNNING");
    return i;
  });
}

export async function heartbeatImport(db: Database, id: string, owner: string, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(modelImports)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(and(eq(modelImports.id, id), eq(modelImports.state, "RUNNING"), eq(modelImports.leaseOwner, owner)))
    .returning({ id: modelImports.id });
  return rows.length > 0;
}

export interface ImportedModel {
  subjectId: string;
  runId: string;
  method: "TWO_STAGE" | "DREAMBOOTH" | "TEXTUAL_INVERSION";
  /** runs.config: `{imported: {...}}` (what was imported, from which files). */
  config: Record<string, unknown>;
  checkpoint: { stage: string; step: number; sizeBytes: number; sha256: string; files: TransferFile[]; contentHash?: string | null };
}

/**
 * RUNNING → SUCCEEDED: in ONE transaction the Subject (no photos), a SUCCEEDED Run (with its
 * RunStateChanged and CheckpointSaved events, so it reads like any finished run) and the Checkpoint
 * row, then the import's result ids. Only by the lease owner; otherwise nothing is written.
 */
export async function finishImportSucceeded(db: Database, imp: ClaimedImport, owner: string, m: ImportedModel): Promise<{ checkpointId: string }> {
  return db.transaction(async (tx) => {
    const [held] = await tx
      .select({ id: modelImports.id })
      .from(modelImports)
      .where(and(eq(modelImports.id, imp.id), eq(modelImports.state, "RUNNING"), eq(modelImports.leaseOwner, owner)))
      .for("update");
    if (!held) throw new LeaseLostError("import", imp.id, owner);
    await tx.insert(subjects).values({ id: m.subjectId, teamId: imp.teamId, name: imp.name, classNoun: imp.classNoun, kind: imp.kind });
    await tx.insert(runs).values({
      id: m.runId,
      teamId: imp.teamId,
      subjectId: m.subjectId,
      createdBy: imp.createdBy,
      method: m.method,
      baseModel: imp.baseModel,
      config: m.config,
      state: "SUCCEEDED",
      stage: m.checkpoint.stage,
      step: Math.max(1, m.checkpoint.step),
      totalSteps: Math.max(1, m.checkpoint.step),
      startedAt: sql`now()`,
      finishedAt: sql`now()`,
    });
    const [ckpt] = await tx
      .insert(checkpoints)
      .values({ runId: m.runId, teamId: imp.teamId, ...m.checkpoint })
      .returning({ id: checkpoints.id });
    await appendRunEvents(tx, m.runId, [
      { type: "RunStateChanged", payload: { state: "SUCCEEDED", previousState: null } },
      { type: "CheckpointSaved", payload: { checkpointId: ckpt!.id, stage: m.checkpoint.stage, step: m.checkpoint.step } },
    ]);
    await tx
      .update(modelImports)
      .set({ state: "SUCCEEDED", subjectId: m.subjectId, runId: m.runId, checkpointId: ckpt!.id, finishedAt: sql`now()` })
      .where(eq(modelImports.id, imp.id));
    await announce(tx, "import", imp.id, "SUCCEEDED");
    return { checkpointId: ckpt!.id };
  });
}

/** RUNNING → FAILED by the lease owner (nothing else is written for a failed import). */
export async function failImport(db: Database, id: string, owner: string, errorCode: string, errorMessage: string): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx
      .update(modelImports)
      .set({ state: "FAILED", errorCode, errorMessage, finishedAt: sql`now()` })
      .where(and(eq(modelImports.id, id), eq(modelImports.state, "RUNNING"), eq(modelImports.leaseOwner, owner)))
      .returning({ id: modelImports.id });
    if (rows.length === 0) throw new LeaseLostError("import", id, owner);
    await announce(tx, "import", id, "FAILED");
  });
}
