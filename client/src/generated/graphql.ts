/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type CheckpointEncoding =
  /** The stage-2 UNet is stored as a lossless delta against the base model's UNet (STUDIO_CHECKPOINT_ENCODING=delta on the trainer). */
  | 'DELTA'
  /** Every file is plain safetensors. */
  | 'PLAIN';

export type CreateShareInput = {
  /** 1–8760; null: until revoked. */
  expiresInHours?: number | null | undefined;
  kind: ShareKind;
  /** LINK only: no downloads, no model-card images; generate only. */
  promptOnly?: boolean | null | undefined;
  runId: string | number;
  /** TEAM: the team to share with (not your own). */
  targetTeamId?: string | number | null | undefined;
};

export type CreateSubjectInput = {
  classNoun: string;
  kind?: SubjectKind | null | undefined;
  name: string;
};

/** docs/evaluation-contract.md §4. */
export type EvaluationProtocol =
  /** The 25 DreamBooth prompts (object or live list by Subject.kind) × 4 images. */
  | 'DIVERSE'
  /** 4 DreamBooth prompts × 2 images; runs automatically on every new checkpoint. */
  | 'QUICK'
  /** `a photo of <token> <class>` × 64 images. */
  | 'SIMPLE';

export type EvaluationState =
  | 'FAILED'
  /** A trainer is generating the images. */
  | 'GENERATING'
  | 'QUEUED'
  /** The evaluator is embedding and scoring them. */
  | 'SCORING'
  | 'SUCCEEDED';

/**
 * DIFFUSERS: the diffusers folder layout (StableDiffusionPipeline.from_pretrained + load_textual_inversion
 * for the token's learned_embeds.safetensors). SINGLE_FILE: one safetensors checkpoint in the original
 * Stable Diffusion key layout (AUTOMATIC1111, ComfyUI) plus the embedding as a separate file in the
 * layout they expect. CHECKPOINT: the checkpoint's own files, always plain safetensors —
 * embedding.safetensors, unet.safetensors (a compact checkpoint's UNet decoded against its base model) and
 * checkpoint.json listing them — byte-identical to a plain checkpoint of the same weights; what
 * `studio checkpoints download` fetches for a checkpoint whose `encoding` is DELTA.
 */
export type ExportFormat =
  | 'CHECKPOINT'
  | 'DIFFUSERS'
  | 'SINGLE_FILE';

export type GenerateInput = {
  checkpointId: string | number;
  /** 1–16 images. */
  count?: number | null | undefined;
  /** 0–50. */
  guidanceScale?: number | null | undefined;
  height?: number | null | undefined;
  negativePrompt?: string | null | undefined;
  /** 1–2000 characters. */
  prompt: string;
  /** The sampler (default DDIM, as the training samples). */
  scheduler?: GenerationScheduler | null | undefined;
  /** 0–4294967295; random when omitted. */
  seed?: number | null | undefined;
  /** 1–200. */
  steps?: number | null | undefined;
  /**
   * Image size in pixels, multiples of 8 from half the base model's resolution to twice it (at most 1024;
   * Stable Diffusion 2.1 base: 256–1024). Omitted: the base model's resolution. One given: the other is the
   * base model's resolution. A share link may ask for no more pixels than the base model's resolution.
   */
  width?: number | null | undefined;
};

/**
 * DDIM: deterministic, the training samples' sampler. DPM_SOLVER: DPM-Solver++ (2M), good images in 15–25
 * steps. EULER_ANCESTRAL: stochastic (its noise comes from the image's seed, so still repeatable).
 */
export type GenerationScheduler =
  | 'DDIM'
  | 'DPM_SOLVER'
  | 'EULER_ANCESTRAL';

export type GenerationState =
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type ImportFileRole =
  /** The single-file safetensors checkpoint (original Stable Diffusion key layout). */
  | 'CHECKPOINT'
  /** The token's embedding (safetensors, A1111 / ComfyUI layout or diffusers' learned_embeds). */
  | 'EMBEDDING';

export type ImportModelInput = {
  /** The base model the weights were trained from (e.g. stable-diffusion-2-1-base, tiny-random). */
  baseModel: string;
  checkpointUploadId: string | number;
  /** Lowercase noun like `backpack` (as for subjects). */
  classNoun: string;
  /** Optional: the token's embedding file. */
  embeddingUploadId?: string | number | null | undefined;
  kind?: SubjectKind | null | undefined;
  /** 1–100 characters; the new subject's name. */
  name: string;
  /** The placeholder token the embedding is for, e.g. <rare>. Default: the embedding's own name. */
  token?: string | null | undefined;
};

