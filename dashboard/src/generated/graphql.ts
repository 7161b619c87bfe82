/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type CreateSubjectInput = {
  classNoun: string;
  kind?: SubjectKind | null | undefined;
  name: string;
};

export type GenerateInput = {
  checkpointId: string | number;
  /** 1–16 images. */
  count?: number | null | undefined;
  /** 0–50. */
  guidanceScale?: number | null | undefined;
  negativePrompt?: string | null | undefined;
  /** 1–2000 characters. */
  prompt: string;
  /** 0–4294967295; random when omitted. */
  seed?: number | null | undefined;
  /** 1–200. */
  steps?: number | null | undefined;
};

export type GenerationState =
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type RunMethod =
  /** Baseline: identifier `sks`, prior preservation with generated class images. */
  | 'DREAMBOOTH'
  /** Baseline: a new noun token <s*>, thousands of steps. */
  | 'TEXTUAL_INVERSION'
  /** The paper's method: stage 1 token inversion of <rare>, stage 2 UNet fine-tune. */
  | 'TWO_STAGE';

export type RunState =
  | 'CANCELED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type ServiceStatus =
  /** Not reachable or not working. */
  | 'DOWN'
  /** Answering normally. */
  | 'OK'
  /** Could not be checked, because something it depends on is down. */
  | 'UNKNOWN';

