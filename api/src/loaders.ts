import type { apiQueries } from "@studio/db";
import DataLoader from "dataloader";
import type { CheckpointModel, EvaluationModel, RunModel, SampleModel, SubjectImageModel, SubjectModel, UserModel } from "./models.js";
import type { EvaluationsRepository } from "./repositories/evaluations.repository.js";
import type { RunsRepository } from "./repositories/runs.repository.js";
import type { SharingRepository } from "./repositories/sharing.repository.js";
import type { SubjectsRepository } from "./repositories/subjects.repository.js";

type LossRow = Awaited<ReturnType<RunsRepository["lossesByRunIds"]>>[number];
type CardImageRow = Awaited<ReturnType<SharingRepository["cardImagesBySubjectIds"]>>[number];
type ScoreRow = Awaited<ReturnType<SharingRepository["latestScoresByCheckpointIds"]>>[number];

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
export function createLoaders(
  teamId: string,
  repos: { subjects: SubjectsRepository; runs: RunsRepository; evaluations: EvaluationsRepository; sharing: SharingRepository },
  // runs, their checkpoints, samples and subject are read through `access`: the team's own, runs
  // shared with the team, or a share link's one run (apiQueries.runReadable)
  access: apiQueries.RunAccess = { teamId },
) {
  return {
    subject: byId<SubjectModel>((ids) => repos.sharing.subjectsByIds(access, ids)),
    imagesBySubject: grouped<SubjectImageModel>(
      (ids) => repos.subjects.imagesBySubjectIds(teamId, ids),
      (r) => r.subjectId,
    ),
    runsBySubject: grouped<RunModel>(
      (ids) => repos.runs.bySubjectIds(teamId, ids),
      (r) => r.subjectId,
    ),
    run: byId<RunModel>((ids) => repos.sharing.runsByIds(access, ids)),
    checkpoint: byId<CheckpointModel>((ids) => repos.sharing.checkpointsByIds(access, ids)),
    checkpointsByRun: grouped<CheckpointModel>(
      (ids) => repos.sharing.checkpointsByRunIds(access, ids),
      (r) => r.runId,
    ),
    sample: byId<SampleModel>((ids) => repos.sharing.samplesByIds(access, ids)),
    samplesByRun: grouped<SampleModel>(
      (ids) => repos.sharing.samplesByRunIds(access, ids),
      (r) => r.runId,
    ),
    // loss_points has no team column: only run ids that came from readable runs reach this
    lossesByRun: grouped<LossRow>(
      (ids) => repos.runs.lossesByRunIds(ids),
      (r) => r.runId,
    ),
    // model cards and shares: only ids that came from readable rows reach these
    cardImagesBySubject: grouped<CardImageRow>(
      (ids) => repos.sharing.cardImagesBySubjectIds(ids),
      (r) => r.subjectId,
    ),
    scoresByCheckpoint: grouped<ScoreRow>(
      (ids) => repos.sharing.latestScoresByCheckpointIds(ids),
      (r) => r.checkpointId,
    ),
    user: byId<UserModel>((ids) => repos.sharing.usersByIds(ids)),
    teamName: byId<{ id: string; name: string }>((ids) => repos.sharing.teamNamesByIds(ids)),
    evaluation: byId<EvaluationModel>((ids) => repos.evaluations.byIds(teamId, ids)),
    evaluationsByCheckpoint: grouped<EvaluationModel>(
      (ids) => repos.evaluations.byCheckpointIds(teamId, ids),
      (r) => r.checkpointId,
    ),
    evaluationsByRun: grouped<EvaluationModel>(
      (ids) => repos.evaluations.byRunIds(teamId, ids),
      (r) => r.runId,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
