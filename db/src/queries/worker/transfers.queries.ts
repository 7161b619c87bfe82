import { eq, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import { checkpoints, runs } from "../../schema/runs.js";
import { subjects } from "../../schema/subjects.js";
import { modelExports, modelImports, type TransferFile } from "../../schema/transfers.js";
import { CHANNELS, notify } from "../../notifications.js";
import { appendRunEvents } from "../run-events.queries.js";
import { generationInputs } from "./generations.queries.js";
import { finalColumns, finishLeased, leasedJobQueries, lockHeld, type Holder, type LeasedJob } from "./lease.queries.js";

export type ClaimedExport = typeof modelExports.$inferSelect;
export type ClaimedImport = typeof modelImports.$inferSelect;
export type { TransferFile };

function announce(tx: Executor, kind: "export" | "import", id: string, state: string) {
  return notify(tx, CHANNELS.transfers, { kind, id, state });
}

export const exportJob: LeasedJob<ClaimedExport> = {
  kind: "export",
  table: modelExports,
  leased: "RUNNING",
  announce: (tx, e) => announce(tx, "export", e.id, e.state),
  onStart: { startedAt: sql`coalesce(${modelExports.startedAt}, now())` },
};

export const importJob: LeasedJob<ClaimedImport> = {
  kind: "import",
  table: modelImports,
  leased: "RUNNING",
  announce: (tx, i) => announce(tx, "import", i.id, i.state),
  onStart: { startedAt: sql`coalesce(${modelImports.startedAt}, now())` },
};

/** Claim (an export whose trainer's lease expired starts over; else the oldest QUEUED) and heartbeat. */
export const { claim: claimExport, heartbeat: heartbeatExport } = leasedJobQueries(exportJob);

/** The checkpoint to export (its files in storage) and the base model of the run that made it. */
export const exportInputs = generationInputs;

export type TransferOutcome = { state: "SUCCEEDED"; files: TransferFile[] } | { state: "FAILED"; errorCode: string; errorMessage: string };

/** RUNNING → SUCCEEDED | FAILED by the lease holder, with the NOTIFY in the same transaction. */
export async function finishExport(db: Database, id: string, h: Holder, o: TransferOutcome): Promise<void> {
  await finishLeased(db, exportJob, id, h, finalColumns(o, o.state === "SUCCEEDED" ? { files: o.files } : {}));
}

/** Claim (an import whose trainer's lease expired starts over; else the oldest QUEUED) and heartbeat. */
export const { claim: claimImport, heartbeat: heartbeatImport } = leasedJobQueries(importJob);

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
export async function finishImportSucceeded(db: Database, imp: ClaimedImport, h: Holder, m: ImportedModel): Promise<{ checkpointId: string }> {
  return db.transaction(async (tx) => {
    await lockHeld(tx, importJob as LeasedJob<unknown>, imp.id, h);
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

/** RUNNING → FAILED by the lease holder (nothing else is written for a failed import). */
export async function failImport(db: Database, id: string, h: Holder, errorCode: string, errorMessage: string): Promise<void> {
  await finishLeased(db, importJob, id, h, { state: "FAILED", errorCode, errorMessage, finishedAt: sql`now()` });
}