/** Omitted fields take the method's defaults (the paper's): TWO_STAGE 100 @ 5e-4 then 400 @ 5e-6, checkpoint every 200. */
export type StartRunInput = {
  baseModel?: string | null | undefined;
  checkpointEvery?: number | null | undefined;
  method?: RunMethod | null | undefined;
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

export type GenerationFieldsFragment = { id: string, prompt: string, negativePrompt: string | null, seed: number, steps: number, guidanceScale: number, count: number, state: GenerationState, createdAt: string, images: Array<{ index: number, seed: number, url: string }>, error: { code: string, message: string } | null };

export type CheckpointQueryVariables = Exact<{
  id: string | number;
}>;


export type CheckpointQuery = { checkpoint: { id: string, stage: string, step: number, sizeBytes: number, downloadUrl: string, generations: Array<{ id: string, prompt: string, negativePrompt: string | null, seed: number, steps: number, guidanceScale: number, count: number, state: GenerationState, createdAt: string, images: Array<{ index: number, seed: number, url: string }>, error: { code: string, message: string } | null }>, run: { id: string, method: RunMethod, subject: { id: string, name: string, classNoun: string } } } | null };

export type GenerateMutationVariables = Exact<{
  input: GenerateInput;
}>;


export type GenerateMutation = { generate: { id: string, prompt: string, negativePrompt: string | null, seed: number, steps: number, guidanceScale: number, count: number, state: GenerationState, createdAt: string, images: Array<{ index: number, seed: number, url: string }>, error: { code: string, message: string } | null } };

export type GenerationUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type GenerationUpdatedSubscription = { generationUpdated: { id: string, prompt: string, negativePrompt: string | null, seed: number, steps: number, guidanceScale: number, count: number, state: GenerationState, createdAt: string, images: Array<{ index: number, seed: number, url: string }>, error: { code: string, message: string } | null } };

export type GenerationByIdQueryVariables = Exact<{
  id: string | number;
}>;


export type GenerationByIdQuery = { generation: { id: string, prompt: string, negativePrompt: string | null, seed: number, steps: number, guidanceScale: number, count: number, state: GenerationState, createdAt: string, images: Array<{ index: number, seed: number, url: string }>, error: { code: string, message: string } | null } | null };

export type HealthQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthQuery = { health: { status: ServiceStatus, checkedAt: string, version: string, postgres: { name: string, status: ServiceStatus, latencyMs: number | null, message: string }, storage: { name: string, status: ServiceStatus, latencyMs: number | null, message: string }, engine: { name: string, status: ServiceStatus, latencyMs: number | null, message: string } } };

export type ServiceFieldsFragment = { name: string, status: ServiceStatus, latencyMs: number | null, message: string };

export type SampleFieldsFragment = { id: string, stage: string, step: number, prompt: string, promptIndex: number, url: string };

export type CheckpointFieldsFragment = { id: string, stage: string, step: number, sizeBytes: number, downloadUrl: string, createdAt: string };

export type RunsQueryVariables = Exact<{
  first?: number | null | undefined;
  subjectId?: string | number | null | undefined;
  state?: RunState | null | undefined;
}>;


export type RunsQuery = { runs: { edges: Array<{ node: { id: string, method: RunMethod, baseModel: string, state: RunState, stage: string | null, step: number, totalSteps: number, createdAt: string, subject: { id: string, name: string } } }> } };

export type RunQueryVariables = Exact<{
  id: string | number;
}>;


export type RunQuery = { run: { lastEventSeq: number, id: string, method: RunMethod, baseModel: string, config: unknown, state: RunState, stage: string | null, step: number, totalSteps: number, cancelRequested: boolean, createdAt: string, startedAt: string | null, finishedAt: string | null, subject: { id: string, name: string, classNoun: string }, error: { code: string, message: string, logTail: string | null } | null, losses: Array<{ stage: string, step: number, loss: number }>, samples: Array<{ id: string, stage: string, step: number, prompt: string, promptIndex: number, url: string }>, checkpoints: Array<{ id: string, stage: string, step: number, sizeBytes: number, downloadUrl: string, createdAt: string }> } | null };

export type RunEventsSubscriptionVariables = Exact<{
  runId: string | number;
  afterSeq?: number | null | undefined;
}>;


export type RunEventsSubscription = { runEvents:
    | { __typename: 'CheckpointSaved', seq: number, at: string, stage: string, step: number, checkpoint: { id: string, stage: string, step: number, sizeBytes: number, downloadUrl: string, createdAt: string } | null }
    | { __typename: 'LossLogged', seq: number, at: string, stage: string, step: number, loss: number }
    | { __typename: 'RunStateChanged', seq: number, at: string, state: RunState, errorCode: string | null, errorMessage: string | null }
    | { __typename: 'SampleSaved', seq: number, at: string, stage: string, step: number, prompt: string, promptIndex: number, url: string | null, sample: { id: string, stage: string, step: number, prompt: string, promptIndex: number, url: string } | null }
    | { __typename: 'StageStarted', seq: number, at: string, stage: string, totalSteps: number }
   };

export type StartRunMutationVariables = Exact<{
  input: StartRunInput;
}>;


export type StartRunMutation = { startRun: { id: string } };

export type CancelRunMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelRunMutation = { cancelRun: { id: string, state: RunState, cancelRequested: boolean } };

export type SubjectImageFieldsFragment = { id: string, url: string, filename: string, contentType: string, byteSize: number, width: number, height: number };

export type SubjectsQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type SubjectsQuery = { subjects: { edges: Array<{ node: { id: string, name: string, classNoun: string, kind: SubjectKind, createdAt: string, images: Array<{ id: string, url: string, filename: string }> } }> } };

export type SubjectSummaryFragment = { id: string, name: string, classNoun: string, kind: SubjectKind, createdAt: string, images: Array<{ id: string, url: string, filename: string }> };

export type SubjectQueryVariables = Exact<{
  id: string | number;
}>;


export type SubjectQuery = { subject: { id: string, name: string, classNoun: string, kind: SubjectKind, createdAt: string, images: Array<{ id: string, url: string, filename: string, contentType: string, byteSize: number, width: number, height: number }>, runs: Array<{ id: string, state: RunState, method: RunMethod, createdAt: string }> } | null };

export type CreateSubjectMutationVariables = Exact<{
  input: CreateSubjectInput;
}>;


export type CreateSubjectMutation = { createSubject: { id: string, name: string } };

export type CreateImageUploadMutationVariables = Exact<{
  subjectId: string | number;
  filename: string;
  contentType: string;
  byteSize: number;
}>;


export type CreateImageUploadMutation = { createImageUpload: { uploadId: string, url: string, headers: unknown } };

export type AddSubjectImageMutationVariables = Exact<{
  subjectId: string | number;
  uploadId: string | number;
}>;


export type AddSubjectImageMutation = { addSubjectImage: { id: string, url: string, filename: string, contentType: string, byteSize: number, width: number, height: number } };

export type RemoveSubjectImageMutationVariables = Exact<{
  id: string | number;
}>;


export type RemoveSubjectImageMutation = { removeSubjectImage: string };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { role: TeamRole, user: { id: string, name: string }, team: { id: string, name: string } } };

export type BaseModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type BaseModelsQuery = { baseModels: Array<{ id: string, description: string, resolution: number, default: boolean }> };
