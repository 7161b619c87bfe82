import { apiQueries, type DbHandle } from "@studio/db";

/** Teams, users, memberships and API keys. */
export class AuthRepository {
  constructor(private readonly handle: DbHandle) {}
  private get db() {
    return this.handle.db;
  }

  principalByKeyHash(hash: string) {
    return apiQueries.findPrincipalByKeyHash(this.db, hash);
  }
  createTeamWithOwner(t: { teamName: string; userName: string; email?: string | null }) {
    return apiQueries.createTeamWithOwner(this.db, t);
  }
  insertApiKey(k: { teamId: string; userId: string; name: string; prefix: string; secretHash: string }) {
    return apiQueries.insertApiKey(this.db, k);
  }
  getApiKey(teamId: string, id: string) {
    return apiQueries.getApiKey(this.db, teamId, id);
  }
  listApiKeys(teamId: string, userId?: string) {
    return apiQueries.listApiKeys(this.db, teamId, userId);
  }
  /** Revokes with a KEY_REVOKED audit line and a NOTIFY that ends the key's open subscriptions. */
  revokeApiKey(teamId: string, id: string, actorUserId: string | null = null) {
    return apiQueries.revokeApiKeyAudited(this.db, teamId, id, actorUserId);
  }
  getUser(id: string) {
    return apiQueries.getUser(this.db, id);
  }
  getTeam(id: string) {
    return apiQueries.getTeam(this.db, id);
  }
  teamsOfUser(userId: string) {
    return apiQueries.teamsOfUser(this.db, userId);
  }
}
