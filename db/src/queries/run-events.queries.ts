import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../client.js";
import type { Executor } from "../client.tx.js";
import { CHANNELS, notify } from "../notifications.js";
import { runEvents, runs } from "../schema/runs.js";

export { CHANNELS, notify } from "../notifications.js";

export type RunEventType = "RunStateChanged" | "StageStarted" | "LossLogged" | "SampleSaved" | "CheckpointSaved" | "EvaluationUpdated" | "PhaseChanged";

/**
 * What each run event's payload holds: the one definition the writers (trainer and API queries here) and
 * the reader (api/src/resolvers/RunEvent.ts) share, so a field renamed on one side fails typecheck on the
 * other. docs/platform-contract.md describes them.
 */
export interface RunEventPayloads {
  RunStateChanged: { state: string; previousState: string | null; errorCode?: string | null; errorMessage?: string | null };
  StageStarted: { stage: string; totalSteps: number };
  LossLogged: { stage: string; step: number; loss: number; learningRate: number };
  SampleSaved: { sampleId: string; stage: string; step: number; prompt: string; promptIndex: number; seed: number };
  CheckpointSaved: { checkpointId: string; stage: string; step: number };
  EvaluationUpdated: {
    evaluationId: string;
    checkpointId: string;
    protocol: string;
    state: string;
    clipI: number | null;
    clipT: number | null;
    dino: number | null;
    errorCode: string | null;
  };
  PhaseChanged: { phase: "LOADING_BASE_MODEL"; state: "STARTED" | "ENDED"; baseModel?: string; durationMs?: number; warm?: boolean };
}

/** One event to append: its type and that type's payload. */
export type NewRunEvent = { [K in RunEventType]: { type: K; payload: RunEventPayloads[K] } }[RunEventType];

/** A stored event's payload as its type's (rows are written only through `appendRunEvents`). */
export function payloadOf<K extends RunEventType>(e: { type: string; payload: unknown }, type: K): RunEventPayloads[K] {
  if (e.type !== type) throw new Error(`a ${e.type} event read as ${type}`);
  return e.payload as RunEventPayloads[K];
}

/**
 * Appends events to a run's log with gap-free `seq`s and notifies listeners. Must run inside a
 * transaction: bumping `runs.last_event_seq` locks the run row, which serialises concurrent appends
 * (API and trainer), and the NOTIFY is delivered only when that transaction commits.
 * Returns the new last seq.
 */
export async function appendRunEvents(tx: Executor, runId: string, events: NewRunEvent[]): Promise<number> {
  if (events.length === 0) {
    const [row] = await tx.select({ seq: runs.lastEventSeq }).from(runs).where(eq(runs.id, runId));
    return row?.seq ?? 0;
  }
  const [row] = await tx
    .update(runs)
    .set({ lastEventSeq: sql`${runs.lastEventSeq} + ${events.length}` })
    .where(eq(runs.id, runId))
    .returning({ last: runs.lastEventSeq });
  if (!row) throw new Error(`run ${runId} does not exist`);
  const first = row.last - events.length + 1;
  await tx.insert(runEvents).values(events.map((e, i) => ({ runId, seq: first + i, type: e.type, payload: e.payload })));
  await notify(tx, CHANNELS.runEvents, { runId, seq: row.last });
  return row.last;
}

/** Events after `afterSeq`, in order (at most `limit`). */
export function listRunEvents(db: Database, runId: string, afterSeq: number, limit = 1000) {
  return db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), gt(runEvents.seq, afterSeq)))
    .orderBy(asc(runEvents.seq))
    .limit(limit);
}

/**
 * Where a run's story stands, in one statement (the completion rule of runEvents,
 * docs/live-events.md): its last seq, whether it is final, and whether an evaluation of its
 * checkpoints is still to come (QUEUED, GENERATING or SCORING; or, with `automaticSince`, a
 * checkpoint made since then that has no automatic evaluation yet). null: no such run.
 */
export async function runStory(db: Database, runId: string, automaticSince: Date | null): Promise<{ lastSeq: number; final: boolean; evaluationsPending: boolean } | null> {
  const auto = automaticSince
    ? sql`or exists (select 1 from checkpoints c where c.run_id = r.id and c.created_at > ${automaticSince.toISOString()}::timestamptz
           and not exists (select 1 from evaluations a where a.checkpoint_id = c.id and a.automatic))`
    : sql``;
  const res = await db.execute<{ last_event_seq: number; final: boolean; pending: boolean }>(sql`
    select r.last_event_seq, r.state in ('SUCCEEDED', 'FAILED', 'CANCELED') as final,
      (exists (select 1 from evaluations e where e.run_id = r.id and e.state in ('QUEUED', 'GENERATING', 'SCORING')) ${auto}) as pending
    from runs r where r.id = ${runId}`);
  const row = res.rows[0];
  return row ? { lastSeq: Number(row.last_event_seq), final: row.final, evaluationsPending: row.pending } : null;
}
