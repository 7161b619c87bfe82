import { and, asc, desc, eq, lt, or, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import { subjectImages } from "../../schema/images.js";
import { checkpoints, lossPoints, runs, samples } from "../../schema/runs.js";
import { subjects } from "../../schema/subjects.js";
import { appendRunEvents, type NewRunEvent } from "../run-events.queries.js";
import { LeaseLostError, leaseUntil } from "./lease.queries.js";

export type ClaimedRun = typeof runs.$inferSelect;
export type FinalRunState = "SUCCEEDED" | "FAILED" | "CANCELED";

export type RunClaim =
  /** `resumed`: the run was RUNNING under a trainer whose lease expired; continue from its last checkpoint. */
  | { kind: "claimed"; run: ClaimedRun; resumed: boolean }
  /** Cancel was requested before anyone ran it: finalised CANCELED inside the claim. */
  | { kind: "canceled"; runId: string };

/**
 * Claims the oldest claimable run: QUEUED, or RUNNING with an expired lease (its trainer died).
 * `SKIP LOCKED` lets any number of trainers claim concurrently without waiting on each other.
 */
export async function claimRun(db: Database, owner: string, leaseMs: number): Promise<RunClaim | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: runs.id, state: runs.state, cancelRequestedAt: runs.cancelRequestedAt })
      .from(runs)
      .where(or(eq(runs.state, "QUEUED"), and(eq(runs.state, "RUNNING"), lt(runs.leaseExpiresAt, sql`now()`))))
      .orderBy(asc(runs.createdAt))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!row) return null;
    if (row.cancelRequestedAt) {
      await tx
        .update(runs)
        .set({ state: "CANCELED", finishedAt: sql`now()`, leaseOwner: owner })
        .where(and(eq(runs.id, row.id), eq(runs.state, row.state)));
      await appendRunEvents(tx, row.id, [
        { type: "RunStateChanged", payload: { state: "CANCELED", previousState: row.state } },
      ]);
      return { kind: "canceled", runId: row.id } as const;
    }
    const [run] = await tx
      .update(runs)
      .set({
        state: "RUNNING",
        leaseOwner: owner,
        leaseExpiresAt: leaseUntil(leaseMs),
        heartbeatAt: sql`now()`,
        attempt: sql`${runs.attempt} + 1`,
        startedAt: sql`coalesce(${runs.startedAt}, now())`,
      })
      .where(and(eq(runs.id, row.id), eq(runs.state, row.state)))
      .returning();
    if (!run) return null;
    if (row.state === "QUEUED") {
      await appendRunEvents(tx, run.id, [{ type: "RunStateChanged", payload: { state: "RUNNING", previousState: "QUEUED" } }]);
    }
    return { kind: "claimed", run, resumed: row.state === "RUNNING" } as const;
  });
}

/**
 * Extends the lease; null when the trainer no longer owns the run (stop, write nothing more).
 * Also reports a cancel request, so a missed NOTIFY still stops the engine within a heartbeat.
 */
export async function heartbeatRun(db: Database, runId: string, owner: string, leaseMs: number) {
  const [row] = await db
    .update(runs)
    .set({ leaseExpiresAt: leaseUntil(leaseMs), heartbeatAt: sql`now()` })
    .where(and(eq(runs.id, runId), eq(runs.state, "RUNNING"), eq(runs.leaseOwner, owner)))
    .returning({ cancelRequestedAt: runs.cancelRequestedAt });
  return row ? { cancelRequested: row.cancelRequestedAt !== null } : null;
}

/** Locks the run row if this trainer still holds it; every trainer write goes through this first. */
async function lockOwned(tx: Executor, runId: string, owner: string): Promise<void> {
  const [row] = await tx
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.state, "RUNNING"), eq(runs.leaseOwner, owner)))
    .for("update");
  if (!row) throw new LeaseLostError("run", runId, owner);
}

/** What the engine needs: the subject's class noun and photos (training order = upload order). */
export async function runInputs(db: Database, runId: string) {
  const [row] = await db
    .select({ classNoun: subjects.classNoun, subjectId: subjects.id })
    .from(runs)
    .innerJoin(subjects, eq(subjects.id, runs.subjectId))
    .where(eq(runs.id, runId));
  if (!row) throw new Error(`run ${runId} has no subject`);
  const images = await db
    .select({ id: subjectImages.id, objectKey: subjectImages.objectKey, filename: subjectImages.filename, byteSize: subjectImages.byteSize, sha256: subjectImages.sha256 })
    .from(subjectImages)
    .where(eq(subjectImages.subjectId, row.subjectId))
    .orderBy(asc(subjectImages.createdAt), asc(subjectImages.id));
  return { classNoun: row.classNoun, images };
}

/** The checkpoint a resumed run continues from: the latest stage (stage2 after stage1), then the highest step. */
export async function lastCheckpoint(db: Database, runId: string) {
  const [row] = await db
    .select()
    .from(checkpoints)
    .where(eq(checkpoints.runId, runId))
    .orderBy(desc(sql`(${checkpoints.stage} = 'stage2')`), desc(checkpoints.step))
    .limit(1);
  return row ?? null;
}

