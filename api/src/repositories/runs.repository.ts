import { apiQueries, listRunEvents, type DbHandle } from "@studio/db";

/** Runs, their events, losses, samples and checkpoints. Every call is scoped to a team. */
export class RunsRepository {
  constructor(private readonly handle: DbHandle) {}
  private get db() {
    return this.handle.db;
  }

  create(r: apiQueries.NewRun) {
    return apiQueries.createRun(this.db, r);
  }
  /** Only while the team has fewer than `maxUnfinished` QUEUED/RUNNING runs; `row` null otherwise. */
  createWithin(r: apiQueries.NewRun, maxUnfinished: number) {
    return apiQueries.createRunWithin(this.db, r, maxUnfinished);
  }
  get(teamId: string, id: string) {
    return apiQueries.getRun(this.db, teamId, id);
  }
  byIds(teamId: string, ids: readonly string[]) {
    return apiQueries.runsByIds(this.db, teamId, ids);
  }
  list(teamId: string, opts: Parameters<typeof apiQueries.listRuns>[2]) {
    return apiQueries.listRuns(this.db, teamId, opts);
  }
  bySubjectIds(teamId: string, ids: readonly string[]) {
    return apiQueries.runsBySubjectIds(this.db, teamId, ids);
  }
  cancelQueued(teamId: string, id: string) {
    return apiQueries.cancelQueuedRun(this.db, teamId, id);
  }
  requestCancel(teamId: string, id: string) {
    return apiQueries.requestRunCancel(this.db, teamId, id);
  }
  /** Call only after the run was found in the caller's team (run_events has no team column). */
  events(runId: string, afterSeq: number, limit = 500) {
    return listRunEvents(this.db, runId, afterSeq, limit);
  }
  /** Call only with run ids already authorized (loss_points has no team column). */
  lossesByRunIds(runIds: readonly string[]) {
    return apiQueries.lossesByRunIds(this.db, runIds);
  }
  samplesByRunIds(teamId: string, ids: readonly string[]) {
    return apiQueries.samplesByRunIds(this.db, teamId, ids);
  }
  samplesByIds(teamId: string, ids: readonly string[]) {
    return apiQueries.samplesByIds(this.db, teamId, ids);
  }
  checkpointsByRunIds(teamId: string, ids: readonly string[]) {
    return apiQueries.checkpointsByRunIds(this.db, teamId, ids);
  }
  checkpointsByIds(teamId: string, ids: readonly string[]) {
    return apiQueries.checkpointsByIds(this.db, teamId, ids);
  }
  getCheckpoint(teamId: string, id: string) {
    return apiQueries.getCheckpoint(this.db, teamId, id);
  }
  /** A run the caller may read: its team's own, shared with its team, or its share link's run. */
  async readable(a: apiQueries.RunAccess, id: string) {
    return (await apiQueries.readableRunsByIds(this.db, a, [id]))[0] ?? null;
  }
  async readableCheckpoint(a: apiQueries.RunAccess, id: string) {
    return (await apiQueries.readableCheckpointsByIds(this.db, a, [id]))[0] ?? null;
  }
}
