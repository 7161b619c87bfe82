import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import { teams } from "../../schema/teams.js";
import { apiKeys, memberships, users } from "../../schema/users.js";

export type TeamRole = "OWNER" | "MEMBER" | "VIEWER";

/** The acting (key, user, team, role) of a live (unrevoked) key matching `match`; null when none. */
async function findPrincipal(db: Database, match: ReturnType<typeof eq>) {
  const [row] = await db
    .select({
      keyId: apiKeys.id,
      teamId: apiKeys.teamId,
      userId: apiKeys.userId,
      role: memberships.role,
    })
    .from(apiKeys)
    .innerJoin(memberships, and(eq(memberships.teamId, apiKeys.teamId), eq(memberships.userId, apiKeys.userId)))
    .where(and(match, isNull(apiKeys.revokedAt)))
    .limit(1);
  return row ?? null;
}

/** The acting (key, user, team, role) for a live key with this secret hash; null when unknown or revoked. */
export function findPrincipalByKeyHash(db: Database, secretHash: string) {
  return findPrincipal(db, eq(apiKeys.secretHash, secretHash));
}

/** The acting (key, user, team, role) for a live key by its id (an archive URL re-checks its issuer); null when revoked or removed. */
export function findPrincipalByKeyId(db: Database, keyId: string) {
  return findPrincipal(db, eq(apiKeys.id, keyId));
}

/** Creates a team, its OWNER user and membership in one transaction. */
export async function createTeamWithOwner(db: Database, t: { teamName: string; userName: string; email?: string | null }) {
  return db.transaction(async (tx) => {
    const [team] = await tx.insert(teams).values({ name: t.teamName }).returning();
    const [user] = await tx
      .insert(users)
      .values({ name: t.userName, email: t.email ?? null })
      .returning();
    await tx.insert(memberships).values({ teamId: team!.id, userId: user!.id, role: "OWNER" });
    return { team: team!, user: user! };
  });
}

export async function insertApiKey(db: Database, k: { teamId: string; userId: string; name: string; prefix: string; secretHash: string }) {
  const [row] = await db.insert(apiKeys).values(k).returning();
  return row!;
}

export async function getApiKey(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.id, id)));
  return row ?? null;
}

export async function listApiKeys(db: Database, teamId: string, userId?: string) {
  return db
    .select()
    .from(apiKeys)
    .where(userId ? and(eq(apiKeys.teamId, teamId), eq(apiKeys.userId, userId)) : eq(apiKeys.teamId, teamId))
    .orderBy(asc(apiKeys.createdAt));
}

/** Conditional: only a live key is revoked; returns the row either way (null when not in the team). */
export async function revokeApiKey(db: Database, teamId: string, id: string) {
  await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  return getApiKey(db, teamId, id);
}

export async function getUser(db: Database, id: string) {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row ?? null;
}

export async function getTeam(db: Database, id: string) {
  const [row] = await db.select().from(teams).where(eq(teams.id, id));
  return row ?? null;
}

/** Every team the user belongs to, with the role. */
export async function teamsOfUser(db: Database, userId: string) {
  return db
    .select({ id: teams.id, name: teams.name, createdAt: teams.createdAt, role: memberships.role })
    .from(memberships)
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(teams.createdAt));
}

/** How many teams exist: a fresh install has none, and `./studio up` then creates the first one. */
export async function countTeams(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(teams);
  return row?.n ?? 0;
}