export type PhaseState =
  | 'ENDED'
  | 'STARTED';

export type RunMethod =
  /** Baseline: identifier `sks`, prior preservation with generated class images. */
  | 'DREAMBOOTH'
  /** Baseline: a new noun token <s*>, thousands of steps. */
  | 'TEXTUAL_INVERSION'
  /** The paper's method: stage 1 token inversion of <rare>, stage 2 UNet fine-tune. */
  | 'TWO_STAGE';

/** A run phase that is not a training stage. */
export type RunPhase =
  /** The engine loads the base model (tokenizer, text encoder, VAE, UNet) before training. */
  | 'LOADING_BASE_MODEL';

export type RunState =
  | 'CANCELED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type ShareKind =
  /** Whoever holds the link token (`shl_…`): read the run and its checkpoints, generate, download unless promptOnly. */
  | 'LINK'
  /** Read-only for another team: see the run, its checkpoints, samples and model card, download the files, generate. */
  | 'TEAM';

/** Omitted fields take the method's defaults (the paper's; `runMethods` lists them with the limits): TWO_STAGE 100 @ 5e-4 then 400 @ 5e-6, checkpoint every 200. */
export type StartRunInput = {
  baseModel?: string | null | undefined;
  /** Steps between checkpoints of stage 2 (TWO_STAGE, DREAMBOOTH; default 200) or of TEXTUAL_INVERSION's only stage (default 500). */
  checkpointEvery?: number | null | undefined;
  /** Clip the global gradient norm of every training stage to this, in (0, 1000]; omitted: 1.0 (as diffusers' train_dreambooth.py); null: no clipping. */
  maxGradNorm?: number | null | undefined;
  method?: RunMethod | null | undefined;
  /** Stage-2 defaults: SECTION_3_2 (default) or the paper's evaluation protocol SECTION_4_1. Explicit step fields win. */
  preset?: TrainingPreset | null | undefined;
  /** A multiple of 8 in 64–1024; null for the base model's own. */
  resolution?: number | null | undefined;
  /** Up to 16 prompts of up to 500 characters; default `a photo of <token> <classNoun>`. */
  samplePrompts?: Array<string> | null | undefined;
  /** 0–4294967295. */
  seed?: number | null | undefined;
  /** (0, 1]. */
  stage1LearningRate?: number | null | undefined;
  /** 1–20000 (TWO_STAGE, TEXTUAL_INVERSION). */
  stage1Steps?: number | null | undefined;
  stage2LearningRate?: number | null | undefined;
  /** 1–20000 (TWO_STAGE, DREAMBOOTH). */
  stage2Steps?: number | null | undefined;
  subjectId: string | number;
};

/** OBJECT or LIVE decides which DreamBooth evaluation prompt list applies. */
export type SubjectKind =
  | 'LIVE'
  | 'OBJECT';

export type TeamRole =
  | 'MEMBER'
  | 'OWNER'
  | 'VIEWER';

/** Named training presets (trainer/engine/README.md, "Methods and defaults"). */
export type TrainingPreset =
  /** The method as the paper's §3.2 describes it: TWO_STAGE stage 2 runs 400 steps (DREAMBOOTH 800). */
  | 'SECTION_3_2'
  /** The paper's evaluation protocol (§4.1): stage 2 runs 800 steps with a checkpoint every 200. */
  | 'SECTION_4_1';

/** Shared by exports and imports; every change is a conditional update (QUEUED → RUNNING → SUCCEEDED | FAILED). */
export type TransferState =
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type EvaluationFieldsFragment = { id: string, protocol: EvaluationProtocol, automatic: boolean, state: EvaluationState, progress: number, imagesTotal: number, imagesDone: number, imagesScored: number, clipI: number | null, clipT: number | null, dino: number | null, createdAt: string, finishedAt: string | null, checkpoint: { id: string, stage: string, step: number }, drift: { prompt: string, clipI: number, dino: number, threshold: number, flagged: boolean } | null, error: { code: string, message: string } | null };

export type EvaluateCheckpointMutationVariables = Exact<{
  checkpointId: string | number;
  protocol: EvaluationProtocol;
}>;


