import { and, asc, desc, eq, inArray, isNull, or, sql, type SQL, type Column } from "drizzle-orm";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import { evaluations } from "../../schema/evaluations.js";
import { generations } from "../../schema/generations.js";
import { checkpoints, runs, samples } from "../../schema/runs.js";
import { accessAudit, shares } from "../../schema/sharing.js";
import { subjectImages } from "../../schema/images.js";
import { subjects } from "../../schema/subjects.js";
import { teams } from "../../schema/teams.js";
import { users } from "../../schema/users.js";
import { CHANNELS, notify } from "../../notifications.js";

/** NOTIFY channel: {teamId?, userId?, keyId?, shareId?} — someone's access changed; open subscriptions re-check. */
/** @deprecated use CHANNELS.access (db/src/notifications.ts) */
export const ACCESS_CHANNEL = CHANNELS.access;

export type ShareRow = typeof shares.$inferSelect;
export type AuditRow = typeof accessAudit.$inferSelect;
export type AuditActionValue = AuditRow["action"];

/**
 * Who is reading: a team (its own runs plus runs other teams shared with it through an active TEAM
 * share), or a share link (exactly its one run; `teamId` is then a team id that owns nothing).
 */
export interface RunAccess {
  teamId: string;
  linkRunId?: string | null;
}

/** The SQL condition "the run `runId` (owned by `ownerTeamId`) is readable with `a`". */
export function runReadable(ownerTeamId: Column | SQL, runId: Column | SQL, a: RunAccess): SQL {
  const conds: SQL[] = [
    sql`${ownerTeamId} = ${a.teamId}`,
    sql`exists (select 1 from ${shares} where ${shares.runId} = ${runId} and ${shares.kind} = 'TEAM'
      and ${shares.targetTeamId} = ${a.teamId} and ${shares.revokedAt} is null
      and (${shares.expiresAt} is null or ${shares.expiresAt} > now()))`,
  ];
  if (a.linkRunId) conds.push(sql`${runId} = ${a.linkRunId}`);
  return or(...conds)!;
}

export function readableRunsByIds(db: Database, a: RunAccess, ids: readonly string[]) {
  return db
    .select()
    .from(runs)
    .where(and(inArray(runs.id, [...ids]), runReadable(runs.teamId, runs.id, a)));
}

export function readableCheckpointsByIds(db: Database, a: RunAccess, ids: readonly string[]) {
  return db
    .select()
    .from(checkpoints)
    .where(and(inArray(checkpoints.id, [...ids]), runReadable(checkpoints.teamId, checkpoints.runId, a)));
}

export function readableCheckpointsByRunIds(db: Database, a: RunAccess, runIds: readonly string[]) {
  return db
    .select()
    .from(checkpoints)
    .where(and(inArray(checkpoints.runId, [...runIds]), runReadable(checkpoints.teamId, checkpoints.runId, a)))
    .orderBy(asc(checkpoints.createdAt), asc(checkpoints.step));
}

export function readableSamplesByRunIds(db: Database, a: RunAccess, runIds: readonly string[]) {
  return db
    .select()
    .from(samples)
    .where(and(inArray(samples.runId, [...runIds]), runReadable(samples.teamId, samples.runId, a)))
    .orderBy(asc(samples.step), asc(samples.promptIndex), asc(samples.seed));
}

export function readableSamplesByIds(db: Database, a: RunAccess, ids: readonly string[]) {
  return db
    .select()
    .from(samples)
    .where(and(inArray(samples.id, [...ids]), runReadable(samples.teamId, samples.runId, a)));
}

/** The team's own subjects, and the subjects of runs readable through a share (name and class only reach them). */
export function readableSubjectsByIds(db: Database, a: RunAccess, ids: readonly string[]) {
  const r = sql`r`;
  return db
    .select()
    .from(subjects)
    .where(
      and(
        inArray(subjects.id, [...ids]),
        or(
          eq(subjects.teamId, a.teamId),
          sql`exists (select 1 from ${runs} ${r} where ${r}.subject_id = ${subjects.id}
            and ${runReadable(sql`${r}.team_id`, sql`${r}.id`, a)})`,
        ),
      ),
    );
}

// ---- model cards (call only with ids already authorized through the readable* queries) ----

/** Hashes and display keys of subjects' photos, in training (createdAt) order. */
export function cardImagesBySubjectIds(db: Database, subjectIds: readonly string[]) {
  return db
    .select({
      id: subjectImages.id,
      teamId: subjectImages.teamId,
      subjectId: subjectImages.subjectId,
      sha256: subjectImages.sha256,
      displayKey: subjectImages.displayKey,
    })
    .from(subjectImages)
    .where(inArray(subjectImages.subjectId, [...subjectIds]))
    .orderBy(asc(subjectImages.createdAt), asc(subjectImages.id));
}

