import type { apiQueries } from "@studio/db";
import DataLoader from "dataloader";
import type { CheckpointModel, EvaluationModel, RunModel, SampleModel, SubjectImageModel, SubjectModel, UserModel } from "./models.js";
import type { ApiData } from "./data.js";

/** The batched reads the loaders make. */
export type LoadersData = Pick<
  ApiData,
  | "readableSubjectsByIds"
  | "imagesBySubjectIds"
  | "runsBySubjectIds"
  | "readableRunsByIds"
  | "readableCheckpointsByIds"
  | "readableCheckpointsByRunIds"
  | "readableSamplesByIds"
  | "readableSamplesByRunIds"
  | "lossesByRunIds"
  | "cardImagesBySubjectIds"
  | "latestScoresByCheckpointIds"
  | "usersByIds"
  | "teamNamesByIds"
  | "evaluationsByIds"
  | "evaluationsByCheckpointIds"
  | "evaluationsByRunIds"
>;

type LossRow = Awaited<ReturnType<ApiData["lossesByRunIds"]>>[number];
type CardImageRow = Awaited<ReturnType<ApiData["cardImagesBySubjectIds"]>>[number];
type ScoreRow = Awaited<ReturnType<ApiData["latestScoresByCheckpointIds"]>>[number];

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
  data: LoadersData,
  // runs, their checkpoints, samples and subject are read through `access`: the team's own, runs
  // shared with the team, or a share link's one run (apiQueries.runReadable)
  access: apiQueries.RunAccess = { teamId },
) {
  return {
    subject: byId<SubjectModel>((ids) => data.readableSubjectsByIds(access, ids)),
    imagesBySubject: grouped<SubjectImageModel>(
      (ids) => data.imagesBySubjectIds(teamId, ids),
      (r) => r.subjectId,
    ),
    runsBySubject: grouped<RunModel>(
      (ids) => data.runsBySubjectIds(teamId, ids),
      (r) => r.subjectId,
    ),
    run: byId<RunModel>((ids) => data.readableRunsByIds(access, ids)),
    checkpoint: byId<CheckpointModel>((ids) => data.readableCheckpointsByIds(access, ids)),
    checkpointsByRun: grouped<CheckpointModel>(
      (ids) => data.readableCheckpointsByRunIds(access, ids),
      (r) => r.runId,
    ),
    sample: byId<SampleModel>((ids) => data.readableSamplesByIds(access, ids)),
    samplesByRun: grouped<SampleModel>(
      (ids) => data.readableSamplesByRunIds(access, ids),
      (r) => r.runId,
    ),
    // loss_points has no team column: only run ids that came from readable runs reach this
    lossesByRun: grouped<LossRow>(
      (ids) => data.lossesByRunIds(ids),
      (r) => r.runId,
    ),
    // model cards and shares: only ids that came from readable rows reach these
    cardImagesBySubject: grouped<CardImageRow>(
      (ids) => data.cardImagesBySubjectIds(ids),
      (r) => r.subjectId,
    ),
    scoresByCheckpoint: grouped<ScoreRow>(
      (ids) => data.latestScoresByCheckpointIds(ids),
      (r) => r.checkpointId,
    ),
    user: byId<UserModel>((ids) => data.usersByIds(ids)),
    teamName: byId<{ id: string; name: string }>((ids) => data.teamNamesByIds(ids)),
    evaluation: byId<EvaluationModel>((ids) => data.evaluationsByIds(teamId, ids)),
    evaluationsByCheckpoint: grouped<EvaluationModel>(
      (ids) => data.evaluationsByCheckpointIds(teamId, ids),
      (r) => r.checkpointId,
    ),
    evaluationsByRun: grouped<EvaluationModel>(
      (ids) => data.evaluationsByRunIds(teamId, ids),
      (r) => r.runId,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