export type EvaluateCheckpointMutation = { evaluateCheckpoint: { id: string, protocol: EvaluationProtocol, automatic: boolean, state: EvaluationState, progress: number, imagesTotal: number, imagesDone: number, imagesScored: number, clipI: number | null, clipT: number | null, dino: number | null, createdAt: string, finishedAt: string | null, checkpoint: { id: string, stage: string, step: number }, drift: { prompt: string, clipI: number, dino: number, threshold: number, flagged: boolean } | null, error: { code: string, message: string } | null } };

export type EvaluationQueryVariables = Exact<{
  id: string | number;
}>;


export type EvaluationQuery = { evaluation: { id: string, protocol: EvaluationProtocol, automatic: boolean, state: EvaluationState, progress: number, imagesTotal: number, imagesDone: number, imagesScored: number, clipI: number | null, clipT: number | null, dino: number | null, createdAt: string, finishedAt: string | null, checkpoint: { id: string, stage: string, step: number }, drift: { prompt: string, clipI: number, dino: number, threshold: number, flagged: boolean } | null, error: { code: string, message: string } | null } | null };

export type CheckpointEvaluationsQueryVariables = Exact<{
  id: string | number;
}>;


export type CheckpointEvaluationsQuery = { checkpoint: { id: string, evaluations: Array<{ id: string, protocol: EvaluationProtocol, automatic: boolean, state: EvaluationState, progress: number, imagesTotal: number, imagesDone: number, imagesScored: number, clipI: number | null, clipT: number | null, dino: number | null, createdAt: string, finishedAt: string | null, checkpoint: { id: string, stage: string, step: number }, drift: { prompt: string, clipI: number, dino: number, threshold: number, flagged: boolean } | null, error: { code: string, message: string } | null }> } | null };

export type EvaluationUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type EvaluationUpdatedSubscription = { evaluationUpdated: { id: string, protocol: EvaluationProtocol, automatic: boolean, state: EvaluationState, progress: number, imagesTotal: number, imagesDone: number, imagesScored: number, clipI: number | null, clipT: number | null, dino: number | null, createdAt: string, finishedAt: string | null, checkpoint: { id: string, stage: string, step: number }, drift: { prompt: string, clipI: number, dino: number, threshold: number, flagged: boolean } | null, error: { code: string, message: string } | null } };

export type GenerationFieldsFragment = { id: string, prompt: string, negativePrompt: string | null, seed: number, steps: number, guidanceScale: number, count: number, state: GenerationState, stepsDone: number, stepsTotal: number, width: number | null, height: number | null, scheduler: GenerationScheduler, createdAt: string, finishedAt: string | null, checkpoint: { id: string }, images: Array<{ index: number, seed: number, url: string }>, error: { code: string, message: string } | null };

export type GenerateMutationVariables = Exact<{
  input: GenerateInput;
}>;


export type GenerateMutation = { generate: { id: string, prompt: string, negativePrompt: string | null, seed: number, steps: number, guidanceScale: number, count: number, state: GenerationState, stepsDone: number, stepsTotal: number, width: number | null, height: number | null, scheduler: GenerationScheduler, createdAt: string, finishedAt: string | null, checkpoint: { id: string }, images: Array<{ index: number, seed: number, url: string }>, error: { code: string, message: string } | null } };

export type GenerationQueryVariables = Exact<{
  id: string | number;
}>;


export type GenerationQuery = { generation: { id: string, prompt: string, negativePrompt: string | null, seed: number, steps: number, guidanceScale: number, count: number, state: GenerationState, stepsDone: number, stepsTotal: number, width: number | null, height: number | null, scheduler: GenerationScheduler, createdAt: string, finishedAt: string | null, checkpoint: { id: string }, images: Array<{ index: number, seed: number, url: string }>, error: { code: string, message: string } | null } | null };

export type GenerationUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type GenerationUpdatedSubscription = { generationUpdated: { id: string, prompt: string, negativePrompt: string | null, seed: number, steps: number, guidanceScale: number, count: number, state: GenerationState, stepsDone: number, stepsTotal: number, width: number | null, height: number | null, scheduler: GenerationScheduler, createdAt: string, finishedAt: string | null, checkpoint: { id: string }, images: Array<{ index: number, seed: number, url: string }>, error: { code: string, message: string } | null } };

