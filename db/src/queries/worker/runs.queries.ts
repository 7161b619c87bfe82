import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import { subjectImages } from "../../schema/images.js";
import { checkpoints, lossPoints, runs, samples } from "../../schema/runs.js";
import { subjects } from "../../schema/subjects.js";
import { appendRunEvents, type NewRunEvent, type RunEventPayloads } from "../run-events.queries.js";
import { teamRunLimits } from "../../schema/limits.js";
import { claimLeased, finishLeased, heartbeatLeased, lockHeld, releaseLeased, type Holder, type LeasedJob } from "./lease.queries.js";

export type ClaimedRun = typeof runs.$inferSelect;
export type FinalRunState = "SUCCEEDED" | "FAILED" | "CANCELED";

export type RunClaim =
  /** `resumed`: the run was RUNNING under a trainer whose lease expired; continue from its last checkpoint. */
  | { kind: "claimed"; run: ClaimedRun; resumed: boolean }
  /** Cancel was requested before anyone ran it: finalised CANCELED inside the claim. */
  | { kind: "canceled"; runId: string }
  /** Its lease expired `maxAttempts` times: finalised FAILED ATTEMPTS_EXHAUSTED inside the claim. */
  | { kind: "exhausted"; runId: string };

/** A RunStateChanged event for every state change a lease operation makes (claim, finish, exhaustion). */
async function announceRun(tx: Executor, run: ClaimedRun, previousState: string): Promise<void> {
  if (run.state === previousState) return;
  const payload: RunEventPayloads["RunStateChanged"] = { state: run.state, previousState };
  if (run.errorCode) payload.errorCode = run.errorCode;
  if (run.errorMessage) payload.errorMessage = run.errorMessage;
  await appendRunEvents(tx, run.id, [{ type: "RunStateChanged", payload }]);
}

export const runJob: LeasedJob<ClaimedRun> = {
  kind: "run",
  table: runs,
  leased: "RUNNING",
  announce: announceRun,
  // clock_timestamp(): the moment of the claim itself (claims wait on each other), so startedAt orders runs as they started.
  onStart: { startedAt: sql`coalesce(${runs.startedAt}, clock_timestamp())`, heartbeatAt: sql`now()` },
};

/** Every claim of a QUEUED run takes this transaction lock first, so per-team limits hold exactly. */
const RUN_PICK_LOCK = 0x5354_5544; // "STUD"

/**
 * The next QUEUED run under the fair-share policy (docs/scheduling.md): only teams with fewer RUNNING
 * runs than their limit (team_run_limits, else `defaultTeamConcurrency`), the least recently served
 * team first (its newest run start; never served first), then the oldest run. Run claims are
 * serialised by a transaction-level advisory lock (a claim is a few milliseconds, once per run), so
 * two trainers can never both admit a team's last free slot.
 */
export async function pickFairRun(tx: Executor, defaultTeamConcurrency: number): Promise<string | null> {
  await tx.execute(sql`select pg_advisory_xact_lock(${RUN_PICK_LOCK})`);
  const rows = await tx.execute<{ id: string }>(sql`
    with queued_teams as (
      select distinct q.team_id from ${runs} q where q.state = 'QUEUED'
    ), eligible as (
      select t.team_id,
        (select max(s.started_at) from ${runs} s where s.team_id = t.team_id) as served
      from queued_teams t left join ${teamRunLimits} l on l.team_id = t.team_id
      where (select count(*) from ${runs} x where x.team_id = t.team_id and x.state = 'RUNNING')
        < coalesce(l.run_concurrency, ${defaultTeamConcurrency}::int)
    )
    select r.id from ${runs} r join eligible e on e.team_id = r.team_id
    where r.state = 'QUEUED'
    order by e.served asc nulls first, r.created_at asc, r.id asc
    limit 1
    for update of r skip locked`);
  return rows.rows[0]?.id ?? null;
}

/**
 * Claims a run: first one whose lease expired (its trainer died; resumed from its last checkpoint,
 * or ended FAILED ATTEMPTS_EXHAUSTED at its `maxAttempts`-th lost lease), then the next QUEUED one by
 * the fair-share policy. A QUEUED run whose cancel was requested ends CANCELED inside the claim.
 */