/** The newest SUCCEEDED evaluation per (checkpoint, protocol). */
export function latestScoresByCheckpointIds(db: Database, checkpointIds: readonly string[]) {
  return db
    .selectDistinctOn([evaluations.checkpointId, evaluations.protocol], {
      id: evaluations.id,
      checkpointId: evaluations.checkpointId,
      protocol: evaluations.protocol,
      clipI: evaluations.clipI,
      clipT: evaluations.clipT,
      dino: evaluations.dino,
      finishedAt: evaluations.finishedAt,
    })
    .from(evaluations)
    .where(and(inArray(evaluations.checkpointId, [...checkpointIds]), eq(evaluations.state, "SUCCEEDED")))
    .orderBy(evaluations.checkpointId, evaluations.protocol, desc(evaluations.finishedAt));
}

export function usersByIds(db: Database, ids: readonly string[]) {
  return db
    .select()
    .from(users)
    .where(inArray(users.id, [...ids]));
}

export function teamNamesByIds(db: Database, ids: readonly string[]) {
  return db
    .select({ id: teams.id, name: teams.name })
    .from(teams)
    .where(inArray(teams.id, [...ids]));
}

// ---- shares ----

export async function appendAudit(
  tx: Executor,
  e: { teamId: string; action: AuditActionValue; actorUserId: string | null; shareId?: string | null; details: Record<string, unknown> },
) {
  await tx.insert(accessAudit).values({ ...e, shareId: e.shareId ?? null });
}

/** Inserts the share and its SHARE_CREATED audit line in one transaction. */
export async function createShare(db: Database, s: Omit<typeof shares.$inferInsert, "id" | "createdAt" | "revokedAt" | "revokedBy">) {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(shares).values(s).returning();
    await appendAudit(tx, {
      teamId: s.teamId,
      action: "SHARE_CREATED",
      actorUserId: s.createdBy ?? null,
      shareId: row!.id,
      details: { runId: s.runId, kind: s.kind, targetTeamId: s.targetTeamId ?? null, promptOnly: s.promptOnly ?? false, expiresAt: s.expiresAt ?? null },
    });
    return row!;
  });
}

export async function getShare(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(shares)
    .where(and(eq(shares.teamId, teamId), eq(shares.id, id)));
  return row ?? null;
}

/**
 * Conditional: only a live share is revoked (+ SHARE_REVOKED audit + NOTIFY, in one transaction).
 * Returns the row either way; null when it is not the team's.
 */
export async function revokeShare(db: Database, teamId: string, id: string, actorUserId: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(shares)
      .set({ revokedAt: new Date(), revokedBy: actorUserId })
      .where(and(eq(shares.teamId, teamId), eq(shares.id, id), isNull(shares.revokedAt)))
      .returning();
    if (row) {
      await appendAudit(tx, { teamId, action: "SHARE_REVOKED", actorUserId, shareId: id, details: { runId: row.runId, kind: row.kind, targetTeamId: row.targetTeamId } });
      await notify(tx, ACCESS_CHANNEL, { shareId: id, teamId: row.targetTeamId ?? undefined });
      return row;
    }
    const [now] = await tx
      .select()
      .from(shares)
      .where(and(eq(shares.teamId, teamId), eq(shares.id, id)));
    return now ?? null;
  });
}

export function listShares(db: Database, teamId: string, runId: string | null) {
  return db
    .select()
    .from(shares)
    .where(runId ? and(eq(shares.teamId, teamId), eq(shares.runId, runId)) : eq(shares.teamId, teamId))
    .orderBy(desc(shares.createdAt), desc(shares.id));
}

/** Active TEAM shares to `teamId`, with the owner team's name, newest first. */
export function sharesToTeam(db: Database, teamId: string) {
  return db
    .select({ share: shares, ownerName: teams.name })
    .from(shares)
    .innerJoin(teams, eq(teams.id, shares.teamId))
    .where(and(eq(shares.kind, "TEAM"), eq(shares.targetTeamId, teamId), isNull(shares.revokedAt), sql`(${shares.expiresAt} is null or ${shares.expiresAt} > now())`))
    .orderBy(desc(shares.createdAt), desc(shares.id));
}

/** A LINK share by its token's hash, whatever its state (the caller tells revoked from expired). */
export async function findLinkShare(db: Database, tokenHash: string) {
  const [row] = await db
    .select({ share: shares, expired: sql<boolean>`${shares.expiresAt} is not null and ${shares.expiresAt} <= now()` })
    .from(shares)
    .where(and(eq(shares.tokenHash, tokenHash), eq(shares.kind, "LINK")));
  return row ?? null;
}

/** A LINK share by id, whatever its state (an archive URL re-checks the link that fetched it). */
export async function findLinkShareById(db: Database, id: string) {
  const [row] = await db
    .select({ share: shares, expired: sql<boolean>`${shares.expiresAt} is not null and ${shares.expiresAt} <= now()` })
    .from(shares)
    .where(and(eq(shares.id, id), eq(shares.kind, "LINK")));
  return row ?? null;
}

/** A generation made through the share link `shareId`. */
export async function getGenerationViaShare(db: Database, shareId: string, id: string) {
  const [row] = await db
    .select()
    .from(generations)
    .where(and(eq(generations.shareId, shareId), eq(generations.id, id)));
  return row ?? null;
}

export function listAudit(db: Database, teamId: string, limit: number) {
  return db.select().from(accessAudit).where(eq(accessAudit.teamId, teamId)).orderBy(desc(accessAudit.at), desc(accessAudit.id)).limit(limit);
}
