/**
 * Every object key in the bucket is built here, and only here (the layout: docs/platform-contract.md,
 * "Object keys"). Rows keep the keys they were written under (`object_key` columns), so a change of layout
 * applies to new objects only. All of a team's objects live under `teams/{teamId}/`; what clients upload
 * lands first under the staging prefix `uploads/` (docs/security-uploads.md), which a lifecycle rule expires.
 * infra/src/minio-users.ts grants each service write access by TEAM_AREAS.
 */
export const STAGING_PREFIX = "uploads/";

/** The folders under `teams/{teamId}/`, by who writes them: the API (subjects, importFiles) or the trainer (the rest). */
export const TEAM_AREAS = {
  subjects: "subjects",
  importFiles: "imports/files",
  runs: "runs",
  generations: "generations",
  evaluations: "evaluations",
  exports: "exports",
} as const;
const IMPORT_UPLOADS = "imports";

const team = (teamId: string, area: string) => `teams/${teamId}/${area}`;

/** `stage2-step-000200`: a checkpoint's folder name (zero-padded step), also in sample keys and the engine's folders. */
export function stepName(stage: string, step: number): string {
  return `${stage}-step-${String(step).padStart(6, "0")}`;
}

type RunObject = { teamId: string; runId: string; attempt: number; stage: string; step: number };

export const objectKeys = {
  /** A subject photo as uploaded (presigned POST; staging). */
  subjectUpload: (teamId: string, subjectId: string, uploadId: string, filename: string) =>
    `${STAGING_PREFIX}${team(teamId, TEAM_AREAS.subjects)}/${subjectId}/${uploadId}/${filename}`,
  /** The validated photo (exactly the uploaded bytes). */
  subjectImage: (teamId: string, subjectId: string, imageId: string, filename: string) => `${team(teamId, TEAM_AREAS.subjects)}/${subjectId}/images/${imageId}/${filename}`,
  /** Its EXIF-oriented WebP display copy. */
  subjectDisplay: (teamId: string, subjectId: string, imageId: string) => `${team(teamId, TEAM_AREAS.subjects)}/${subjectId}/display/${imageId}.webp`,
  /** A model card's thumbnail of a subject photo, `px` on its longer side. */
  subjectThumb: (teamId: string, subjectId: string, imageId: string, px: number) => `${team(teamId, TEAM_AREAS.subjects)}/${subjectId}/thumbs/${imageId}-${px}.webp`,

  /** A training sample; attempt-scoped, so a fenced-off attempt never overwrites its successor's objects. */
  sample: (o: RunObject & { promptIndex: number; seed: number }) =>
    `${team(o.teamId, TEAM_AREAS.runs)}/${o.runId}/samples/a${o.attempt}/${stepName(o.stage, o.step)}-p${o.promptIndex}-s${o.seed}.png`,
  /** The folder of a checkpoint's files (`{folder}/{fileName}`); `attempt` null: an imported model (one attempt). */
  checkpointFolder: (o: Omit<RunObject, "attempt"> & { attempt: number | null }) =>
    `${team(o.teamId, TEAM_AREAS.runs)}/${o.runId}/checkpoints/${o.attempt === null ? "" : `a${o.attempt}/`}${stepName(o.stage, o.step)}`,
  /** The folder of a checkpoint's private training state (only a resuming trainer reads it). */
  trainingStateFolder: (o: RunObject) => `${team(o.teamId, TEAM_AREAS.runs)}/${o.runId}/training-state/a${o.attempt}/${stepName(o.stage, o.step)}`,

  /** An image of a generation (`index` zero-padded to two digits). */
  generatedImage: (o: { teamId: string; generationId: string; attempt: number; index: number; seed: number }) =>
    `${team(o.teamId, TEAM_AREAS.generations)}/${o.generationId}/a${o.attempt}/image-${String(o.index).padStart(2, "0")}-seed-${o.seed}.png`,
  /** An image an evaluation generated (`group`: which prompt set, lower-cased). */
  evaluationImage: (o: { teamId: string; evaluationId: string; group: string; promptIndex: number; seed: number }) =>
    `${team(o.teamId, TEAM_AREAS.evaluations)}/${o.evaluationId}/${o.group.toLowerCase()}-${o.promptIndex}-seed-${o.seed}.png`,
  /** A file of an export (`name`: its path inside the export). */
  exportFile: (teamId: string, exportId: string, attempt: number, name: string) => `${team(teamId, TEAM_AREAS.exports)}/${exportId}/a${attempt}/${name}`,

  /** A model file to import, as uploaded (staging). */
  importUpload: (teamId: string, uploadId: string, filename: string) => `${STAGING_PREFIX}${team(teamId, IMPORT_UPLOADS)}/${uploadId}/${filename}`,
  /** Its validated copy, which the trainer's import reads and deletes once imported. */
  importFile: (teamId: string, uploadId: string, filename: string) => `${team(teamId, TEAM_AREAS.importFiles)}/${uploadId}/${filename}`,
};
