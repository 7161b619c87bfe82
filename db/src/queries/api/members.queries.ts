import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import { invitations } from "../../schema/sharing.js";
import { teams } from "../../schema/teams.js";
import { apiKeys, memberships, users } from "../../schema/users.js";
import { CHANNELS, notify } from "../../notifications.js";
import { appendAudit } from "./sharing.queries.js";
import type { TeamRole } from "./teams.queries.js";

export type InvitationRow = typeof invitations.$inferSelect;
export type MembershipRow = typeof memberships.$inferSelect;

/** OWNERs first, then by join time. */
export function listMembers(db: Database, teamId: string) {
  return db
    .select()
    .from(memberships)
    .where(eq(memberships.teamId, teamId))
    .orderBy(sql`case ${memberships.role} when 'OWNER' then 0 when 'MEMBER' then 1 else 2 end`, asc(memberships.createdAt));
}

export async function getMembership(db: Database, teamId: string, userId: string) {
  const [row] = await db
    .select()
    .from(memberships)
    .where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId)));
  return row ?? null;
}

export async function createInvitation(db: Database, i: { teamId: string; role: TeamRole; codeHash: string; createdBy: string; expiresAt: Date }) {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(invitations).values(i).returning();
    await appendAudit(tx, {
      teamId: i.teamId,
      action: "MEMBER_INVITED",
      actorUserId: i.createdBy,
      details: { invitationId: row!.id, role: i.role, expiresAt: i.expiresAt },
    });
    return row!;
  });
}

export function listInvitations(db: Database, teamId: string) {
  return db.select().from(invitations).where(eq(invitations.teamId, teamId)).orderBy(desc(invitations.createdAt));
}

export async function getInvitation(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.teamId, teamId), eq(invitations.id, id)));
  return row ?? null;
}

/** Conditional: only an open invitation is revoked (+ audit). Returns the row as it is now. */
export async function revokeInvitation(db: Database, teamId: string, id: string, actorUserId: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(and(eq(invitations.teamId, teamId), eq(invitations.id, id), isNull(invitations.revokedAt), isNull(invitations.acceptedAt)))
      .returning();
    if (row) await appendAudit(tx, { teamId, action: "INVITATION_REVOKED", actorUserId, details: { invitationId: id, role: row.role } });
    const [now] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.teamId, teamId), eq(invitations.id, id)));
    return now ?? null;
  });
}

/** The invitation with this code hash, whatever its state, with whether it has expired (by the database clock). */
export async function findInvitationByCode(db: Database, codeHash: string) {
  const [row] = await db
    .select({ invitation: invitations, expired: sql<boolean>`${invitations.expiresAt} <= now()` })
    .from(invitations)
    .where(eq(invitations.codeHash, codeHash));
  return row ?? null;
}

export type AcceptOutcome =
  | { ok: true; team: { id: string; name: string }; user: typeof users.$inferSelect; role: TeamRole; key: typeof apiKeys.$inferSelect }
  | { ok: false; reason: "gone" | "already_member" | "email_taken" };

/**
 * Consumes the invitation (conditional update, so a code works once even under races), creates the
 * user when `existingUserId` is null, the membership and a first key, and the MEMBER_JOINED audit
 * line — all in one transaction: a refusal changes nothing.
 */