export async function recordStage(db: Database, runId: string, owner: string, stage: string, totalSteps: number): Promise<void> {
  await db.transaction(async (tx) => {
    await lockOwned(tx, runId, owner);
    await tx.update(runs).set({ stage }).where(eq(runs.id, runId));
    await appendRunEvents(tx, runId, [{ type: "StageStarted", payload: { stage, totalSteps } }]);
  });
}

export interface LossPointInput {
  stage: string;
  step: number;
  loss: number;
  learningRate: number;
}

/**
 * Stores a batch of losses and moves `runs.step` to `runStep`. Only rows actually inserted get a
 * LossLogged event, so steps replayed by a resumed engine are neither stored nor announced twice.
 * Returns how many were new.
 */
export async function recordLosses(db: Database, runId: string, owner: string, points: LossPointInput[], runStep: number | null): Promise<number> {
  return db.transaction(async (tx) => {
    await lockOwned(tx, runId, owner);
    const inserted =
      points.length === 0
        ? []
        : await tx
            .insert(lossPoints)
            .values(points.map((p) => ({ runId, ...p })))
            .onConflictDoNothing()
            .returning({ stage: lossPoints.stage, step: lossPoints.step });
    const isNew = new Set(inserted.map((r) => `${r.stage}/${r.step}`));
    const events: NewRunEvent[] = points
      .filter((p) => isNew.has(`${p.stage}/${p.step}`))
      .map((p) => ({ type: "LossLogged", payload: { stage: p.stage, step: p.step, loss: p.loss, learningRate: p.learningRate } }));
    if (runStep !== null) await tx.update(runs).set({ step: runStep }).where(eq(runs.id, runId));
    await appendRunEvents(tx, runId, events);
    return events.length;
  });
}

export interface SampleInput {
  teamId: string;
  stage: string;
  step: number;
  promptIndex: number;
  prompt: string;
  seed: number;
  objectKey: string;
}

/** Records a sample (once per run/stage/step/prompt/seed); the event only when it is new. */
export async function recordSample(db: Database, runId: string, owner: string, s: SampleInput): Promise<string | null> {
  return db.transaction(async (tx) => {
    await lockOwned(tx, runId, owner);
    const [row] = await tx.insert(samples).values({ runId, ...s }).onConflictDoNothing().returning({ id: samples.id });
    if (!row) return null;
    await appendRunEvents(tx, runId, [
      {
        type: "SampleSaved",
        payload: { sampleId: row.id, stage: s.stage, step: s.step, prompt: s.prompt, promptIndex: s.promptIndex, seed: s.seed },
      },
    ]);
    return row.id;
  });
}

export interface CheckpointInput {
  teamId: string;
  stage: string;
  step: number;
  sizeBytes: number;
  sha256: string;
  files: { name: string; objectKey: string; sizeBytes: number; sha256: string }[];
  /** The weights' content hash as the engine reports it (checkpoint.json `contentHash`). */
  contentHash?: string | null;
  /** The private training state's files (never exported or shown); null when the engine wrote none. */
  trainingState?: { name: string; objectKey: string; sizeBytes: number; sha256: string }[] | null;
}

/** Records a verified checkpoint; a resumed run saving the same (stage, step) again gets the existing row. */
export async function recordCheckpoint(db: Database, runId: string, owner: string, c: CheckpointInput) {
  return db.transaction(async (tx) => {
    await lockOwned(tx, runId, owner);
    const [row] = await tx
      .insert(checkpoints)
      .values({ runId, ...c })
      .onConflictDoNothing({ target: [checkpoints.runId, checkpoints.stage, checkpoints.step] })
      .returning({ id: checkpoints.id });
    if (!row) {
      const [existing] = await tx
        .select({ id: checkpoints.id })
        .from(checkpoints)
        .where(and(eq(checkpoints.runId, runId), eq(checkpoints.stage, c.stage), eq(checkpoints.step, c.step)));
      return { id: existing!.id, inserted: false };
    }
    await appendRunEvents(tx, runId, [{ type: "CheckpointSaved", payload: { checkpointId: row.id, stage: c.stage, step: c.step } }]);
    return { id: row.id, inserted: true };
  });
}

export interface RunOutcome {
  state: FinalRunState;
  errorCode?: string;
  errorMessage?: string;
  logTail?: string;
}

/** RUNNING → a final state and its RunStateChanged event, in one transaction; only by the lease owner. */
export async function finishRun(db: Database, runId: string, owner: string, o: RunOutcome): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(runs)
      .set({
        state: o.state,
        finishedAt: sql`now()`,
        errorCode: o.errorCode ?? null,
        errorMessage: o.errorMessage ?? null,
        logTail: o.logTail ?? null,
      })
      .where(and(eq(runs.id, runId), eq(runs.state, "RUNNING"), eq(runs.leaseOwner, owner)))
      .returning({ id: runs.id });
    if (!row) throw new LeaseLostError("run", runId, owner);
    const payload: Record<string, unknown> = { state: o.state, previousState: "RUNNING" };
    if (o.errorCode) payload.errorCode = o.errorCode;
    if (o.errorMessage) payload.errorMessage = o.errorMessage;
    await appendRunEvents(tx, runId, [{ type: "RunStateChanged", payload }]);
  });
}
