import { apiQueries, type DbHandle } from "@studio/db";

/** Generations (prompts against a checkpoint). Every call is scoped to a team. */
export class GenerationsRepository {
  constructor(private readonly handle: DbHandle) {}

  create(g: apiQueries.NewGeneration) {
    return apiQueries.createGeneration(this.handle.db, g);
  }
  /** Only while the team has fewer than `maxUnfinished` QUEUED/RUNNING generations; `row` null otherwise. */
  createWithin(g: apiQueries.NewGeneration, maxUnfinished: number) {
    return apiQueries.createGenerationWithin(this.handle.db, g, maxUnfinished);
  }
  get(teamId: string, id: string) {
    return apiQueries.getGeneration(this.handle.db, teamId, id);
  }
  getViaShare(shareId: string, id: string) {
    return apiQueries.getGenerationViaShare(this.handle.db, shareId, id);
  }
  ofCheckpoint(teamId: string, checkpointId: string, limit: number) {
    return apiQueries.generationsOfCheckpoint(this.handle.db, teamId, checkpointId, limit);
  }
}
