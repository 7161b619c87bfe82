import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import { teamRunLimits } from "../../schema/limits.js";
import { workers } from "../../schema/workers.js";
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
    const [{ n }] = (await tx.execute<{ n: string }>(sql`select count(*) as n from runs where team_id = ${r.teamId} and state in ('QUEUED', 'RUNNING')`)).rows as [{ n: string }];
    if (Number(n) >= maxUnfinished) return { row: null, unfinished: Number(n) };
    const [row] = await tx.insert(runs).values(r).returning();
    const seq = await appendRunEvents(tx, row!.id, [{ type: "RunStateChanged", payload: { state: "QUEUED", previousState: null } }]);
    await notify(tx, CHANNELS.work, { kind: "run", id: row!.id });
    return { row: { ...row!, lastEventSeq: seq }, unfinished: Number(n) + 1 };
  });
}

export async function getRun(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.teamId, teamId), eq(runs.id, id)));
  return row ?? null;
}

export function runsByIds(db: Database, teamId: string, ids: readonly string[]) {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.teamId, teamId), inArray(runs.id, [...ids])));
}

/** Newest first, keyset-paginated on (created_at, id); `after` is the id of the last run seen. */
export function listRuns(db: Database, teamId: string, opts: { limit: number; after?: string | null; subjectId?: string | null; state?: RunStateValue | null }) {
  const conds: SQL[] = [eq(runs.teamId, teamId)];
  if (opts.subjectId) conds.push(eq(runs.subjectId, opts.subjectId));
  if (opts.state) conds.push(eq(runs.state, opts.state));
  if (opts.after) conds.push(sql`(${runs.createdAt}, ${runs.id}) < (select r2.created_at, r2.id from runs r2 where r2.id = ${opts.after} and r2.team_id = ${teamId})`);
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
  return db
    .select()
    .from(samples)
    .where(and(eq(samples.teamId, teamId), inArray(samples.id, [...ids])));
}

export function checkpointsByRunIds(db: Database, teamId: string, runIds: readonly string[]) {
  return db
    .select()
    .from(checkpoints)
    .where(and(eq(checkpoints.teamId, teamId), inArray(checkpoints.runId, [...runIds])))
    .orderBy(asc(checkpoints.createdAt), asc(checkpoints.step));
}

export function checkpointsByIds(db: Database, teamId: string, ids: readonly string[]) {
  return db
    .select()
    .from(checkpoints)
    .where(and(eq(checkpoints.teamId, teamId), inArray(checkpoints.id, [...ids])));
}

export async function getCheckpoint(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(checkpoints)
    .where(and(eq(checkpoints.teamId, teamId), eq(checkpoints.id, id)));
  return row ?? null;
}

export interface QueueEstimate {
  /** 1 = the next run any trainer will claim. */
  position: number;
  /**
   * How many of its team's runs must finish before it can start (0: it starts as soon as a trainer is
   * free; the team is under its limit).
   */
  wave: number;
}

/**
 * Where every QUEUED run stands under the fair-share policy (docs/scheduling.md), as one statement:
 * a team's k-th queued run waits for `wave` = 0 while the team has free slots (limit − RUNNING), else
 * 1 + (k − free) / limit of its own runs to finish; runs are ordered by wave, then the least recently
 * served team (never served first), then age — the order in which trainers claim them.
 */
export async function runQueuePositions(db: Executor, defaultTeamConcurrency: number, teamId?: string): Promise<Map<string, QueueEstimate>> {
  const res = await db.execute<{ id: string; team_id: string; position: string; wave: string }>(sql`
    with running as (
      select team_id, count(*)::int as n from ${runs} where state = 'RUNNING' group by team_id
    ), served as (
      select team_id, max(started_at) as at from ${runs} where started_at is not null
        and team_id in (select team_id from ${runs} where state = 'QUEUED') group by team_id
    ), q as (
      select r.id, r.team_id, r.created_at, s.at as served,
        (row_number() over (partition by r.team_id order by r.created_at, r.id) - 1)::int as k,
        coalesce(l.run_concurrency, ${defaultTeamConcurrency}::int) as lim,
        coalesce(rn.n, 0) as running
      from ${runs} r
      left join ${teamRunLimits} l on l.team_id = r.team_id
      left join running rn on rn.team_id = r.team_id
      left join served s on s.team_id = r.team_id
      where r.state = 'QUEUED'
    ), w as (
      select id, team_id, created_at, served,
        case when k < greatest(lim - running, 0) then 0 else 1 + (k - greatest(lim - running, 0)) / lim end as wave
      from q
    )
    select id, team_id, wave, row_number() over (order by wave, served asc nulls first, created_at, id) as position from w`);
  const out = new Map<string, QueueEstimate>();
  for (const r of res.rows) if (!teamId || r.team_id === teamId) out.set(r.id, { position: Number(r.position), wave: Number(r.wave) });
  return out;
}

/** Median wall time of the last 50 runs that SUCCEEDED (ms), and how many trainers beat recently. */
export async function queueThroughput(db: Executor): Promise<{ medianRunMs: number | null; trainers: number }> {
  const res = await db.execute<{ median_ms: string | null; trainers: string }>(sql`
    select (select percentile_cont(0.5) within group (order by extract(epoch from (finished_at - started_at)) * 1000)
              from (select finished_at, started_at from ${runs} where state = 'SUCCEEDED' and started_at is not null
                    order by finished_at desc limit 50) x) as median_ms,
           (select count(*) from ${workers} where heartbeat_at > now() - interval '1 minute') as trainers`);
  const row = res.rows[0]!;
  return { medianRunMs: row.median_ms === null ? null : Number(row.median_ms), trainers: Number(row.trainers) };
}
