import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../client.js";
import type { Executor } from "../client.tx.js";
import { runEvents, runs } from "../schema/runs.js";

/** NOTIFY channels. Payloads are small JSON objects; listeners re-read the rows they point at. */
export const CHANNELS = {
  /** {runId, seq}: run_events up to `seq` are committed. */
  runEvents: "studio_run_events",
  /** {runId, action: "cancel"}: a trainer holding the run should stop its engine. */
  runControl: "studio_run_control",
  /** {kind: "run" | "generation", id}: new work for trainers (they also poll). */
  work: "studio_work",
  /** {generationId, state}: a generation changed. */
  generations: "studio_generation",
  /** {evaluationId, runId, state}: an evaluation changed (docs/evaluation-contract.md §5). */
  evaluations: "studio_evaluation",
} as const;

export type RunEventType =
  | "RunStateChanged"
  | "StageStarted"
  | "LossLogged"
  | "SampleSaved"
  | "CheckpointSaved"
  | "EvaluationUpdated";

export interface NewRunEvent {
  type: RunEventType;
  payload: Record<string, unknown>;
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
  await tx.execute(sql`select pg_notify(${CHANNELS.runEvents}, ${JSON.stringify({ runId, seq: row.last })})`);
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

export async function notify(db: Executor, channel: string, payload: Record<string, unknown>): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${JSON.stringify(payload)})`);
}