export async function claimRun(db: Database, owner: string, leaseMs: number, defaultTeamConcurrency = 1): Promise<RunClaim | null> {
  const c = await claimLeased(db, runJob, owner, leaseMs, {
    pickQueued: (tx) => pickFairRun(tx, defaultTeamConcurrency),
    intercept: async (tx, id, state) => {
      const [row] = await tx.select({ cancelRequestedAt: runs.cancelRequestedAt }).from(runs).where(eq(runs.id, id));
      if (!row?.cancelRequestedAt) return false;
      await tx
        .update(runs)
        .set({ state: "CANCELED", finishedAt: sql`now()`, leaseOwner: owner })
        .where(and(eq(runs.id, id), eq(runs.state, state as "QUEUED")));
      await appendRunEvents(tx, id, [{ type: "RunStateChanged", payload: { state: "CANCELED", previousState: state } }]);
      return true;
    },
  });
  if (!c) return null;
  if (c.kind === "handled") return { kind: "canceled", runId: c.id };
  if (c.kind === "exhausted") return { kind: "exhausted", runId: c.id };
  return { kind: "claimed", run: c.row, resumed: c.resumed };
}

/**
 * Extends the lease; null when this attempt no longer holds the run (stop, write nothing more).
 * Also reports a cancel request, so a missed NOTIFY still stops the engine within a heartbeat.
 */
export async function heartbeatRun(db: Database, runId: string, h: Holder, leaseMs: number) {
  const row = await heartbeatLeased(db, runJob, runId, h, leaseMs, { cancelRequestedAt: runs.cancelRequestedAt }, { heartbeatAt: sql`now()` });
  return row ? { cancelRequested: row.cancelRequestedAt !== null } : null;
}

/** The trainer is stopping: the run is resumed by the next claim at once, without counting a lost lease. */
export function releaseRun(db: Database, runId: string, h: Holder): Promise<boolean> {
  return releaseLeased(db, runJob as LeasedJob<unknown>, runId, h);
}

/** Locks the run row if this attempt still holds it; every trainer write goes through this first. */
async function lockOwned(tx: Executor, runId: string, h: Holder): Promise<void> {
  await lockHeld(tx, runJob as LeasedJob<unknown>, runId, h);
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

export async function recordStage(db: Database, runId: string, h: Holder, stage: string, totalSteps: number): Promise<void> {
  await db.transaction(async (tx) => {
    await lockOwned(tx, runId, h);
    await tx.update(runs).set({ stage }).where(eq(runs.id, runId));
    await appendRunEvents(tx, runId, [{ type: "StageStarted", payload: { stage, totalSteps } }]);
  });
}

/** A run phase that is not a training stage (docs/live-events.md "PhaseChanged"): STARTED, then ENDED with its duration. */
export interface PhaseInput {
  phase: "LOADING_BASE_MODEL";
  state: "STARTED" | "ENDED";
  baseModel?: string;
  durationMs?: number;
  /** ENDED: the base model came already loaded from the trainer's warm engine. */
  warm?: boolean;
}

export async function recordPhase(db: Database, runId: string, h: Holder, p: PhaseInput): Promise<void> {
  await db.transaction(async (tx) => {
    await lockOwned(tx, runId, h);
    await appendRunEvents(tx, runId, [{ type: "PhaseChanged", payload: { ...p } }]);
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
export async function recordLosses(db: Database, runId: string, h: Holder, points: LossPointInput[], runStep: number | null): Promise<number> {
  return db.transaction(async (tx) => {
    await lockOwned(tx, runId, h);
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
export async function recordSample(db: Database, runId: string, h: Holder, s: SampleInput): Promise<string | null> {
  return db.transaction(async (tx) => {
    await lockOwned(tx, runId, h);
    const [row] = await tx
      .insert(samples)
      .values({ runId, ...s })
      .onConflictDoNothing()
      .returning({ id: samples.id });
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
export async function recordCheckpoint(db: Database, runId: string, h: Holder, c: CheckpointInput) {
  return db.transaction(async (tx) => {
    await lockOwned(tx, runId, h);
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

/** RUNNING → a final state and its RunStateChanged event, in one transaction; only by the lease holder. */
export async function finishRun(db: Database, runId: string, h: Holder, o: RunOutcome): Promise<void> {
  await finishLeased(db, runJob, runId, h, {
    state: o.state,
    finishedAt: sql`now()`,
    errorCode: o.errorCode ?? null,
    errorMessage: o.errorMessage ?? null,
    logTail: o.logTail ?? null,
  });
}
