import { apiQueries, type DbHandle } from "@studio/db";

/** Memberships, invitations and audited key revocation. Every call is scoped to a team. */
export class MembersRepository {
  constructor(private readonly handle: DbHandle) {}
  private get db() {
    return this.handle.db;
  }

  listMembers(teamId: string) {
    return apiQueries.listMembers(this.db, teamId);
  }
  getMembership(teamId: string, userId: string) {
    return apiQueries.getMembership(this.db, teamId, userId);
  }
  createInvitation(i: Parameters<typeof apiQueries.createInvitation>[1]) {
    return apiQueries.createInvitation(this.db, i);
  }
  listInvitations(teamId: string) {
    return apiQueries.listInvitations(this.db, teamId);
  }
  getInvitation(teamId: string, id: string) {
    return apiQueries.getInvitation(this.db, teamId, id);
  }
  revokeInvitation(teamId: string, id: string, actorUserId: string) {
    return apiQueries.revokeInvitation(this.db, teamId, id, actorUserId);
  }
  findInvitationByCode(codeHash: string) {
    return apiQueries.findInvitationByCode(this.db, codeHash);
  }
  acceptInvitation(a: Parameters<typeof apiQueries.acceptInvitation>[1]) {
    return apiQueries.acceptInvitation(this.db, a);
  }
  changeMember(c: Parameters<typeof apiQueries.changeMember>[1]) {
    return apiQueries.changeMember(this.db, c);
  }
  revokeApiKey(teamId: string, id: string, actorUserId: string | null) {
    return apiQueries.revokeApiKeyAudited(this.db, teamId, id, actorUserId);
  }
}
