import { createHash, randomBytes } from "node:crypto";
import { badInput, conflict, DomainError, forbidden, notFound } from "../errors.js";
import type { AcceptedInvitationModel, Principal, TeamRole } from "../models.js";
import type { ApiData } from "../data.js";
import { requireOwner, requireTeamKey } from "./access.js";
import { hashSecret } from "./api-keys.service.js";
import { isUuid } from "../lib/ids.js";

const ROLES: TeamRole[] = ["OWNER", "MEMBER", "VIEWER"];
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** What MembersService reads and writes (service tests mock only this). */
export type MembersData = Pick<
  ApiData,
  "listMembers" | "getMembership" | "listInvitations" | "createInvitation" | "getInvitation" | "revokeInvitation" | "findInvitationByCode" | "acceptInvitation" | "changeMember"
>;

/**
 * Members, roles and invitations. Every change (and its audit line, and the NOTIFY that ends the
 * affected subscriptions) happens in one transaction in db/src/queries/api/members.queries.ts.
 */
export class MembersService {
  constructor(private readonly data: MembersData) {}

  /** Any member of `teamId` may list its members; another team's id answers NOT_FOUND. */
  async members(p: Principal, teamId: string) {
    requireTeamKey(p);
    if (!isUuid(teamId) || !(await this.data.getMembership(teamId, p.userId))) throw notFound("team");
    return this.data.listMembers(teamId);
  }

  invitations(p: Principal) {
    requireOwner(p, "see invitations");
    return this.data.listInvitations(p.teamId);
  }

  async createInvitation(p: Principal, role: TeamRole, expiresInHours: number | null | undefined) {
    requireOwner(p, "invite members");
    if (!ROLES.includes(role)) throw badInput("role", "role must be OWNER, MEMBER or VIEWER");
    const hours = expiresInHours ?? 72;
    if (!Number.isInteger(hours) || hours < 1 || hours > 720) throw badInput("expiresInHours", "expiresInHours must be an integer from 1 to 720");
    const code = `inv_${randomBytes(32).toString("base64url")}`;
    const invitation = await this.data.createInvitation({
      teamId: p.teamId,
      role,
      codeHash: sha256(code),
      createdBy: p.userId,
      expiresAt: new Date(Date.now() + hours * 3_600_000),
    });
    return { invitation, code };
  }

  async revokeInvitation(p: Principal, id: string) {
    requireOwner(p, "revoke invitations");
    const inv = isUuid(id) ? await this.data.getInvitation(p.teamId, id) : null;
    if (!inv) throw notFound("invitation");
    if (inv.acceptedAt) throw conflict("this invitation was already accepted; remove the member instead");
    return (await this.data.revokeInvitation(p.teamId, id, p.userId))!;
  }

  /** `caller` null: a new person (name required). Otherwise that user joins the invitation's team. */
  async accept(caller: Principal | null, a: { code: string; name?: string | null; email?: string | null }): Promise<AcceptedInvitationModel> {
    if (caller) requireTeamKey(caller);
    const code = a.code.trim();
    if (!/^inv_[A-Za-z0-9_-]{20,100}$/.test(code)) throw notFound("invitation");
    const codeHash = sha256(code);
    const found = await this.data.findInvitationByCode(codeHash);
    if (!found) throw notFound("invitation");
    const gone = () => {
      const inv = found.invitation;
      if (inv.acceptedAt) return forbidden("this invitation was already used");
      if (inv.revokedAt) return forbidden("this invitation was revoked");
      if (found.expired) return forbidden("this invitation expired");
      return forbidden("this invitation was already used");
    };
    let newUser: { name: string; email: string | null } | null = null;
    if (!caller) {
      const name = (a.name ?? "").trim();
      if (name.length < 1 || name.length > 100) throw badInput("name", "name must be 1–100 characters (who is joining)");
      const email = a.email?.trim() || null;
      // 254: the longest address SMTP allows (and far below PostgreSQL's index row limit on users.email)
      if (email && (email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email))) throw badInput("email", "email is not an address (at most 254 characters)");
      newUser = { name, email };
    }
    const inv = found.invitation;
    if (inv.acceptedAt || inv.revokedAt || found.expired) throw gone();
    const secret = `sk_${randomBytes(32).toString("base64url")}`;
    const out = await this.data.acceptInvitation({
      codeHash,
      existingUserId: caller?.userId ?? null,
      newUser,
      key: { name: "invitation", prefix: secret.slice(0, 10), secretHash: hashSecret(secret) },
    });
    if (!out.ok) {
      if (out.reason === "already_member") throw conflict("you are already a member of this team");
      if (out.reason === "email_taken") throw conflictEmail();
      // someone else used it between the read and the update
      throw forbidden("this invitation was already used");
    }
    return {
      team: { id: out.team.id, name: out.team.name, role: out.role },
      user: out.user,
      apiKey: { apiKey: out.key, secret },
    };
  }

  async setRole(p: Principal, userId: string, role: TeamRole) {
    requireOwner(p, "change roles");
    if (!ROLES.includes(role)) throw badInput("role", "role must be OWNER, MEMBER or VIEWER");
    if (!isUuid(userId)) throw notFound("member");
    const r = await this.data.changeMember({ teamId: p.teamId, userId, role, actorUserId: p.userId });
    if (!r.ok) throw r.reason === "not_member" ? notFound("member") : conflict("the team's last OWNER cannot be demoted; make someone else OWNER first");
    return r.after!;
  }

  /** OWNER removes anyone; anyone may remove themselves (leave). The last OWNER stays (CONFLICT). */
  async remove(p: Principal, userId: string) {
    requireTeamKey(p);
    if (userId !== p.userId) requireOwner(p, "remove other members");
    if (!isUuid(userId)) throw notFound("member");
    const r = await this.data.changeMember({ teamId: p.teamId, userId, role: null, actorUserId: p.userId });
    if (!r.ok) throw r.reason === "not_member" ? notFound("member") : conflict("the team's last OWNER cannot be removed; make someone else OWNER first");
    return r.before;
  }
}

function conflictEmail() {
  return new DomainError("CONFLICT", "a user with this email already exists: accept the invitation with that user's API key instead", "email");
}
