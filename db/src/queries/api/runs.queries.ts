import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Database } from "../../client.js";
import { checkpoints, lossPoints, runs, samples } from "../../schema/runs.js";
import { appendRunEvents, CHANNELS, notify } from "../run-events.queries.js";

export type RunRow = typeof runs.$inferSelect;
export type RunStateValue = RunRow["state"];
export type NewRun = Omit<typeof runs.$inferInsert, "id" | "state" | "lastEventSeq">;

/**
 * Inserts a QUEUED run with its first event (RunStateChanged QUEUED) and tells trainers there is
 * work, all in one transaction (the NOTIFYs are delivered at commit).
 */
export async function createRun(db: Database, r: NewRun) {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(runs).values(r).returning();
    const seq = await appendRunEvents(tx, row!.id, [{ type: "RunStateChanged", payload: { state: "QUEUED", previousState: null } }]);
    await notify(tx, CHANNELS.work, { kind: "run", id: row!.id });
    return { ...row!, lastEventSeq: seq };
  });
}

/**
 * Like createRun, but only while the team has fewer than `maxUnfinished` QUEUED or RUNNING runs (count
 * and insert under a per-team transaction lock; other replicas included). Over the budget nothing is written.
 */
export async function createRunWithin(db: Database, r: NewRun, maxUnfinished: number) {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`studio.unfinished-runs:${r.teamId}`}, 0))`);
    const [{ n }] = (await tx.execute<{ n: string }>(
      sql`select count(*) as n from runs where team_id = ${r.teamId} and state in ('QUEUED', 'RUNNING')`,
    )).rows as [{ n: string }];
    if (Number(n) >= maxUnfinished) return { row: null, unfinished: Number(n) };
    const [row] = await tx.insert(runs).values(r).returning();
    const seq = await appendRunEvents(tx, row!.id, [{ type: "RunStateChanged", payload: { state: "QUEUED", previousState: null } }]);
    await notify(tx, CHANNELS.work, { kind: "run", id: row!.id });
    return { row: { ...row!, lastEventSeq: seq }, unfinished: Number(n) + 1 };
  });
}

export async function getRun(db: Database, teamId: string, id: string) {
  const [row] = await db.select().from(runs).where(and(eq(runs.teamId, teamId), eq(runs.id, id)));
  return row ?? null;
}

export function runsByIds(db: Database, teamId: string, ids: readonly string[]) {
  return db.select().from(runs).where(and(eq(runs.teamId, teamId), inArray(runs.id, [...ids])));
}

/** Newest first, keyset-paginated on (created_at, id); `after` is the id of the last run seen. */
export function listRuns(
  db: Database,
  teamId: string,
  opts: { limit: number; after?: string | null; subjectId?: string | null; state?: RunStateValue | null },
) {
  const conds: SQL[] = [eq(runs.teamId, teamId)];
  if (opts.subjectId) conds.push(eq(runs.subjectId, opts.subjectId));
  if (opts.state) conds.push(eq(runs.state, opts.state));
  if (opts.after)
    conds.push(
      sql`(${runs.createdAt}, ${runs.id}) < (select r2.created_at, r2.id from runs r2 where r2.id = ${opts.after} and r2.team_id = ${teamId})`,
    );
  return db
    .select()
    .from(runs)
    .where(and(...conds))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(opts.limit);
}

export function runsBySubjectIds(db: Database, teamId: string, subjectIds: readonly string[]) {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.teamId, teamId), inArray(runs.subjectId, [...subjectIds])))
    .orderBy(desc(runs.createdAt), desc(runs.id));
}

/** QUEUED → CANCELED (conditional) with its event; null when the run was no longer QUEUED. */
export async function cancelQueuedRun(db: Database, teamId: string, id: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(runs)
      .set({ state: "CANCELED", finishedAt: new Date(), cancelRequestedAt: new Date() })
      .where(and(eq(runs.teamId, teamId), eq(runs.id, id), eq(runs.state, "QUEUED")))
      .returning();
    if (!row) return null;
    const seq = await appendRunEvents(tx, id, [{ type: "RunStateChanged", payload: { state: "CANCELED", previousState: "QUEUED" } }]);
    return { ...row, lastEventSeq: seq };
  });
}

/** RUNNING: flag the cancel and tell the trainer holding it; null when the run was no longer RUNNING. */
export async function requestRunCancel(db: Database, teamId: string, id: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(runs)
      .set({ cancelRequestedAt: sql`coalesce(${runs.cancelRequestedAt}, now())` })
      .where(and(eq(runs.teamId, teamId), eq(runs.id, id), eq(runs.state, "RUNNING")))
      .returning();
    if (!row) return null;
    await notify(tx, CHANNELS.runControl, { runId: id, action: "cancel" });
    return row;
  });
}

export function lossesByRunIds(db: Database, runIds: readonly string[]) {
  return db
    .select()
    .from(lossPoints)
    .where(inArray(lossPoints.runId, [...runIds]))
    .orderBy(asc(lossPoints.stage), asc(lossPoints.step));
}

export function samplesByRunIds(db: Database, teamId: string, runIds: readonly string[]) {
  return db
    .select()
    .from(samples)
    .where(and(eq(samples.teamId, teamId), inArray(samples.runId, [...runIds])))
    .orderBy(asc(samples.step), asc(samples.promptIndex), asc(samples.seed));
}

export function samplesByIds(db: Database, teamId: string, ids: readonly string[]) {
  return db.select().from(samples).where(and(eq(samples.teamId, teamId), inArray(samples.id, [...ids])));
}

export function checkpointsByRunIds(db: Database, teamId: string, runIds: readonly string[]) {
  return db
    .select()
    .from(checkpoints)
    .where(and(eq(checkpoints.teamId, teamId), inArray(checkpoints.runId, [...runIds])))
    .orderBy(asc(checkpoints.createdAt), asc(checkpoints.step));
}

export function checkpointsByIds(db: Database, teamId: string, ids: readonly string[]) {
  return db.select().from(checkpoints).where(and(eq(checkpoints.teamId, teamId), inArray(checkpoints.id, [...ids])));
}

export async function getCheckpoint(db: Database, teamId: string, id: string) {
  const [row] = await db.select().from(checkpoints).where(and(eq(checkpoints.teamId, teamId), eq(checkpoints.id, id)));
  return row ?? null;
}