export type RunFieldsFragment = { id: string, method: RunMethod, baseModel: string, state: RunState, stage: string | null, step: number, totalSteps: number, cancelRequested: boolean, lastEventSeq: number, createdAt: string, startedAt: string | null, finishedAt: string | null, queuePosition: number | null, estimatedStartAt: string | null, attempt: number, maxAttempts: number, attemptErrors: Array<{ attempt: number, code: string, message: string, at: string }>, subject: { id: string, name: string, classNoun: string }, error: { code: string, message: string, logTail: string | null } | null, checkpoints: Array<{ id: string, stage: string, step: number, sizeBytes: number, sha256: string, createdAt: string }> };

export type RunQueryVariables = Exact<{
  id: string | number;
}>;


export type RunQuery = { run: { id: string, method: RunMethod, baseModel: string, state: RunState, stage: string | null, step: number, totalSteps: number, cancelRequested: boolean, lastEventSeq: number, createdAt: string, startedAt: string | null, finishedAt: string | null, queuePosition: number | null, estimatedStartAt: string | null, attempt: number, maxAttempts: number, attemptErrors: Array<{ attempt: number, code: string, message: string, at: string }>, subject: { id: string, name: string, classNoun: string }, error: { code: string, message: string, logTail: string | null } | null, checkpoints: Array<{ id: string, stage: string, step: number, sizeBytes: number, sha256: string, createdAt: string }> } | null };

export type RunsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  subjectId?: string | number | null | undefined;
  state?: RunState | null | undefined;
}>;


