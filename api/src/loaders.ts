import DataLoader from "dataloader";
import type {
  CheckpointModel,
  RunModel,
  SampleModel,
  SubjectImageModel,
  SubjectModel,
} from "./models.js";
import type { RunsRepository } from "./repositories/runs.repository.js";
import type { SubjectsRepository } from "./repositories/subjects.repository.js";

type LossRow = Awaited<ReturnType<RunsRepository["lossesByRunIds"]>>[number];

function byId<T extends { id: string }>(load: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = await load(ids);
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

function grouped<T>(load: (ids: readonly string[]) => Promise<T[]>, key: (row: T) => string) {
  return new DataLoader<string, T[]>(async (ids) => {
    const rows = await load(ids);
    const map = new Map<string, T[]>();
    for (const r of rows) {
      const k = key(r);
      if (!map.has(k)) map.set(k, []);
      map.get(k)!.push(r);
    }
    return ids.map((id) => map.get(id) ?? []);
  });
}

/**
 * Per-request (per-subscription-operation) batching: a list of N runs with their subjects, images,
 * samples and checkpoints costs one query per relation, not one per run. Every loader is bound to
 * the caller's team, so a relation can never reach another team's rows.
 */
export function createLoaders(teamId: string, repos: { subjects: SubjectsRepository; runs: RunsRepository }) {
  return {
    subject: byId<SubjectModel>((ids) => repos.subjects.byIds(teamId, ids)),
    imagesBySubject: grouped<SubjectImageModel>((ids) => repos.subjects.imagesBySubjectIds(teamId, ids), (r) => r.subjectId),
    runsBySubject: grouped<RunModel>((ids) => repos.runs.bySubjectIds(teamId, ids), (r) => r.subjectId),
    run: byId<RunModel>((ids) => repos.runs.byIds(teamId, ids)),
    checkpoint: byId<CheckpointModel>((ids) => repos.runs.checkpointsByIds(teamId, ids)),
    checkpointsByRun: grouped<CheckpointModel>((ids) => repos.runs.checkpointsByRunIds(teamId, ids), (r) => r.runId),
    sample: byId<SampleModel>((ids) => repos.runs.samplesByIds(teamId, ids)),
    samplesByRun: grouped<SampleModel>((ids) => repos.runs.samplesByRunIds(teamId, ids), (r) => r.runId),
    // loss_points has no team column: only run ids that came from the team's own runs reach this
    lossesByRun: grouped<LossRow>((ids) => repos.runs.lossesByRunIds(ids), (r) => r.runId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
