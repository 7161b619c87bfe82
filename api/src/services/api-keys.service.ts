import { createHash, randomBytes } from "node:crypto";
import { badInput, forbidden, notFound } from "../errors.js";
import type { Principal } from "../models.js";
import type { ApiData } from "../data.js";
import { isUuid } from "../lib/ids.js";

/** The secret's first characters, stored to tell keys apart; not enough to guess the rest. */
const PREFIX_LENGTH = 10;

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

function checkName(field: string, value: string, max = 100): string {
  const v = value.trim();
  if (v.length < 1 || v.length > max) throw badInput(field, `${field} must be 1–${max} characters`);
  return v;
}

/** What ApiKeysService reads and writes. */
export type ApiKeysData = Pick<
  ApiData,
  "findPrincipalByKeyHash" | "insertApiKey" | "createTeamWithOwner" | "getApiKey" | "revokeApiKeyAudited" | "listApiKeys" | "getUser" | "getTeam" | "teamsOfUser"
>;

/**
 * API keys: creation (for the admin CLI and the createApiKey mutation), authentication of a bearer
 * secret, revocation. Only a SHA-256 of a secret is stored, so a database leak reveals no key.
 */
export class ApiKeysService {
  constructor(private readonly data: ApiKeysData) {}

  /** `Authorization: Bearer sk_…` → the principal; null for a missing, unknown or revoked key. */
  async authenticate(authorization: string | undefined | null): Promise<Principal | null> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m || m[1]!.length > 200) return null;
    return this.data.findPrincipalByKeyHash(hashSecret(m[1]!));
  }

  async create(owner: { teamId: string; userId: string }, name: string) {
    const secret = `sk_${randomBytes(32).toString("base64url")}`;
    const apiKey = await this.data.insertApiKey({
      teamId: owner.teamId,
      userId: owner.userId,
      name: checkName("name", name),
      prefix: secret.slice(0, PREFIX_LENGTH),
      secretHash: hashSecret(secret),
    });
    return { apiKey, secret };
  }

  /** Admin bootstrap: a team, its OWNER and a first key (the secret is returned once). */
  async createTeam(input: { teamName: string; userName: string; email?: string | null; keyName?: string }) {
    const teamName = checkName("name", input.teamName);
    const userName = checkName("user", input.userName);
    const email = input.email?.trim() || null;
    if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) throw badInput("email", "email is not an address");
    const { team, user } = await this.data.createTeamWithOwner({ teamName, userName, email });
    const { apiKey, secret } = await this.create({ teamId: team.id, userId: user.id }, input.keyName ?? "admin bootstrap");
    return { team, user, apiKey, secret };
  }

  /**
   * Your own key (any role), or any key of the team as OWNER; a MEMBER or VIEWER revoking another's
   * key is FORBIDDEN. Revoking twice is harmless. Open subscriptions of the key end within seconds.
   */
  async revoke(p: Principal, id: string) {
    const key = isUuid(id) ? await this.data.getApiKey(p.teamId, id) : null;
    if (!key) throw notFound("API key");
    if (key.userId !== p.userId && p.role !== "OWNER") throw forbidden("only the team's OWNER may revoke another member's key");
    return (await this.data.revokeApiKeyAudited(p.teamId, id, p.userId))!;
  }

  list(p: Principal) {
    return this.data.listApiKeys(p.teamId, p.role === "OWNER" ? undefined : p.userId);
  }

  async user(p: Principal) {
    return (await this.data.getUser(p.userId))!;
  }

  async team(p: Principal) {
    const t = (await this.data.getTeam(p.teamId))!;
    return { id: t.id, name: t.name, role: p.role };
  }

  teams(p: Principal) {
    return this.data.teamsOfUser(p.userId);
  }
}