export async function acceptInvitation(
  db: Database,
  a: {
    codeHash: string;
    existingUserId: string | null;
    newUser: { name: string; email: string | null } | null;
    key: { name: string; prefix: string; secretHash: string };
  },
): Promise<AcceptOutcome> {
  try {
    return await db.transaction(async (tx) => {
      let userId = a.existingUserId;
      let user: typeof users.$inferSelect | undefined;
      if (!userId) {
        [user] = await tx.insert(users).values({ name: a.newUser!.name, email: a.newUser!.email }).returning();
        userId = user!.id;
      } else {
        [user] = await tx.select().from(users).where(eq(users.id, userId));
      }
      const [inv] = await tx
        .update(invitations)
        .set({ acceptedAt: new Date(), acceptedBy: userId })
        .where(and(eq(invitations.codeHash, a.codeHash), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), sql`${invitations.expiresAt} > now()`))
        .returning();
      if (!inv) throw new Refused("gone");
      const existing = await tx
        .select()
        .from(memberships)
        .where(and(eq(memberships.teamId, inv.teamId), eq(memberships.userId, userId)));
      if (existing.length > 0) throw new Refused("already_member");
      await tx.insert(memberships).values({ teamId: inv.teamId, userId, role: inv.role });
      const [key] = await tx
        .insert(apiKeys)
        .values({ teamId: inv.teamId, userId, ...a.key })
        .returning();
      const [team] = await tx.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.id, inv.teamId));
      await appendAudit(tx, {
        teamId: inv.teamId,
        action: "MEMBER_JOINED",
        actorUserId: userId,
        details: { invitationId: inv.id, userId, role: inv.role, newUser: a.existingUserId === null },
      });
      return { ok: true as const, team: team!, user: user!, role: inv.role, key: key! };
    });
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.reason };
    if ((err as { code?: string }).code === "23505" && /users_email/.test(String((err as { constraint?: string }).constraint))) return { ok: false, reason: "email_taken" };
    throw err;
  }
}

class Refused extends Error {
  constructor(readonly reason: "gone" | "already_member") {
    super(reason);
  }
}

export type MemberChange = { ok: true; before: MembershipRow; after: MembershipRow | null; revokedKeys: number } | { ok: false; reason: "not_member" | "last_owner" };

/**
 * Changes a member's role (role set) or removes the member (role null: the membership goes and the
 * user's keys in this team are revoked). The team's OWNER rows are locked first, so two concurrent
 * changes can never leave the team without an OWNER. Audit line and NOTIFY in the same transaction.
 */
export async function changeMember(db: Database, c: { teamId: string; userId: string; role: TeamRole | null; actorUserId: string }): Promise<MemberChange> {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(memberships).where(eq(memberships.teamId, c.teamId)).orderBy(asc(memberships.userId)).for("update");
    const before = rows.find((r) => r.userId === c.userId);
    if (!before) return { ok: false as const, reason: "not_member" as const };
    const owners = rows.filter((r) => r.role === "OWNER").length;
    if (before.role === "OWNER" && c.role !== "OWNER" && owners <= 1) return { ok: false as const, reason: "last_owner" as const };
    let after: MembershipRow | null = null;
    let revokedKeys = 0;
    if (c.role) {
      const [updated] = await tx
        .update(memberships)
        .set({ role: c.role })
        .where(and(eq(memberships.teamId, c.teamId), eq(memberships.userId, c.userId)))
        .returning();
      after = updated ?? null;
      if (before.role !== c.role)
        await appendAudit(tx, {
          teamId: c.teamId,
          action: "ROLE_CHANGED",
          actorUserId: c.actorUserId,
          details: { userId: c.userId, role: c.role, previousRole: before.role },
        });
    } else {
      await tx.delete(memberships).where(and(eq(memberships.teamId, c.teamId), eq(memberships.userId, c.userId)));
      const revoked = await tx
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.teamId, c.teamId), eq(apiKeys.userId, c.userId), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      revokedKeys = revoked.length;
      await appendAudit(tx, {
        teamId: c.teamId,
        action: "MEMBER_REMOVED",
        actorUserId: c.actorUserId,
        details: { userId: c.userId, role: before.role, left: c.userId === c.actorUserId, revokedKeys },
      });
    }
    await notify(tx, CHANNELS.access, { teamId: c.teamId, userId: c.userId });
    return { ok: true as const, before, after, revokedKeys };
  });
}

/** Conditional revoke of a team's key with its KEY_REVOKED audit line and NOTIFY; the row either way. */
export async function revokeApiKeyAudited(db: Database, teamId: string, id: string, actorUserId: string | null) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning();
    if (row) {
      await appendAudit(tx, { teamId, action: "KEY_REVOKED", actorUserId, details: { keyId: id, userId: row.userId, name: row.name } });
      await notify(tx, CHANNELS.access, { keyId: id, teamId });
      return row;
    }
    const [now] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.id, id)));
    return now ?? null;
  });
}