export type RunsQuery = { runs: { edges: Array<{ node: { id: string, method: RunMethod, baseModel: string, state: RunState, stage: string | null, step: number, totalSteps: number, cancelRequested: boolean, lastEventSeq: number, createdAt: string, startedAt: string | null, finishedAt: string | null, queuePosition: number | null, estimatedStartAt: string | null, attempt: number, maxAttempts: number, attemptErrors: Array<{ attempt: number, code: string, message: string, at: string }>, subject: { id: string, name: string, classNoun: string }, error: { code: string, message: string, logTail: string | null } | null, checkpoints: Array<{ id: string, stage: string, step: number, sizeBytes: number, sha256: string, createdAt: string }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type StartRunMutationVariables = Exact<{
  input: StartRunInput;
}>;


export type StartRunMutation = { startRun: { id: string, method: RunMethod, baseModel: string, state: RunState, stage: string | null, step: number, totalSteps: number, cancelRequested: boolean, lastEventSeq: number, createdAt: string, startedAt: string | null, finishedAt: string | null, queuePosition: number | null, estimatedStartAt: string | null, attempt: number, maxAttempts: number, attemptErrors: Array<{ attempt: number, code: string, message: string, at: string }>, subject: { id: string, name: string, classNoun: string }, error: { code: string, message: string, logTail: string | null } | null, checkpoints: Array<{ id: string, stage: string, step: number, sizeBytes: number, sha256: string, createdAt: string }> } };

export type CancelRunMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelRunMutation = { cancelRun: { id: string, method: RunMethod, baseModel: string, state: RunState, stage: string | null, step: number, totalSteps: number, cancelRequested: boolean, lastEventSeq: number, createdAt: string, startedAt: string | null, finishedAt: string | null, queuePosition: number | null, estimatedStartAt: string | null, attempt: number, maxAttempts: number, attemptErrors: Array<{ attempt: number, code: string, message: string, at: string }>, subject: { id: string, name: string, classNoun: string }, error: { code: string, message: string, logTail: string | null } | null, checkpoints: Array<{ id: string, stage: string, step: number, sizeBytes: number, sha256: string, createdAt: string }> } };

export type CheckpointQueryVariables = Exact<{
  id: string | number;
}>;


export type CheckpointQuery = { checkpoint: { id: string, stage: string, step: number, sizeBytes: number, sha256: string, downloadUrl: string, createdAt: string, encoding: CheckpointEncoding, files: Array<{ name: string, sizeBytes: number, sha256: string, url: string }>, run: { id: string, method: RunMethod, baseModel: string, subject: { id: string, name: string, classNoun: string } } } | null };

export type RunEventBatchesSubscriptionVariables = Exact<{
  runId: string | number;
  afterSeq?: number | null | undefined;
}>;


export type RunEventBatchesSubscription = { runEventBatches: { lastSeq: number, events: Array<
      | { __typename: 'CheckpointSaved', seq: number, at: string, stage: string, step: number, checkpoint: { id: string, stage: string, step: number } | null }
      | { __typename: 'EvaluationUpdated', seq: number, at: string, checkpointId: string, protocol: EvaluationProtocol, evaluationState: EvaluationState, clipI: number | null, clipT: number | null, dino: number | null }
      | { __typename: 'LossLogged', seq: number, at: string, stage: string, step: number, loss: number, learningRate: number }
      | { __typename: 'PhaseChanged', seq: number, at: string, phase: RunPhase, phaseState: PhaseState, baseModel: string | null, durationMs: number | null, warmEngine: boolean | null }
      | { __typename: 'RunStateChanged', seq: number, at: string, state: RunState, previousState: RunState | null, errorCode: string | null, errorMessage: string | null }
      | { __typename: 'SampleSaved', seq: number, at: string, stage: string, step: number, prompt: string, promptIndex: number, seed: number, url: string | null }
      | { __typename: 'StageStarted', seq: number, at: string, stage: string, totalSteps: number }
    > } };

export type ShareFieldsFragment = { id: string, kind: ShareKind, promptOnly: boolean, expiresAt: string | null, createdAt: string, revokedAt: string | null, active: boolean, run: { id: string }, targetTeam: { id: string, name: string } | null };

export type CreateShareMutationVariables = Exact<{
  input: CreateShareInput;
}>;


export type CreateShareMutation = { createShare: { token: string | null, url: string | null, share: { id: string, kind: ShareKind, promptOnly: boolean, expiresAt: string | null, createdAt: string, revokedAt: string | null, active: boolean, run: { id: string }, targetTeam: { id: string, name: string } | null } } };

export type RevokeShareMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeShareMutation = { revokeShare: { id: string, kind: ShareKind, promptOnly: boolean, expiresAt: string | null, createdAt: string, revokedAt: string | null, active: boolean, run: { id: string }, targetTeam: { id: string, name: string } | null } };

export type SharesQueryVariables = Exact<{
  runId?: string | number | null | undefined;
}>;


export type SharesQuery = { shares: Array<{ id: string, kind: ShareKind, promptOnly: boolean, expiresAt: string | null, createdAt: string, revokedAt: string | null, active: boolean, run: { id: string }, targetTeam: { id: string, name: string } | null }> };

export type SharedWithMeQueryVariables = Exact<{ [key: string]: never; }>;


export type SharedWithMeQuery = { sharedWithMe: Array<{ shareId: string, promptOnly: boolean, sharedAt: string, expiresAt: string | null, team: { id: string, name: string }, run: { id: string, method: RunMethod, state: RunState, subject: { name: string, classNoun: string } } }> };

export type SubjectFieldsFragment = { id: string, name: string, classNoun: string, kind: SubjectKind, createdAt: string, images: Array<{ id: string, filename: string, width: number, height: number }> };

export type SubjectsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SubjectsQuery = { subjects: { edges: Array<{ node: { id: string, name: string, classNoun: string, kind: SubjectKind, createdAt: string, images: Array<{ id: string, filename: string, width: number, height: number }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type SubjectQueryVariables = Exact<{
  id: string | number;
}>;


export type SubjectQuery = { subject: { id: string, name: string, classNoun: string, kind: SubjectKind, createdAt: string, images: Array<{ id: string, filename: string, width: number, height: number }> } | null };

export type CreateSubjectMutationVariables = Exact<{
  input: CreateSubjectInput;
}>;


export type CreateSubjectMutation = { createSubject: { id: string, name: string, classNoun: string, kind: SubjectKind, createdAt: string, images: Array<{ id: string, filename: string, width: number, height: number }> } };

export type CreateImageUploadMutationVariables = Exact<{
  subjectId: string | number;
  filename: string;
  contentType: string;
  byteSize: number;
}>;


export type CreateImageUploadMutation = { createImageUpload: { uploadId: string, url: string, fields: unknown, expiresAt: string } };

export type AddSubjectImageMutationVariables = Exact<{
  subjectId: string | number;
  uploadId: string | number;
}>;


export type AddSubjectImageMutation = { addSubjectImage: { id: string, filename: string, contentType: string, byteSize: number, sha256: string, width: number, height: number } };

export type ModelExportFieldsFragment = { id: string, format: ExportFormat, half: boolean, state: TransferState, archiveUrl: string | null, createdAt: string, finishedAt: string | null, files: Array<{ name: string, sizeBytes: number, sha256: string, url: string }>, error: { code: string, message: string } | null, checkpoint: { id: string, stage: string, step: number } };

export type ExportCheckpointMutationVariables = Exact<{
  checkpointId: string | number;
  format: ExportFormat;
  half?: boolean | null | undefined;
}>;


export type ExportCheckpointMutation = { exportCheckpoint: { id: string, format: ExportFormat, half: boolean, state: TransferState, archiveUrl: string | null, createdAt: string, finishedAt: string | null, files: Array<{ name: string, sizeBytes: number, sha256: string, url: string }>, error: { code: string, message: string } | null, checkpoint: { id: string, stage: string, step: number } } };

export type ModelExportQueryVariables = Exact<{
  id: string | number;
}>;


export type ModelExportQuery = { modelExport: { id: string, format: ExportFormat, half: boolean, state: TransferState, archiveUrl: string | null, createdAt: string, finishedAt: string | null, files: Array<{ name: string, sizeBytes: number, sha256: string, url: string }>, error: { code: string, message: string } | null, checkpoint: { id: string, stage: string, step: number } } | null };

export type ModelExportUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type ModelExportUpdatedSubscription = { modelExportUpdated: { id: string, format: ExportFormat, half: boolean, state: TransferState, archiveUrl: string | null, createdAt: string, finishedAt: string | null, files: Array<{ name: string, sizeBytes: number, sha256: string, url: string }>, error: { code: string, message: string } | null, checkpoint: { id: string, stage: string, step: number } } };

export type ModelImportFieldsFragment = { id: string, state: TransferState, name: string, classNoun: string, baseModel: string, token: string | null, createdAt: string, finishedAt: string | null, error: { code: string, message: string } | null, run: { id: string, state: RunState, method: RunMethod, baseModel: string, subject: { id: string, name: string, classNoun: string } } | null, checkpoint: { id: string, stage: string, step: number, sizeBytes: number, sha256: string } | null };

export type CreateModelImportMultipartUploadMutationVariables = Exact<{
  filename: string;
  byteSize: number;
  role: ImportFileRole;
}>;


export type CreateModelImportMultipartUploadMutation = { createModelImportMultipartUpload: { uploadId: string, partBytes: number, expiresAt: string, parts: Array<{ partNumber: number, url: string }> } };

export type CompleteModelImportUploadMutationVariables = Exact<{
  uploadId: string | number;
}>;


export type CompleteModelImportUploadMutation = { completeModelImportUpload: boolean };

export type CreateModelImportUploadMutationVariables = Exact<{
  filename: string;
  byteSize: number;
  role: ImportFileRole;
}>;


export type CreateModelImportUploadMutation = { createModelImportUpload: { uploadId: string, url: string, fields: unknown, expiresAt: string } };

export type ImportModelMutationVariables = Exact<{
  input: ImportModelInput;
}>;


export type ImportModelMutation = { importModel: { id: string, state: TransferState, name: string, classNoun: string, baseModel: string, token: string | null, createdAt: string, finishedAt: string | null, error: { code: string, message: string } | null, run: { id: string, state: RunState, method: RunMethod, baseModel: string, subject: { id: string, name: string, classNoun: string } } | null, checkpoint: { id: string, stage: string, step: number, sizeBytes: number, sha256: string } | null } };

export type ModelImportQueryVariables = Exact<{
  id: string | number;
}>;


export type ModelImportQuery = { modelImport: { id: string, state: TransferState, name: string, classNoun: string, baseModel: string, token: string | null, createdAt: string, finishedAt: string | null, error: { code: string, message: string } | null, run: { id: string, state: RunState, method: RunMethod, baseModel: string, subject: { id: string, name: string, classNoun: string } } | null, checkpoint: { id: string, stage: string, step: number, sizeBytes: number, sha256: string } | null } | null };

export type ModelImportUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type ModelImportUpdatedSubscription = { modelImportUpdated: { id: string, state: TransferState, name: string, classNoun: string, baseModel: string, token: string | null, createdAt: string, finishedAt: string | null, error: { code: string, message: string } | null, run: { id: string, state: RunState, method: RunMethod, baseModel: string, subject: { id: string, name: string, classNoun: string } } | null, checkpoint: { id: string, stage: string, step: number, sizeBytes: number, sha256: string } | null } };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { role: TeamRole, user: { id: string, name: string }, team: { id: string, name: string } } };

export type BaseModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type BaseModelsQuery = { baseModels: Array<{ id: string, description: string, resolution: number, default: boolean }> };
