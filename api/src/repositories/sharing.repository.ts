import { apiQueries, type DbHandle } from "@studio/db";

type RunAccess = apiQueries.RunAccess;

/**
 * Shares, the access log, and reads through "readable runs": the caller's team's own runs, runs
 * shared with that team, or the one run of a share link (apiQueries.runReadable).
 */
export class SharingRepository {
  constructor(private readonly handle: DbHandle) {}
  private get db() {
    return this.handle.db;
  }

  runsByIds(a: RunAccess, ids: readonly string[]) {
    return apiQueries.readableRunsByIds(this.db, a, ids);
  }
  checkpointsByIds(a: RunAccess, ids: readonly string[]) {
    return apiQueries.readableCheckpointsByIds(this.db, a, ids);
  }
  checkpointsByRunIds(a: RunAccess, ids: readonly string[]) {
    return apiQueries.readableCheckpointsByRunIds(this.db, a, ids);
  }
  samplesByRunIds(a: RunAccess, ids: readonly string[]) {
    return apiQueries.readableSamplesByRunIds(this.db, a, ids);
  }
  samplesByIds(a: RunAccess, ids: readonly string[]) {
    return apiQueries.readableSamplesByIds(this.db, a, ids);
  }
  subjectsByIds(a: RunAccess, ids: readonly string[]) {
    return apiQueries.readableSubjectsByIds(this.db, a, ids);
  }
  /** Call only with subject ids of authorized runs. */
  cardImagesBySubjectIds(ids: readonly string[]) {
    return apiQueries.cardImagesBySubjectIds(this.db, ids);
  }
  /** Call only with authorized checkpoint ids. */
  latestScoresByCheckpointIds(ids: readonly string[]) {
    return apiQueries.latestScoresByCheckpointIds(this.db, ids);
  }
  usersByIds(ids: readonly string[]) {
    return apiQueries.usersByIds(this.db, ids);
  }
  teamNamesByIds(ids: readonly string[]) {
    return apiQueries.teamNamesByIds(this.db, ids);
  }

  createShare(s: Parameters<typeof apiQueries.createShare>[1]) {
    return apiQueries.createShare(this.db, s);
  }
  getShare(teamId: string, id: string) {
    return apiQueries.getShare(this.db, teamId, id);
  }
  revokeShare(teamId: string, id: string, actorUserId: string) {
    return apiQueries.revokeShare(this.db, teamId, id, actorUserId);
  }
  listShares(teamId: string, runId: string | null) {
    return apiQueries.listShares(this.db, teamId, runId);
  }
  sharesToTeam(teamId: string) {
    return apiQueries.sharesToTeam(this.db, teamId);
  }
  findLinkShare(tokenHash: string) {
    return apiQueries.findLinkShare(this.db, tokenHash);
  }
  findLinkShareById(id: string) {
    return apiQueries.findLinkShareById(this.db, id);
  }
  principalByKeyId(keyId: string) {
    return apiQueries.findPrincipalByKeyId(this.db, keyId);
  }
  listAudit(teamId: string, limit: number) {
    return apiQueries.listAudit(this.db, teamId, limit);
  }
}
