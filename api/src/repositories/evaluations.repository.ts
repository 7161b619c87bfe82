import { apiQueries, type DbHandle } from "@studio/db";

/** Evaluations (docs/evaluation-contract.md). Reads are scoped to a team; the scorer's lease calls are not (it serves every team). */
export class EvaluationsRepository {
  constructor(private readonly handle: DbHandle) {}
  private get db() {
    return this.handle.db;
  }

  insert(rows: apiQueries.NewEvaluation[]) {
    return apiQueries.insertEvaluations(this.db, rows);
  }
  checkpointsWithoutAutomatic(since: Date, limit?: number) {
    return apiQueries.checkpointsWithoutAutomaticEvaluation(this.db, since, limit);
  }
  get(teamId: string, id: string) {
    return apiQueries.getEvaluation(this.db, teamId, id);
  }
  byIds(teamId: string, ids: readonly string[]) {
    return apiQueries.evaluationsByIds(this.db, teamId, ids);
  }
  byCheckpointIds(teamId: string, ids: readonly string[]) {
    return apiQueries.evaluationsByCheckpointIds(this.db, teamId, ids);
  }
  byRunIds(teamId: string, ids: readonly string[]) {
    return apiQueries.evaluationsByRunIds(this.db, teamId, ids);
  }
  active(teamId: string, checkpointId: string, protocol: apiQueries.EvaluationRow["protocol"]) {
    return apiQueries.activeEvaluation(this.db, teamId, checkpointId, protocol);
  }
  claimScoring(owner: string, leaseMs: number) {
    return apiQueries.claimScoring(this.db, owner, leaseMs);
  }
  heartbeatScoring(id: string, owner: string, leaseMs: number, imagesScored: number) {
    return apiQueries.heartbeatScoring(this.db, id, owner, leaseMs, imagesScored);
  }
  finishScoring(id: string, owner: string, outcome: apiQueries.ScoringOutcome) {
    return apiQueries.finishScoring(this.db, id, owner, outcome);
  }
}
