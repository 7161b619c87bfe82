import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { ViewerModel, TeamModel, UserModel, ApiKeyModel, CreatedApiKeyModel, SubjectModel, SubjectImageModel, RunModel, SampleModel, CheckpointModel, CheckpointFileModel, GenerationModel, GeneratedImageModel, RunEventModel, EvaluationModel, EvaluationImageModel, RecommendationModel, ScoreSetModel, CompareRowModel, MemberModel, InvitationModel, CreatedInvitationModel, AcceptedInvitationModel, ShareModel, CreatedShareModel, SharedRunModel, ShareAuditEntryModel, ModelCardModel, ModelCardImageModel, ModelExportModel, ExportFileModel, ModelImportModel } from '../models.js';
import type { ApiContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO 8601 date-time in UTC, e.g. 2026-11-27T10:00:00.000Z. */
  DateTime: { input: Date | string; output: Date | string; }
  /** Free-form JSON, used for details that differ per service. */
  JSON: { input: unknown; output: unknown; }
};

export type AcceptedInvitation = {
  __typename?: 'AcceptedInvitation';
  /** A first key of `user` in `team`; its secret is shown only here. */
  apiKey: CreatedApiKey;
  team: Team;
  /** The new user (accepted without a key) or the caller (accepted with a key). */
  user: User;
};

/** An API key. The secret itself is never shown again after createApiKey. */
export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  /** The first characters of the secret, to tell keys apart. */
  prefix: Scalars['String']['output'];
  revokedAt: Maybe<Scalars['DateTime']['output']>;
};

export type AuditAction =
  | 'INVITATION_REVOKED'
  | 'KEY_REVOKED'
  | 'MEMBER_INVITED'
  | 'MEMBER_JOINED'
  | 'MEMBER_REMOVED'
  | 'ROLE_CHANGED'
  | 'SHARE_CREATED'
  | 'SHARE_REVOKED';

/** A base model that runs can personalize. */
export type BaseModel = {
  __typename?: 'BaseModel';
  /** Whether a live trainer has this model on its machine (docs/base-models.md). */
  available: Scalars['Boolean']['output'];
  default: Scalars['Boolean']['output'];
  description: Scalars['String']['output'];
  /** The image sizes `generate` accepts for this model's checkpoints (width and height each, multiples of 8). */
  generationSizes: SizeRange;
  id: Scalars['ID']['output'];
  /** The command that puts it on a trainer's machine, e.g. `./studio models pull stable-diffusion-2-1-base`. */
  pullCommand: Scalars['String']['output'];
  /** Training resolution used when a run does not set one. */
  resolution: Scalars['Int']['output'];
  /** How many live trainers have it (each re-checks every TRAINER_MODELS_CHECK_MS). */
  trainers: Scalars['Int']['output'];
};

export type Checkpoint = {
  __typename?: 'Checkpoint';
  /** Content hash of the weights (sorted tensor names, dtypes, shapes and bytes): two checkpoints with equal hashes hold the same model. Null for checkpoints recorded before it existed. */
  contentHash: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Short-lived presigned URL of checkpoint.json. */
  downloadUrl: Scalars['String']['output'];
  /** How the UNet is stored. DELTA: as `unet.delta.safetensors`, a lossless delta against the base model (decodable only with it); `files` are the stored objects as they are, and the plain files (byte-identical to a PLAIN checkpoint of the same weights) come from `exportCheckpoint(format: CHECKPOINT)` — what `studio checkpoints download` does. */
  encoding: CheckpointEncoding;
  /** Newest first; `first` 1–200 (default 50). */
  evaluations: Array<Evaluation>;
  /** This checkpoint's exports, newest first; `first` 1–100 (default 20). */
  exports: Array<ModelExport>;
  /** The stored objects, as they are (see `encoding`). */
  files: Array<CheckpointFile>;
  /** The team's generations from this checkpoint, newest first; `first` 1–100 (default 20). */
  generations: Array<Generation>;
  id: Scalars['ID']['output'];
  modelCard: ModelCard;
  run: Run;
  /** sha256 of checkpoint.json, which lists every file's sha256. */
  sha256: Scalars['String']['output'];
  sizeBytes: Scalars['Float']['output'];
  stage: Scalars['String']['output'];
  step: Scalars['Int']['output'];
};


export type CheckpointEvaluationsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type CheckpointExportsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type CheckpointGenerationsArgs = {
  first?: Scalars['Int']['input'];
};

export type CheckpointEncoding =
  /** The stage-2 UNet is stored as a lossless delta against the base model's UNet (STUDIO_CHECKPOINT_ENCODING=delta on the trainer). */
  | 'DELTA'
  /** Every file is plain safetensors. */
  | 'PLAIN';

export type CheckpointFile = {
  __typename?: 'CheckpointFile';
  name: Scalars['String']['output'];
  sha256: Scalars['String']['output'];
  sizeBytes: Scalars['Float']['output'];
  /** Short-lived presigned URL. */
  url: Scalars['String']['output'];
};

export type CheckpointSaved = {
  __typename?: 'CheckpointSaved';
  at: Scalars['DateTime']['output'];
  checkpoint: Maybe<Checkpoint>;
  seq: Scalars['Int']['output'];
  stage: Scalars['String']['output'];
  step: Scalars['Int']['output'];
};

/** One row of the comparison (the layout of the paper's Table 1). */
export type CompareRow = {
  __typename?: 'CompareRow';
  /** The run's recommended checkpoint, else its newest. */
  checkpoint: Maybe<Checkpoint>;
  diverse: Maybe<ScoreSet>;
  quick: Maybe<ScoreSet>;
  run: Run;
  simple: Maybe<ScoreSet>;
};

export type CreateShareInput = {
  /** 1–8760; null: until revoked. */
  expiresInHours?: InputMaybe<Scalars['Int']['input']>;
  kind: ShareKind;
  /** LINK only: no downloads, no model-card images; generate only. */
  promptOnly?: InputMaybe<Scalars['Boolean']['input']>;
  runId: Scalars['ID']['input'];
  /** TEAM: the team to share with (not your own). */
  targetTeamId?: InputMaybe<Scalars['ID']['input']>;
};

export type CreateSubjectInput = {
  classNoun: Scalars['String']['input'];
  kind?: InputMaybe<SubjectKind>;
  name: Scalars['String']['input'];
};

export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  apiKey: ApiKey;
  /** sk_… — send as `Authorization: Bearer <secret>`. Store it now: it is not retrievable. */
  secret: Scalars['String']['output'];
};

export type CreatedInvitation = {
  __typename?: 'CreatedInvitation';
  /** inv_… — give it to the invitee; shown only here, once. It works once, until expiresAt, unless revoked. */
  code: Scalars['String']['output'];
  invitation: Invitation;
};

export type CreatedShare = {
  __typename?: 'CreatedShare';
  share: Share;
  /** LINK only: `shl_…`, send as `Authorization: Bearer <token>`. Shown only here, once (only its hash is stored). */
  token: Maybe<Scalars['String']['output']>;
  /** LINK only: the dashboard path that opens the link, relative to the dashboard's origin (`/shared/<token>`). */
  url: Maybe<Scalars['String']['output']>;
};

export type DreamBoothSettings = {
  __typename?: 'DreamBoothSettings';
  classImageSteps: Scalars['Int']['output'];
  classImages: Scalars['Int']['output'];
  priorLossWeight: Scalars['Float']['output'];
};

/** Language drift: the class prompt without the token, checkpoint vs base model, same seeds. */
export type DriftCheck = {
  __typename?: 'DriftCheck';
  /** Mean cosine of each (checkpoint, base) image pair with the same seed. */
  clipI: Scalars['Float']['output'];
  dino: Scalars['Float']['output'];
  /** dino < threshold: the class prior moved. */
  flagged: Scalars['Boolean']['output'];
  prompt: Scalars['String']['output'];
  threshold: Scalars['Float']['output'];
};

export type Evaluation = {
  __typename?: 'Evaluation';
  /** Created by the product for a new checkpoint, not by a person. */
  automatic: Scalars['Boolean']['output'];
  checkpoint: Checkpoint;
  /** Mean over all (generated, real) pairs; null until SUCCEEDED. */
  clipI: Maybe<Scalars['Float']['output']>;
  clipT: Maybe<Scalars['Float']['output']>;
  createdAt: Scalars['DateTime']['output'];
  dino: Maybe<Scalars['Float']['output']>;
  drift: Maybe<DriftCheck>;
  error: Maybe<EvaluationError>;
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  guidanceScale: Scalars['Float']['output'];
  id: Scalars['ID']['output'];
  images: Array<EvaluationImage>;
  imagesDone: Scalars['Int']['output'];
  imagesScored: Scalars['Int']['output'];
  imagesTotal: Scalars['Int']['output'];
  perPrompt: Array<PromptScore>;
  /** 0–1 over generating and scoring. */
  progress: Scalars['Float']['output'];
  prompts: Array<EvaluationPrompt>;
  protocol: EvaluationProtocol;
  run: Run;
  /** Encoders (ids, revisions) and subject image hashes used to score. */
  scoredWith: Maybe<Scalars['JSON']['output']>;
  startedAt: Maybe<Scalars['DateTime']['output']>;
  state: EvaluationState;
  steps: Scalars['Int']['output'];
};

export type EvaluationError = {
  __typename?: 'EvaluationError';
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

export type EvaluationImage = {
  __typename?: 'EvaluationImage';
  group: EvaluationImageGroup;
  prompt: Scalars['String']['output'];
  /** Index of the prompt in `Evaluation.prompts`; -1 for the drift groups. */
  promptIndex: Scalars['Int']['output'];
  seed: Scalars['Float']['output'];
  /** Short-lived presigned URL. */
  url: Scalars['String']['output'];
};

export type EvaluationImageGroup =
  /** `a photo of <class>`, generated by the base model with the same seeds (drift check). */
  | 'BASE_CLASS'
  /** `a photo of <class>` (no token), generated by the checkpoint (drift check). */
  | 'CLASS'
  /** A protocol prompt, generated by the checkpoint. */
  | 'SUBJECT';

export type EvaluationPrompt = {
  __typename?: 'EvaluationPrompt';
  index: Scalars['Int']['output'];
  prompt: Scalars['String']['output'];
  scoringPrompt: Scalars['String']['output'];
  seeds: Array<Scalars['Float']['output']>;
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

export type EvaluationUpdated = {
  __typename?: 'EvaluationUpdated';
  at: Scalars['DateTime']['output'];
  checkpointId: Scalars['ID']['output'];
  clipI: Maybe<Scalars['Float']['output']>;
  clipT: Maybe<Scalars['Float']['output']>;
  dino: Maybe<Scalars['Float']['output']>;
  evaluation: Maybe<Evaluation>;
  /** Named apart from RunStateChanged.state (a RunState), so one query can select both. */
  evaluationState: EvaluationState;
  protocol: EvaluationProtocol;
  seq: Scalars['Int']['output'];
};

/** Whether this API process can score (the encoder folder is present and loads). */
export type EvaluatorStatus = {
  __typename?: 'EvaluatorStatus';
  available: Scalars['Boolean']['output'];
  /** manifest.json of the folder, when present. */
  manifest: Maybe<Scalars['JSON']['output']>;
  message: Scalars['String']['output'];
  modelsDir: Scalars['String']['output'];
};

export type ExportFile = {
  __typename?: 'ExportFile';
  /** Path inside the export, e.g. unet/diffusion_pytorch_model.safetensors. */
  name: Scalars['String']['output'];
  sha256: Scalars['String']['output'];
  sizeBytes: Scalars['Float']['output'];
  /** Short-lived presigned URL of this one file. */
  url: Scalars['String']['output'];
};

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
  checkpointId: Scalars['ID']['input'];
  /** 1–16 images. */
  count?: InputMaybe<Scalars['Int']['input']>;
  /** 0–50. */
  guidanceScale?: InputMaybe<Scalars['Float']['input']>;
  height?: InputMaybe<Scalars['Int']['input']>;
  negativePrompt?: InputMaybe<Scalars['String']['input']>;
  /** 1–2000 characters. */
  prompt: Scalars['String']['input'];
  /** The sampler (default DDIM, as the training samples). */
  scheduler?: InputMaybe<GenerationScheduler>;
  /** 0–4294967295; random when omitted. */
  seed?: InputMaybe<Scalars['Float']['input']>;
  /** 1–200. */
  steps?: InputMaybe<Scalars['Int']['input']>;
  /**
   * Image size in pixels, multiples of 8 from half the base model's resolution to twice it (at most 1024;
   * Stable Diffusion 2.1 base: 256–1024). Omitted: the base model's resolution. One given: the other is the
   * base model's resolution. A share link may ask for no more pixels than the base model's resolution.
   */
  width?: InputMaybe<Scalars['Int']['input']>;
};

export type GeneratedImage = {
  __typename?: 'GeneratedImage';
  index: Scalars['Int']['output'];
  seed: Scalars['Float']['output'];
  /** Short-lived presigned URL. */
  url: Scalars['String']['output'];
};

export type Generation = {
  __typename?: 'Generation';
  checkpoint: Checkpoint;
  count: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  error: Maybe<GenerationError>;
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  guidanceScale: Scalars['Float']['output'];
  height: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  images: Array<GeneratedImage>;
  negativePrompt: Maybe<Scalars['String']['output']>;
  prompt: Scalars['String']['output'];
  scheduler: GenerationScheduler;
  seed: Scalars['Float']['output'];
  state: GenerationState;
  steps: Scalars['Int']['output'];
  /**
   * Denoising steps done so far over all images (0 until the engine starts; updated about twice a second
   * while RUNNING, through generationUpdated), out of stepsTotal.
   */
  stepsDone: Scalars['Int']['output'];
  /** steps × count. */
  stepsTotal: Scalars['Int']['output'];
  /** Null: the base model's resolution. */
  width: Maybe<Scalars['Int']['output']>;
};

export type GenerationError = {
  __typename?: 'GenerationError';
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
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

/**
 * `status` and `checkedAt` need no key; every other field needs an API key (UNAUTHENTICATED without one).
 * The report is shared for API_HEALTH_CACHE_MS (default 1.5 s).
 */
export type Health = {
  __typename?: 'Health';
  checkedAt: Scalars['DateTime']['output'];
  /** Trainers that have reported an engine in the last WORKER_STALE_AFTER_MS. Needs an API key. */
  engine: ServiceHealth;
  /** Needs an API key. */
  postgres: ServiceHealth;
  /** OK only when every service is OK. */
  status: ServiceStatus;
  /** Needs an API key. */
  storage: ServiceHealth;
  /** The version of this API process. Needs an API key. */
  version: Scalars['String']['output'];
};

/**
 * Where to upload the photo: POST multipart/form-data to `url` with every field of `fields` (name →
 * value, in order) and then the file as the last field, named `file`; then call addSubjectImage(uploadId).
 * Storage itself refuses another size than byteSize, another Content-Type, another key, and any POST after
 * expiresAt (docs/security-uploads.md).
 */
export type ImageUpload = {
  __typename?: 'ImageUpload';
  /** The POST must start before this (UPLOAD_URL_EXPIRY_SECONDS, default 5 minutes). */
  expiresAt: Scalars['DateTime']['output'];
  /** Form fields to send before the file (an object of name → value), including the signed policy. */
  fields: Scalars['JSON']['output'];
  uploadId: Scalars['ID']['output'];
  /** Presigned POST (policy) straight to object storage. */
  url: Scalars['String']['output'];
};

export type ImportFileRole =
  /** The single-file safetensors checkpoint (original Stable Diffusion key layout). */
  | 'CHECKPOINT'
  /** The token's embedding (safetensors, A1111 / ComfyUI layout or diffusers' learned_embeds). */
  | 'EMBEDDING';

export type ImportModelInput = {
  /** The base model the weights were trained from (e.g. stable-diffusion-2-1-base, tiny-random). */
  baseModel: Scalars['String']['input'];
  checkpointUploadId: Scalars['ID']['input'];
  /** Lowercase noun like `backpack` (as for subjects). */
  classNoun: Scalars['String']['input'];
  /** Optional: the token's embedding file. */
  embeddingUploadId?: InputMaybe<Scalars['ID']['input']>;
  kind?: InputMaybe<SubjectKind>;
  /** 1–100 characters; the new subject's name. */
  name: Scalars['String']['input'];
  /** The placeholder token the embedding is for, e.g. <rare>. Default: the embedding's own name. */
  token?: InputMaybe<Scalars['String']['input']>;
};

/**
 * Where to upload the file: POST multipart/form-data to `url` with every field of `fields` and then the
 * file as the last field, named `file` (exactly byteSize bytes); then pass uploadId to importModel.
 */
export type ImportUpload = {
  __typename?: 'ImportUpload';
  /** The POST must start before this. */
  expiresAt: Scalars['DateTime']['output'];
  /** Form fields to send before the file (an object of name → value), including the signed policy. */
  fields: Scalars['JSON']['output'];
  uploadId: Scalars['ID']['output'];
  /** Presigned POST (policy) straight to object storage. */
  url: Scalars['String']['output'];
};

export type ImportUploadPart = {
  __typename?: 'ImportUploadPart';
  partNumber: Scalars['Int']['output'];
  /** Presigned PUT of this one part. */
  url: Scalars['String']['output'];
};

export type IntLimit = {
  __typename?: 'IntLimit';
  max: Scalars['Int']['output'];
  min: Scalars['Int']['output'];
};

/** A one-time code that lets one person join the team with a role. Only its hash is stored. */
export type Invitation = {
  __typename?: 'Invitation';
  acceptedAt: Maybe<Scalars['DateTime']['output']>;
  acceptedBy: Maybe<User>;
  createdAt: Scalars['DateTime']['output'];
  createdBy: Maybe<User>;
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  revokedAt: Maybe<Scalars['DateTime']['output']>;
  role: TeamRole;
};

export type LossLogged = {
  __typename?: 'LossLogged';
  at: Scalars['DateTime']['output'];
  learningRate: Scalars['Float']['output'];
  loss: Scalars['Float']['output'];
  seq: Scalars['Int']['output'];
  stage: Scalars['String']['output'];
  step: Scalars['Int']['output'];
};

export type LossPoint = {
  __typename?: 'LossPoint';
  learningRate: Scalars['Float']['output'];
  loss: Scalars['Float']['output'];
  stage: Scalars['String']['output'];
  step: Scalars['Int']['output'];
};

/** A user's membership in a team. */
export type Member = {
  __typename?: 'Member';
  joinedAt: Scalars['DateTime']['output'];
  role: TeamRole;
  user: User;
};

export type MethodSteps = {
  __typename?: 'MethodSteps';
  method: RunMethod;
  steps: Scalars['Int']['output'];
};

/** What a checkpoint is and how it was made (a Hugging Face style model card). */
export type ModelCard = {
  __typename?: 'ModelCard';
  baseModel: Scalars['String']['output'];
  /** The base model's fingerprint recorded by the engine in checkpoint.json; null if it could not be read. */
  baseModelRevision: Maybe<Scalars['String']['output']>;
  checkpointSha256: Scalars['String']['output'];
  classNoun: Scalars['String']['output'];
  /** Latest succeeded score per protocol; empty when never evaluated. */
  evaluations: Array<ModelCardScore>;
  /** The prompt the model was trained on, e.g. `a photo of <rare> backpack`. */
  instancePrompt: Maybe<Scalars['String']['output']>;
  /** The card as a README.md (YAML front matter + sections), ready to publish beside the files. */
  markdown: Scalars['String']['output'];
  method: RunMethod;
  stage: Scalars['String']['output'];
  /** The run's engine settings (runs.config: stage1, stage2, samples, seed, resolution, …). */
  stageSettings: Scalars['JSON']['output'];
  step: Scalars['Int']['output'];
  /** The subject photos the run trained on, in training order. */
  subjectImages: Array<ModelCardImage>;
  /** The team that owns the checkpoint. */
  team: SharedTeam;
  /** The learned identifier, e.g. <rare> (TWO_STAGE), sks (DREAMBOOTH), <s*> (TEXTUAL_INVERSION). */
  token: Scalars['String']['output'];
  /** When this checkpoint was saved. */
  trainedAt: Scalars['DateTime']['output'];
  trainedBy: Maybe<User>;
};

/** A subject photo in a model card: its hash and a small (≤ 256 px) WebP thumbnail. Originals stay with the owner team. */
export type ModelCardImage = {
  __typename?: 'ModelCardImage';
  sha256: Scalars['String']['output'];
  /** Short-lived presigned URL; null for a promptOnly link. */
  thumbnailUrl: Maybe<Scalars['String']['output']>;
};

/** The latest SUCCEEDED evaluation of one protocol. */
export type ModelCardScore = {
  __typename?: 'ModelCardScore';
  clipI: Scalars['Float']['output'];
  clipT: Scalars['Float']['output'];
  dino: Scalars['Float']['output'];
  evaluatedAt: Scalars['DateTime']['output'];
  evaluationId: Scalars['ID']['output'];
  protocol: EvaluationProtocol;
};

export type ModelExport = {
  __typename?: 'ModelExport';
  /**
   * The whole export as one .tar streamed through the API (GET, no Authorization header needed: the URL
   * carries a short-lived signed token). Null until SUCCEEDED.
   */
  archiveUrl: Maybe<Scalars['String']['output']>;
  checkpoint: Checkpoint;
  createdAt: Scalars['DateTime']['output'];
  error: Maybe<TransferError>;
  /** Empty until SUCCEEDED. */
  files: Array<ExportFile>;
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  format: ExportFormat;
  /** Weights stored as float16 (SINGLE_FILE only; a DIFFUSERS export keeps the checkpoint's float32). */
  half: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  state: TransferState;
};

export type ModelImport = {
  __typename?: 'ModelImport';
  baseModel: Scalars['String']['output'];
  /** Promptable like any other checkpoint (null until SUCCEEDED). */
  checkpoint: Maybe<Checkpoint>;
  classNoun: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  error: Maybe<TransferError>;
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  /** The SUCCEEDED run that holds the imported checkpoint (null until SUCCEEDED). */
  run: Maybe<Run>;
  state: TransferState;
  token: Maybe<Scalars['String']['output']>;
};

/**
 * A file uploaded in parts: PUT bytes [(partNumber-1)·partBytes, partNumber·partBytes) of the file (the
 * last part: the rest) to each part's url, then completeModelImportUpload(uploadId), then importModel.
 */
export type MultipartImportUpload = {
  __typename?: 'MultipartImportUpload';
  /** Every part's PUT must start before this. */
  expiresAt: Scalars['DateTime']['output'];
  partBytes: Scalars['Float']['output'];
  parts: Array<ImportUploadPart>;
  uploadId: Scalars['ID']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Works without a key: creates a user (`name` required, `email` optional), its membership and first key.
   * With a key (`sk_…`): that user joins the invitation's team (CONFLICT when already a member) and gets a key for it.
   * A used, revoked or expired code is FORBIDDEN (the message says which); an unknown code NOT_FOUND.
   */
  acceptInvitation: AcceptedInvitation;
  /**
   * Validates the uploaded file and adds it to the subject; a bad file is deleted and nothing is recorded.
   * The validated bytes are copied to a key no client can write: a later upload to the same URL changes
   * nothing that was recorded or trained.
   */
  addSubjectImage: SubjectImage;
  /** QUEUED runs are canceled at once; RUNNING runs are asked to stop (the trainer finishes the cancel). */
  cancelRun: Run;
  /**
   * Assembles a multipart upload once every part is in storage with its exact size (checked from
   * storage: PARTS_MISSING / PART_SIZE_MISMATCH name the part, nothing assembled, retry after PUTting it).
   * True; again after success: true (nothing to do).
   */
  completeModelImportUpload: Scalars['Boolean']['output'];
  /** Creates an API key for the caller in the caller's team. The secret is shown only here, once. */
  createApiKey: CreatedApiKey;
  /** contentType: image/jpeg, image/png or image/webp; byteSize: the exact size of the file. */
  createImageUpload: ImageUpload;
  /** OWNER. expiresInHours 1–720. */
  createInvitation: CreatedInvitation;
  /**
   * A file to import in parts (MEMBER or OWNER; any allowed size — files over the server's
   * IMPORT_SINGLE_POST_MAX_BYTES must use it: createModelImportUpload refuses them with USE_MULTIPART). PUT
   * each part to its URL (in any order, in parallel; retry a part by PUTting it again), then call
   * completeModelImportUpload, then importModel with the uploadId.
   */
  createModelImportMultipartUpload: MultipartImportUpload;
  /**
   * A presigned POST for a file to import (MEMBER or OWNER). filename must end in .safetensors; byteSize
   * is the exact size (at most the server's IMPORT_MAX_BYTES).
   */
  createModelImportUpload: ImportUpload;
  /** OWNER. Shares a run of the team (TEAM or LINK). A run shared with your team cannot be shared onward (FORBIDDEN). */
  createShare: CreatedShare;
  createSubject: Subject;
  /** Queues an evaluation; a QUEUED/GENERATING/SCORING one of the same protocol is returned instead of a second. */
  evaluateCheckpoint: Evaluation;
  /**
   * Exports a checkpoint the caller can read (every role, VIEWER included). Reuses a SUCCEEDED (or
   * still running) export of the same checkpoint, format and half. half: true is accepted with
   * SINGLE_FILE only (BAD_USER_INPUT, field half, otherwise).
   */
  exportCheckpoint: ModelExport;
  generate: Generation;
  /**
   * Checks the uploaded files (safetensors header only: a pickle/zip file is refused with UNSAFE_FORMAT,
   * a bad header — or one declared longer than SAFETENSORS_HEADER_MAX_BYTES — with BAD_SAFETENSORS; then
   * the uploads are deleted and nothing is recorded) and queues the import. Each file is copied to a key no
   * client can write and its size and sha256 recorded; the trainer refuses other bytes. SERVER_BUSY (with
   * retryAfterMs; nothing changed) when too many checks are running. On success the import creates a subject, a SUCCEEDED run and its checkpoint.
   */
  importModel: ModelImport;
  /**
   * OWNER, or yourself (leave the team). Never removes the last OWNER (CONFLICT). Revokes the user's keys in this
   * team and ends their open subscriptions at once. Returns the membership as it was.
   */
  removeMember: Member;
  /** Removes the image (and its stored objects). Returns its id. */
  removeSubjectImage: Scalars['ID']['output'];
  /** Revokes a key of the caller's team (your own, or any as OWNER). A revoked key stops working at once. */
  revokeApiKey: ApiKey;
  /** OWNER. An accepted invitation cannot be revoked (CONFLICT); revoking twice is harmless. */
  revokeInvitation: Invitation;
  /** OWNER. Takes effect on the very next request; revoking twice is harmless. */
  revokeShare: Share;
  /** OWNER. Never demotes the last OWNER (CONFLICT). */
  setMemberRole: Member;
  /**
   * OWNER: the team's limit on runs training at once, 1–1000; null returns to the deployment's default.
   * Out of range: BAD_USER_INPUT; not an OWNER: FORBIDDEN.
   */
  setRunConcurrency: Team;
  /**
   * Queues a training run. Refused at once (nothing created) with BASE_MODEL_UNAVAILABLE (field baseModel,
   * extensions.fix: the `./studio models pull <id>` command) when live trainers are registered and none has
   * the base model (docs/base-models.md).
   */
  startRun: Run;
};


export type MutationAcceptInvitationArgs = {
  code: Scalars['String']['input'];
  email?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
};


export type MutationAddSubjectImageArgs = {
  subjectId: Scalars['ID']['input'];
  uploadId: Scalars['ID']['input'];
};


export type MutationCancelRunArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCompleteModelImportUploadArgs = {
  uploadId: Scalars['ID']['input'];
};


export type MutationCreateApiKeyArgs = {
  name: Scalars['String']['input'];
};


export type MutationCreateImageUploadArgs = {
  byteSize: Scalars['Int']['input'];
  contentType: Scalars['String']['input'];
  filename: Scalars['String']['input'];
  subjectId: Scalars['ID']['input'];
};


export type MutationCreateInvitationArgs = {
  expiresInHours?: InputMaybe<Scalars['Int']['input']>;
  role: TeamRole;
};


export type MutationCreateModelImportMultipartUploadArgs = {
  byteSize: Scalars['Float']['input'];
  filename: Scalars['String']['input'];
  role: ImportFileRole;
};


export type MutationCreateModelImportUploadArgs = {
  byteSize: Scalars['Float']['input'];
  filename: Scalars['String']['input'];
  role: ImportFileRole;
};


export type MutationCreateShareArgs = {
  input: CreateShareInput;
};


export type MutationCreateSubjectArgs = {
  input: CreateSubjectInput;
};


export type MutationEvaluateCheckpointArgs = {
  checkpointId: Scalars['ID']['input'];
  protocol?: EvaluationProtocol;
};


export type MutationExportCheckpointArgs = {
  checkpointId: Scalars['ID']['input'];
  format: ExportFormat;
  half?: InputMaybe<Scalars['Boolean']['input']>;
};


export type MutationGenerateArgs = {
  input: GenerateInput;
};


export type MutationImportModelArgs = {
  input: ImportModelInput;
};


export type MutationRemoveMemberArgs = {
  userId: Scalars['ID']['input'];
};


export type MutationRemoveSubjectImageArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRevokeInvitationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRevokeShareArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSetMemberRoleArgs = {
  role: TeamRole;
  userId: Scalars['ID']['input'];
};


export type MutationSetRunConcurrencyArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
};


export type MutationStartRunArgs = {
  input: StartRunInput;
};

export type NumberLimit = {
  __typename?: 'NumberLimit';
  max: Scalars['Float']['output'];
  min: Scalars['Float']['output'];
  /** true: min itself is refused. */
  minExclusive: Scalars['Boolean']['output'];
};

/** Relay-style page information. */
export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

/** The paper's Table 1 numbers for SD 2.1 base, shown beside your own. */
export type PaperReference = {
  __typename?: 'PaperReference';
  diverseClipI: Scalars['Float']['output'];
  diverseDino: Scalars['Float']['output'];
  method: Scalars['String']['output'];
  simpleClipI: Scalars['Float']['output'];
  simpleDino: Scalars['Float']['output'];
};

/**
 * A phase began (STARTED) or finished (ENDED, with durationMs). A phase that fails is followed by the
 * run's RunStateChanged FAILED instead of ENDED; a resumed run loads again (a new pair).
 */
export type PhaseChanged = {
  __typename?: 'PhaseChanged';
  at: Scalars['DateTime']['output'];
  /** The base model being loaded (LOADING_BASE_MODEL). */
  baseModel: Maybe<Scalars['String']['output']>;
  /** ENDED: how long the phase took, in milliseconds; null when STARTED. */
  durationMs: Maybe<Scalars['Int']['output']>;
  phase: RunPhase;
  /** STARTED or ENDED (named so as not to clash with RunStateChanged.state in one selection). */
  phaseState: PhaseState;
  seq: Scalars['Int']['output'];
  /**
   * ENDED: true when the base model came already loaded from the trainer's warm engine (a standby process
   * that loaded it before the run was claimed), false when this run loaded it; null when STARTED.
   */
  warmEngine: Maybe<Scalars['Boolean']['output']>;
};

export type PhaseState =
  | 'ENDED'
  | 'STARTED';

/** The paper's three numbers over the images of one prompt. */
export type PromptScore = {
  __typename?: 'PromptScore';
  clipI: Scalars['Float']['output'];
  clipT: Scalars['Float']['output'];
  dino: Scalars['Float']['output'];
  imageCount: Scalars['Int']['output'];
  prompt: Scalars['String']['output'];
  promptIndex: Scalars['Int']['output'];
  /** The prompt CLIP-T compares with: the identifier replaced by the class noun. */
  scoringPrompt: Scalars['String']['output'];
};

export type Query = {
  __typename?: 'Query';
  baseModels: Array<BaseModel>;
  checkpoint: Maybe<Checkpoint>;
  /** 2–4 of the team's runs, in the order given. */
  compareRuns: RunComparison;
  evaluation: Maybe<Evaluation>;
  evaluator: EvaluatorStatus;
  generation: Maybe<Generation>;
  /** Status of PostgreSQL, object storage and the engine. The overall `status` needs no authentication; details need an API key. */
  health: Health;
  /** The key's team's invitations, newest first (OWNER); `first` 1–500 (default 100). */
  invitations: Array<Invitation>;
  modelExport: Maybe<ModelExport>;
  modelImport: Maybe<ModelImport>;
  run: Maybe<Run>;
  /** The methods' defaults, presets and limits (no database read). */
  runMethods: RunMethods;
  /** The team's runs, newest first. `first` 1–100 (default 20). */
  runs: RunConnection;
  /** The team's access log (shares, invitations, members, roles, key revocations), newest first; `first` 1–500 (OWNER). */
  shareAudit: Array<ShareAuditEntry>;
  /** With a share link (`Bearer shl_…`) only: the run it opens. */
  sharedLink: SharedRun;
  /** Runs other teams shared with the caller's team (active shares only), newest first; `first` 1–500 (default 100). */
  sharedWithMe: Array<SharedRun>;
  /** The team's outgoing shares (of one run, or of all its runs), newest first. Any member may list them. `first` 1–500 (default 100). */
  shares: Array<Share>;
  subject: Maybe<Subject>;
  /** The team's subjects, newest first. `first` 1–100 (default 20). */
  subjects: SubjectConnection;
  /** The caller. Needs an API key, like everything except `health`. */
  viewer: Viewer;
};


export type QueryCheckpointArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCompareRunsArgs = {
  runIds: Array<Scalars['ID']['input']>;
};


export type QueryEvaluationArgs = {
  id: Scalars['ID']['input'];
};


export type QueryGenerationArgs = {
  id: Scalars['ID']['input'];
};


export type QueryInvitationsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryModelExportArgs = {
  id: Scalars['ID']['input'];
};


export type QueryModelImportArgs = {
  id: Scalars['ID']['input'];
};


export type QueryRunArgs = {
  id: Scalars['ID']['input'];
};


export type QueryRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  state?: InputMaybe<RunState>;
  subjectId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryShareAuditArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QuerySharedWithMeArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QuerySharesArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  runId?: InputMaybe<Scalars['ID']['input']>;
};


export type QuerySubjectArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySubjectsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** docs/evaluation-contract.md §6. */
export type Recommendation = {
  __typename?: 'Recommendation';
  checkpoint: Checkpoint;
  evaluation: Evaluation;
  protocol: EvaluationProtocol;
  /** Why this one, in a sentence. */
  reason: Scalars['String']['output'];
};

export type Run = {
  __typename?: 'Run';
  /** How many times it was claimed (a resumed run counts again). */
  attempt: Scalars['Int']['output'];
  /** The last attempts' reasons for losing the lease, oldest first (at most maxAttempts). */
  attemptErrors: Array<RunAttemptError>;
  baseModel: Scalars['String']['output'];
  cancelRequested: Scalars['Boolean']['output'];
  /** The `last` checkpoints (1–500, default 100) in the order they were saved. */
  checkpoints: Array<Checkpoint>;
  /** The engine settings, every default filled in (docs/platform-contract.md), as stored: `settings` is the same, typed. */
  config: Scalars['JSON']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** The method's default prompt for this subject: `a photo of <rare> backpack` (textual inversion: `a photo of <s*>`). */
  defaultPrompt: Scalars['String']['output'];
  error: Maybe<RunError>;
  /**
   * An estimate of when a trainer will start it: from its position, the trainers heartbeating now and
   * the median duration of recent runs. Null unless QUEUED, or while no run has finished to measure.
   */
  estimatedStartAt: Maybe<Scalars['DateTime']['output']>;
  /** Newest first; `first` 1–200 (default 50). */
  evaluations: Array<Evaluation>;
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  /** seq of the newest event (subscribe to runEvents with afterSeq to continue from here). */
  lastEventSeq: Scalars['Int']['output'];
  /**
   * Loss curve in (stage, step) order, optionally of one stage (stage1, stage2): the `first` points
   * (1–20000, default 5000) after step `afterStep` (of the chosen stage; page on with the last step seen).
   */
  losses: Array<LossPoint>;
  /** A run whose lease is lost this many times ends FAILED with error code ATTEMPTS_EXHAUSTED. */
  maxAttempts: Scalars['Int']['output'];
  method: RunMethod;
  /**
   * 1 = the next run a trainer will claim, by the fair-share policy (per-team limit, then the least
   * recently served team, then age; docs/scheduling.md). Null unless QUEUED.
   */
  queuePosition: Maybe<Scalars['Int']['output']>;
  /** Null until at least one checkpoint has a succeeded evaluation. */
  recommendedCheckpoint: Maybe<Recommendation>;
  /** The `last` samples (1–1000, default 200) in step order. */
  samples: Array<Sample>;
  /** The engine settings, every default filled in, typed (runs.config; docs/platform-contract.md). */
  settings: RunSettings;
  stage: Maybe<Scalars['String']['output']>;
  startedAt: Maybe<Scalars['DateTime']['output']>;
  state: RunState;
  /** Cumulative training step (stage-1 steps, then stage 1 + stage-2 step). */
  step: Scalars['Int']['output'];
  subject: Subject;
  /** The identifier the method trains (`<rare>`, `sks`, `<s*>`; runMethods). */
  token: Scalars['String']['output'];
  totalSteps: Scalars['Int']['output'];
};


export type RunCheckpointsArgs = {
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type RunEvaluationsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type RunLossesArgs = {
  afterStep?: InputMaybe<Scalars['Int']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  stage?: InputMaybe<Scalars['String']['input']>;
};


export type RunSamplesArgs = {
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** Why an attempt of a run lost its lease (its trainer died, or lost the database or the network). */
export type RunAttemptError = {
  __typename?: 'RunAttemptError';
  /** When the lease ran out. */
  at: Scalars['DateTime']['output'];
  /** The attempt (1 = the first claim). */
  attempt: Scalars['Int']['output'];
  /** LEASE_EXPIRED */
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

export type RunComparison = {
  __typename?: 'RunComparison';
  paper: Array<PaperReference>;
  rows: Array<CompareRow>;
};

export type RunConnection = {
  __typename?: 'RunConnection';
  edges: Array<RunEdge>;
  pageInfo: PageInfo;
};

export type RunEdge = {
  __typename?: 'RunEdge';
  cursor: Scalars['String']['output'];
  node: Run;
};

export type RunError = {
  __typename?: 'RunError';
  code: Scalars['String']['output'];
  /** The last lines the engine wrote. */
  logTail: Maybe<Scalars['String']['output']>;
  message: Scalars['String']['output'];
};

export type RunEvent = CheckpointSaved | EvaluationUpdated | LossLogged | PhaseChanged | RunStateChanged | SampleSaved | StageStarted;

/** One committed batch of a run's events, in seq order (never empty). */
export type RunEventBatch = {
  __typename?: 'RunEventBatch';
  events: Array<RunEvent>;
  /** The seq of the last event in `events`: subscribe again with afterSeq = lastSeq to continue after it. */
  lastSeq: Scalars['Int']['output'];
};

/** The bounds startRun (and the engine) put on each setting. */
export type RunLimits = {
  __typename?: 'RunLimits';
  checkpointEvery: IntLimit;
  /** Learning rates: above min, at most max. */
  learningRate: NumberLimit;
  /** maxGradNorm: above min, at most max (or null). */
  maxGradNorm: NumberLimit;
  resolution: SizeRange;
  samplePrompts: SamplePromptLimits;
  /** seed: an integer from min to max. */
  seed: NumberLimit;
  /** stage1Steps and stage2Steps: integers from min to max. */
  steps: IntLimit;
};

export type RunMethod =
  /** Baseline: identifier `sks`, prior preservation with generated class images. */
  | 'DREAMBOOTH'
  /** Baseline: a new noun token <s*>, thousands of steps. */
  | 'TEXTUAL_INVERSION'
  /** The paper's method: stage 1 token inversion of <rare>, stage 2 UNet fine-tune. */
  | 'TWO_STAGE';

export type RunMethodFacts = {
  __typename?: 'RunMethodFacts';
  method: RunMethod;
  /** The default sample prompt; `{classNoun}` stands for the subject's class noun. */
  samplePromptTemplate: Scalars['String']['output'];
  /** null: the method has no stage 1. */
  stage1: Maybe<StageDefaults>;
  /** Under the default preset (see `presets` for the others); null: the method has no stage 2. */
  stage2: Maybe<StageDefaults>;
  /** The identifier it trains: `<rare>`, `sks` or `<s*>`. */
  token: Scalars['String']['output'];
  tokenRole: TokenRole;
};

/**
 * The training methods' facts: the defaults startRun fills in for an omitted field, the presets and the
 * limits it checks. One source, trainer/protocol/job-spec.schema.json (`x-methodFacts` and its bounds),
 * which the engine reads too; the dashboard's new-run form shows and checks these.
 */
export type RunMethods = {
  __typename?: 'RunMethods';
  /** An omitted maxGradNorm clips the gradient norm at this (null turns clipping off). */
  defaultMaxGradNorm: Scalars['Float']['output'];
  defaultMethod: RunMethod;
  defaultPreset: TrainingPreset;
  limits: RunLimits;
  methods: Array<RunMethodFacts>;
  presets: Array<TrainingPresetFacts>;
};

/** A run phase that is not a training stage. */
export type RunPhase =
  /** The engine loads the base model (tokenizer, text encoder, VAE, UNet) before training. */
  | 'LOADING_BASE_MODEL';

/** A run's engine settings (runs.config). Fields a run's method does not use are null. */
export type RunSettings = {
  __typename?: 'RunSettings';
  dreambooth: Maybe<DreamBoothSettings>;
  /** Global gradient-norm clip; null: off. */
  maxGradNorm: Maybe<Scalars['Float']['output']>;
  /** The preset the defaults came from (null for runs started before presets existed). */
  preset: Maybe<TrainingPreset>;
  /** Training resolution; null: the base model's. */
  resolution: Maybe<Scalars['Int']['output']>;
  samples: Maybe<SampleSettings>;
  /** The run's seed (0–4294967295). */
  seed: Scalars['Float']['output'];
  stage1: Maybe<StageSettings>;
  stage2: Maybe<StageSettings>;
};

export type RunState =
  | 'CANCELED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type RunStateChanged = {
  __typename?: 'RunStateChanged';
  at: Scalars['DateTime']['output'];
  errorCode: Maybe<Scalars['String']['output']>;
  errorMessage: Maybe<Scalars['String']['output']>;
  previousState: Maybe<RunState>;
  seq: Scalars['Int']['output'];
  state: RunState;
};

export type Sample = {
  __typename?: 'Sample';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  prompt: Scalars['String']['output'];
  promptIndex: Scalars['Int']['output'];
  seed: Scalars['Float']['output'];
  stage: Scalars['String']['output'];
  step: Scalars['Int']['output'];
  /** Short-lived presigned URL. */
  url: Scalars['String']['output'];
};

export type SamplePromptLimits = {
  __typename?: 'SamplePromptLimits';
  maxCount: Scalars['Int']['output'];
  maxLength: Scalars['Int']['output'];
};

export type SampleSaved = {
  __typename?: 'SampleSaved';
  at: Scalars['DateTime']['output'];
  prompt: Scalars['String']['output'];
  promptIndex: Scalars['Int']['output'];
  sample: Maybe<Sample>;
  seed: Scalars['Float']['output'];
  seq: Scalars['Int']['output'];
  stage: Scalars['String']['output'];
  step: Scalars['Int']['output'];
  /** Short-lived presigned URL of the sample image. */
  url: Maybe<Scalars['String']['output']>;
};

/** The fixed prompts and seeds sampled during training, every `every` steps. */
export type SampleSettings = {
  __typename?: 'SampleSettings';
  every: Scalars['Int']['output'];
  guidanceScale: Scalars['Float']['output'];
  prompts: Array<Scalars['String']['output']>;
  seeds: Array<Scalars['Float']['output']>;
  steps: Scalars['Int']['output'];
};

export type ScoreSet = {
  __typename?: 'ScoreSet';
  clipI: Scalars['Float']['output'];
  clipT: Scalars['Float']['output'];
  dino: Scalars['Float']['output'];
  evaluation: Evaluation;
};

/** The state of one service the product depends on. */
export type ServiceHealth = {
  __typename?: 'ServiceHealth';
  details: Maybe<Scalars['JSON']['output']>;
  /** How long the check took. */
  latencyMs: Maybe<Scalars['Float']['output']>;
  /** A sentence for people: what is wrong, or what answered. */
  message: Scalars['String']['output'];
  /** postgres, storage or engine. */
  name: Scalars['String']['output'];
  status: ServiceStatus;
};

export type ServiceStatus =
  /** Not reachable or not working. */
  | 'DOWN'
  /** Answering normally. */
  | 'OK'
  /** Could not be checked, because something it depends on is down. */
  | 'UNKNOWN';

/** A run's checkpoints shared with another team or through a link (the owner team's view). */
export type Share = {
  __typename?: 'Share';
  /** Not revoked and not expired. */
  active: Scalars['Boolean']['output'];
  createdAt: Scalars['DateTime']['output'];
  createdBy: Maybe<User>;
  /** Null: until revoked. */
  expiresAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  kind: ShareKind;
  /** The holder may generate but cannot download files (LINK only; TEAM shares always allow downloads). */
  promptOnly: Scalars['Boolean']['output'];
  revokedAt: Maybe<Scalars['DateTime']['output']>;
  revokedBy: Maybe<User>;
  run: Run;
  /** TEAM shares: the team it was shared with. Null for LINK. */
  targetTeam: Maybe<SharedTeam>;
};

/** One line of the team's append-only access log, written in the same transaction as the change. */
export type ShareAuditEntry = {
  __typename?: 'ShareAuditEntry';
  action: AuditAction;
  /** Who did it (null when that user was since deleted). */
  actor: Maybe<User>;
  at: Scalars['DateTime']['output'];
  /** What changed: e.g. {runId, kind, targetTeamId} for shares, {userId, role, previousRole} for members. */
  details: Scalars['JSON']['output'];
  id: Scalars['ID']['output'];
  shareId: Maybe<Scalars['ID']['output']>;
};

export type ShareKind =
  /** Whoever holds the link token (`shl_…`): read the run and its checkpoints, generate, download unless promptOnly. */
  | 'LINK'
  /** Read-only for another team: see the run, its checkpoints, samples and model card, download the files, generate. */
  | 'TEAM';

/** A run another team shared with the caller's team (or that the caller's link opens). */
export type SharedRun = {
  __typename?: 'SharedRun';
  expiresAt: Maybe<Scalars['DateTime']['output']>;
  promptOnly: Scalars['Boolean']['output'];
  run: Run;
  shareId: Scalars['ID']['output'];
  sharedAt: Scalars['DateTime']['output'];
  /** The team that owns the run. */
  team: SharedTeam;
};

/** The other side of a share, with no more than its name. */
export type SharedTeam = {
  __typename?: 'SharedTeam';
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
};

export type SizeRange = {
  __typename?: 'SizeRange';
  max: Scalars['Int']['output'];
  min: Scalars['Int']['output'];
  /** Sizes are multiples of this. */
  multipleOf: Scalars['Int']['output'];
};

export type StageDefaults = {
  __typename?: 'StageDefaults';
  /** null: a checkpoint at the end of the stage only. A default larger than the stage's steps becomes its steps. */
  checkpointEvery: Maybe<Scalars['Int']['output']>;
  learningRate: Scalars['Float']['output'];
  steps: Scalars['Int']['output'];
};

export type StageSettings = {
  __typename?: 'StageSettings';
  /** Save a checkpoint every this many steps of the stage; null: only at its end. */
  checkpointEvery: Maybe<Scalars['Int']['output']>;
  learningRate: Scalars['Float']['output'];
  steps: Scalars['Int']['output'];
};

export type StageStarted = {
  __typename?: 'StageStarted';
  at: Scalars['DateTime']['output'];
  seq: Scalars['Int']['output'];
  stage: Scalars['String']['output'];
  totalSteps: Scalars['Int']['output'];
};

/** Omitted fields take the method's defaults (the paper's; `runMethods` lists them with the limits): TWO_STAGE 100 @ 5e-4 then 400 @ 5e-6, checkpoint every 200. */
export type StartRunInput = {
  baseModel?: InputMaybe<Scalars['String']['input']>;
  /** Steps between checkpoints of stage 2 (TWO_STAGE, DREAMBOOTH; default 200) or of TEXTUAL_INVERSION's only stage (default 500). */
  checkpointEvery?: InputMaybe<Scalars['Int']['input']>;
  /** Clip the global gradient norm of every training stage to this, in (0, 1000]; omitted: 1.0 (as diffusers' train_dreambooth.py); null: no clipping. */
  maxGradNorm?: InputMaybe<Scalars['Float']['input']>;
  method?: InputMaybe<RunMethod>;
  /** Stage-2 defaults: SECTION_3_2 (default) or the paper's evaluation protocol SECTION_4_1. Explicit step fields win. */
  preset?: InputMaybe<TrainingPreset>;
  /** A multiple of 8 in 64–1024; null for the base model's own. */
  resolution?: InputMaybe<Scalars['Int']['input']>;
  /** Up to 16 prompts of up to 500 characters; default `a photo of <token> <classNoun>`. */
  samplePrompts?: InputMaybe<Array<Scalars['String']['input']>>;
  /** 0–4294967295. */
  seed?: InputMaybe<Scalars['Float']['input']>;
  /** (0, 1]. */
  stage1LearningRate?: InputMaybe<Scalars['Float']['input']>;
  /** 1–20000 (TWO_STAGE, TEXTUAL_INVERSION). */
  stage1Steps?: InputMaybe<Scalars['Int']['input']>;
  stage2LearningRate?: InputMaybe<Scalars['Float']['input']>;
  /** 1–20000 (TWO_STAGE, DREAMBOOTH). */
  stage2Steps?: InputMaybe<Scalars['Int']['input']>;
  subjectId: Scalars['ID']['input'];
};

/** The thing being personalized: 4–6 photos of one object, named by its class noun. */
export type Subject = {
  __typename?: 'Subject';
  /** e.g. backpack, dog (lowercase letters, space, _ or -; up to 40). */
  classNoun: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** In upload order (the order training reads them); `first` 1–200 (default 50). */
  images: Array<SubjectImage>;
  kind: SubjectKind;
  name: Scalars['String']['output'];
  /** Newest first; `first` 1–100 (default 50). */
  runs: Array<Run>;
};


/** The thing being personalized: 4–6 photos of one object, named by its class noun. */
export type SubjectImagesArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** The thing being personalized: 4–6 photos of one object, named by its class noun. */
export type SubjectRunsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type SubjectConnection = {
  __typename?: 'SubjectConnection';
  edges: Array<SubjectEdge>;
  pageInfo: PageInfo;
};

export type SubjectEdge = {
  __typename?: 'SubjectEdge';
  cursor: Scalars['String']['output'];
  node: Subject;
};

export type SubjectImage = {
  __typename?: 'SubjectImage';
  byteSize: Scalars['Float']['output'];
  contentType: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  filename: Scalars['String']['output'];
  height: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  /** A short-lived presigned URL of the original as uploaded. */
  originalUrl: Scalars['String']['output'];
  sha256: Scalars['String']['output'];
  /** A short-lived presigned URL of the EXIF-oriented WebP display copy. */
  url: Scalars['String']['output'];
  /** After EXIF orientation. */
  width: Scalars['Int']['output'];
};

/** OBJECT or LIVE decides which DreamBooth evaluation prompt list applies. */
export type SubjectKind =
  | 'LIVE'
  | 'OBJECT';

export type Subscription = {
  __typename?: 'Subscription';
  /** The evaluation now, then after every change, until SUCCEEDED or FAILED. */
  evaluationUpdated: Evaluation;
  /** The generation now, then after every change, until it SUCCEEDED or FAILED. */
  generationUpdated: Generation;
  /** The health report now, then again every `everySeconds` seconds (1–3600). */
  health: Health;
  /** The export now, then after every change, until it SUCCEEDED or FAILED. */
  modelExportUpdated: ModelExport;
  /** The import now, then after every change, until it SUCCEEDED or FAILED. */
  modelImportUpdated: ModelImport;
  /**
   * The same events as runEvents, one message per committed batch instead of one per event: a replay page
   * (up to 500 events), then what each commit of the run brought (a trainer commits about every 500 ms, ~10
   * events of a training run). The same order, no gap or duplicate, the same completion, errors and close
   * codes (docs/live-events.md). Fewer, larger messages: what the dashboard and `./studio runs watch` use.
   */
  runEventBatches: RunEventBatch;
  /** Every stored event after `afterSeq` (default 0: all), then live ones, in seq order, with no gap and no duplicate. */
  runEvents: RunEvent;
  /** Every trainer heartbeat, as it happens. Needs an API key. */
  workerHeartbeats: WorkerHeartbeat;
};


export type SubscriptionEvaluationUpdatedArgs = {
  id: Scalars['ID']['input'];
};


export type SubscriptionGenerationUpdatedArgs = {
  id: Scalars['ID']['input'];
};


export type SubscriptionHealthArgs = {
  everySeconds?: Scalars['Int']['input'];
};


export type SubscriptionModelExportUpdatedArgs = {
  id: Scalars['ID']['input'];
};


export type SubscriptionModelImportUpdatedArgs = {
  id: Scalars['ID']['input'];
};


export type SubscriptionRunEventBatchesArgs = {
  afterSeq?: InputMaybe<Scalars['Int']['input']>;
  runId: Scalars['ID']['input'];
};


export type SubscriptionRunEventsArgs = {
  afterSeq?: InputMaybe<Scalars['Int']['input']>;
  runId: Scalars['ID']['input'];
};

export type Team = {
  __typename?: 'Team';
  id: Scalars['ID']['output'];
  /** Everyone in the team, OWNERs first. Any member of the team may list them. `first` 1–1000 (default 200). */
  members: Array<Member>;
  name: Scalars['String']['output'];
  /** The caller's role in this team. */
  role: TeamRole;
  /**
   * At most this many of the team's runs train at once (fair share; docs/scheduling.md): the team's own
   * setting, else the deployment's default (RUN_TEAM_CONCURRENCY). OWNER only: null for other roles.
   */
  runConcurrency: Maybe<Scalars['Int']['output']>;
};


export type TeamMembersArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type TeamRole =
  | 'MEMBER'
  | 'OWNER'
  | 'VIEWER';

/** Where a method's token goes in a prompt. */
export type TokenRole =
  /** Before the class noun: `a photo of <rare> backpack`. */
  | 'ADJECTIVE'
  /** In place of the noun: `a photo of <s*>`. */
  | 'NOUN';

/** Named training presets (trainer/engine/README.md, "Methods and defaults"). */
export type TrainingPreset =
  /** The method as the paper's §3.2 describes it: TWO_STAGE stage 2 runs 400 steps (DREAMBOOTH 800). */
  | 'SECTION_3_2'
  /** The paper's evaluation protocol (§4.1): stage 2 runs 800 steps with a checkpoint every 200. */
  | 'SECTION_4_1';

export type TrainingPresetFacts = {
  __typename?: 'TrainingPresetFacts';
  description: Scalars['String']['output'];
  preset: TrainingPreset;
  /** Stage-2 steps for each method that has a stage 2. */
  stage2Steps: Array<MethodSteps>;
};

export type TransferError = {
  __typename?: 'TransferError';
  /** e.g. UNSAFE_FORMAT, BAD_SAFETENSORS, BASE_MODEL_MISMATCH, BAD_CHECKPOINT, ENGINE_FAILED. */
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

/** Shared by exports and imports; every change is a conditional update (QUEUED → RUNNING → SUCCEEDED | FAILED). */
export type TransferState =
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type User = {
  __typename?: 'User';
  email: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
};

/** Who is calling: the key's user, acting in the key's team. */
export type Viewer = {
  __typename?: 'Viewer';
  /** The caller's own API keys (all of the team's keys for an OWNER), `first` 1–500 (default 100). */
  apiKeys: Array<ApiKey>;
  role: TeamRole;
  /** The team every request with this key acts in. */
  team: Team;
  /** Every team the user belongs to; `first` 1–500 (default 100). */
  teams: Array<Team>;
  user: User;
};


/** Who is calling: the key's user, acting in the key's team. */
export type ViewerApiKeysArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** Who is calling: the key's user, acting in the key's team. */
export type ViewerTeamsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A trainer process announced that it is alive (relayed from PostgreSQL NOTIFY). */
export type WorkerHeartbeat = {
  __typename?: 'WorkerHeartbeat';
  at: Scalars['DateTime']['output'];
  workerId: Scalars['String']['output'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;



/** Mapping of union types */
export type ResolversUnionTypes<_RefType extends Record<string, unknown>> = {
  RunEvent:
    | ( RunEventModel )
    | ( RunEventModel )
    | ( RunEventModel )
    | ( RunEventModel )
    | ( RunEventModel )
    | ( RunEventModel )
    | ( RunEventModel )
  ;
};


/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  AcceptedInvitation: ResolverTypeWrapper<AcceptedInvitationModel>;
  ApiKey: ResolverTypeWrapper<ApiKeyModel>;
  AuditAction: AuditAction;
  BaseModel: ResolverTypeWrapper<BaseModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Checkpoint: ResolverTypeWrapper<CheckpointModel>;
  CheckpointEncoding: CheckpointEncoding;
  CheckpointFile: ResolverTypeWrapper<CheckpointFileModel>;
  CheckpointSaved: ResolverTypeWrapper<RunEventModel>;
  CompareRow: ResolverTypeWrapper<CompareRowModel>;
  CreateShareInput: CreateShareInput;
  CreateSubjectInput: CreateSubjectInput;
  CreatedApiKey: ResolverTypeWrapper<CreatedApiKeyModel>;
  CreatedInvitation: ResolverTypeWrapper<CreatedInvitationModel>;
  CreatedShare: ResolverTypeWrapper<CreatedShareModel>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DreamBoothSettings: ResolverTypeWrapper<DreamBoothSettings>;
  DriftCheck: ResolverTypeWrapper<DriftCheck>;
  Evaluation: ResolverTypeWrapper<EvaluationModel>;
  EvaluationError: ResolverTypeWrapper<EvaluationError>;
  EvaluationImage: ResolverTypeWrapper<EvaluationImageModel>;
  EvaluationImageGroup: EvaluationImageGroup;
  EvaluationPrompt: ResolverTypeWrapper<EvaluationPrompt>;
  EvaluationProtocol: EvaluationProtocol;
  EvaluationState: EvaluationState;
  EvaluationUpdated: ResolverTypeWrapper<RunEventModel>;
  EvaluatorStatus: ResolverTypeWrapper<EvaluatorStatus>;
  ExportFile: ResolverTypeWrapper<ExportFileModel>;
  ExportFormat: ExportFormat;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  GenerateInput: GenerateInput;
  GeneratedImage: ResolverTypeWrapper<GeneratedImageModel>;
  Generation: ResolverTypeWrapper<GenerationModel>;
  GenerationError: ResolverTypeWrapper<GenerationError>;
  GenerationScheduler: GenerationScheduler;
  GenerationState: GenerationState;
  Health: ResolverTypeWrapper<Health>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  ImageUpload: ResolverTypeWrapper<ImageUpload>;
  ImportFileRole: ImportFileRole;
  ImportModelInput: ImportModelInput;
  ImportUpload: ResolverTypeWrapper<ImportUpload>;
  ImportUploadPart: ResolverTypeWrapper<ImportUploadPart>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  IntLimit: ResolverTypeWrapper<IntLimit>;
  Invitation: ResolverTypeWrapper<InvitationModel>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  LossLogged: ResolverTypeWrapper<RunEventModel>;
  LossPoint: ResolverTypeWrapper<LossPoint>;
  Member: ResolverTypeWrapper<MemberModel>;
  MethodSteps: ResolverTypeWrapper<MethodSteps>;
  ModelCard: ResolverTypeWrapper<ModelCardModel>;
  ModelCardImage: ResolverTypeWrapper<ModelCardImageModel>;
  ModelCardScore: ResolverTypeWrapper<ModelCardScore>;
  ModelExport: ResolverTypeWrapper<ModelExportModel>;
  ModelImport: ResolverTypeWrapper<ModelImportModel>;
  MultipartImportUpload: ResolverTypeWrapper<MultipartImportUpload>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  NumberLimit: ResolverTypeWrapper<NumberLimit>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PaperReference: ResolverTypeWrapper<PaperReference>;
  PhaseChanged: ResolverTypeWrapper<RunEventModel>;
  PhaseState: PhaseState;
  PromptScore: ResolverTypeWrapper<PromptScore>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Recommendation: ResolverTypeWrapper<RecommendationModel>;
  Run: ResolverTypeWrapper<RunModel>;
  RunAttemptError: ResolverTypeWrapper<RunAttemptError>;
  RunComparison: ResolverTypeWrapper<Omit<RunComparison, 'rows'> & { rows: Array<ResolversTypes['CompareRow']> }>;
  RunConnection: ResolverTypeWrapper<Omit<RunConnection, 'edges'> & { edges: Array<ResolversTypes['RunEdge']> }>;
  RunEdge: ResolverTypeWrapper<Omit<RunEdge, 'node'> & { node: ResolversTypes['Run'] }>;
  RunError: ResolverTypeWrapper<RunError>;
  RunEvent: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['RunEvent']>;
  RunEventBatch: ResolverTypeWrapper<Omit<RunEventBatch, 'events'> & { events: Array<ResolversTypes['RunEvent']> }>;
  RunLimits: ResolverTypeWrapper<RunLimits>;
  RunMethod: RunMethod;
  RunMethodFacts: ResolverTypeWrapper<RunMethodFacts>;
  RunMethods: ResolverTypeWrapper<RunMethods>;
  RunPhase: RunPhase;
  RunSettings: ResolverTypeWrapper<RunSettings>;
  RunState: RunState;
  RunStateChanged: ResolverTypeWrapper<RunEventModel>;
  Sample: ResolverTypeWrapper<SampleModel>;
  SamplePromptLimits: ResolverTypeWrapper<SamplePromptLimits>;
  SampleSaved: ResolverTypeWrapper<RunEventModel>;
  SampleSettings: ResolverTypeWrapper<SampleSettings>;
  ScoreSet: ResolverTypeWrapper<ScoreSetModel>;
  ServiceHealth: ResolverTypeWrapper<ServiceHealth>;
  ServiceStatus: ServiceStatus;
  Share: ResolverTypeWrapper<ShareModel>;
  ShareAuditEntry: ResolverTypeWrapper<ShareAuditEntryModel>;
  ShareKind: ShareKind;
  SharedRun: ResolverTypeWrapper<SharedRunModel>;
  SharedTeam: ResolverTypeWrapper<SharedTeam>;
  SizeRange: ResolverTypeWrapper<SizeRange>;
  StageDefaults: ResolverTypeWrapper<StageDefaults>;
  StageSettings: ResolverTypeWrapper<StageSettings>;
  StageStarted: ResolverTypeWrapper<RunEventModel>;
  StartRunInput: StartRunInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subject: ResolverTypeWrapper<SubjectModel>;
  SubjectConnection: ResolverTypeWrapper<Omit<SubjectConnection, 'edges'> & { edges: Array<ResolversTypes['SubjectEdge']> }>;
  SubjectEdge: ResolverTypeWrapper<Omit<SubjectEdge, 'node'> & { node: ResolversTypes['Subject'] }>;
  SubjectImage: ResolverTypeWrapper<SubjectImageModel>;
  SubjectKind: SubjectKind;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Team: ResolverTypeWrapper<TeamModel>;
  TeamRole: TeamRole;
  TokenRole: TokenRole;
  TrainingPreset: TrainingPreset;
  TrainingPresetFacts: ResolverTypeWrapper<TrainingPresetFacts>;
  TransferError: ResolverTypeWrapper<TransferError>;
  TransferState: TransferState;
  User: ResolverTypeWrapper<UserModel>;
  Viewer: ResolverTypeWrapper<ViewerModel>;
  WorkerHeartbeat: ResolverTypeWrapper<WorkerHeartbeat>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  AcceptedInvitation: AcceptedInvitationModel;
  ApiKey: ApiKeyModel;
  BaseModel: BaseModel;
  Boolean: Scalars['Boolean']['output'];
  Checkpoint: CheckpointModel;
  CheckpointFile: CheckpointFileModel;
  CheckpointSaved: RunEventModel;
  CompareRow: CompareRowModel;
  CreateShareInput: CreateShareInput;
  CreateSubjectInput: CreateSubjectInput;
  CreatedApiKey: CreatedApiKeyModel;
  CreatedInvitation: CreatedInvitationModel;
  CreatedShare: CreatedShareModel;
  DateTime: Scalars['DateTime']['output'];
  DreamBoothSettings: DreamBoothSettings;
  DriftCheck: DriftCheck;
  Evaluation: EvaluationModel;
  EvaluationError: EvaluationError;
  EvaluationImage: EvaluationImageModel;
  EvaluationPrompt: EvaluationPrompt;
  EvaluationUpdated: RunEventModel;
  EvaluatorStatus: EvaluatorStatus;
  ExportFile: ExportFileModel;
  Float: Scalars['Float']['output'];
  GenerateInput: GenerateInput;
  GeneratedImage: GeneratedImageModel;
  Generation: GenerationModel;
  GenerationError: GenerationError;
  Health: Health;
  ID: Scalars['ID']['output'];
  ImageUpload: ImageUpload;
  ImportModelInput: ImportModelInput;
  ImportUpload: ImportUpload;
  ImportUploadPart: ImportUploadPart;
  Int: Scalars['Int']['output'];
  IntLimit: IntLimit;
  Invitation: InvitationModel;
  JSON: Scalars['JSON']['output'];
  LossLogged: RunEventModel;
  LossPoint: LossPoint;
  Member: MemberModel;
  MethodSteps: MethodSteps;
  ModelCard: ModelCardModel;
  ModelCardImage: ModelCardImageModel;
  ModelCardScore: ModelCardScore;
  ModelExport: ModelExportModel;
  ModelImport: ModelImportModel;
  MultipartImportUpload: MultipartImportUpload;
  Mutation: Record<PropertyKey, never>;
  NumberLimit: NumberLimit;
  PageInfo: PageInfo;
  PaperReference: PaperReference;
  PhaseChanged: RunEventModel;
  PromptScore: PromptScore;
  Query: Record<PropertyKey, never>;
  Recommendation: RecommendationModel;
  Run: RunModel;
  RunAttemptError: RunAttemptError;
  RunComparison: Omit<RunComparison, 'rows'> & { rows: Array<ResolversParentTypes['CompareRow']> };
  RunConnection: Omit<RunConnection, 'edges'> & { edges: Array<ResolversParentTypes['RunEdge']> };
  RunEdge: Omit<RunEdge, 'node'> & { node: ResolversParentTypes['Run'] };
  RunError: RunError;
  RunEvent: ResolversUnionTypes<ResolversParentTypes>['RunEvent'];
  RunEventBatch: Omit<RunEventBatch, 'events'> & { events: Array<ResolversParentTypes['RunEvent']> };
  RunLimits: RunLimits;
  RunMethodFacts: RunMethodFacts;
  RunMethods: RunMethods;
  RunSettings: RunSettings;
  RunStateChanged: RunEventModel;
  Sample: SampleModel;
  SamplePromptLimits: SamplePromptLimits;
  SampleSaved: RunEventModel;
  SampleSettings: SampleSettings;
  ScoreSet: ScoreSetModel;
  ServiceHealth: ServiceHealth;
  Share: ShareModel;
  ShareAuditEntry: ShareAuditEntryModel;
  SharedRun: SharedRunModel;
  SharedTeam: SharedTeam;
  SizeRange: SizeRange;
  StageDefaults: StageDefaults;
  StageSettings: StageSettings;
  StageStarted: RunEventModel;
  StartRunInput: StartRunInput;
  String: Scalars['String']['output'];
  Subject: SubjectModel;
  SubjectConnection: Omit<SubjectConnection, 'edges'> & { edges: Array<ResolversParentTypes['SubjectEdge']> };
  SubjectEdge: Omit<SubjectEdge, 'node'> & { node: ResolversParentTypes['Subject'] };
  SubjectImage: SubjectImageModel;
  Subscription: Record<PropertyKey, never>;
  Team: TeamModel;
  TrainingPresetFacts: TrainingPresetFacts;
  TransferError: TransferError;
  User: UserModel;
  Viewer: ViewerModel;
  WorkerHeartbeat: WorkerHeartbeat;
};

export type AcceptedInvitationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['AcceptedInvitation'] = ResolversParentTypes['AcceptedInvitation']> = {
  apiKey?: Resolver<ResolversTypes['CreatedApiKey'], ParentType, ContextType>;
  team?: Resolver<ResolversTypes['Team'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type ApiKeyResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export type BaseModelResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['BaseModel'] = ResolversParentTypes['BaseModel']> = {
  available?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  default?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  generationSizes?: Resolver<ResolversTypes['SizeRange'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  pullCommand?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  resolution?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  trainers?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type CheckpointResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Checkpoint'] = ResolversParentTypes['Checkpoint']> = {
  contentHash?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  downloadUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  encoding?: Resolver<ResolversTypes['CheckpointEncoding'], ParentType, ContextType>;
  evaluations?: Resolver<Array<ResolversTypes['Evaluation']>, ParentType, ContextType, RequireFields<CheckpointEvaluationsArgs, 'first'>>;
  exports?: Resolver<Array<ResolversTypes['ModelExport']>, ParentType, ContextType, RequireFields<CheckpointExportsArgs, 'first'>>;
  files?: Resolver<Array<ResolversTypes['CheckpointFile']>, ParentType, ContextType>;
  generations?: Resolver<Array<ResolversTypes['Generation']>, ParentType, ContextType, RequireFields<CheckpointGenerationsArgs, 'first'>>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  modelCard?: Resolver<ResolversTypes['ModelCard'], ParentType, ContextType>;
  run?: Resolver<ResolversTypes['Run'], ParentType, ContextType>;
  sha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sizeBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type CheckpointFileResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['CheckpointFile'] = ResolversParentTypes['CheckpointFile']> = {
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sizeBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type CheckpointSavedResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['CheckpointSaved'] = ResolversParentTypes['CheckpointSaved']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  checkpoint?: Resolver<Maybe<ResolversTypes['Checkpoint']>, ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CompareRowResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['CompareRow'] = ResolversParentTypes['CompareRow']> = {
  checkpoint?: Resolver<Maybe<ResolversTypes['Checkpoint']>, ParentType, ContextType>;
  diverse?: Resolver<Maybe<ResolversTypes['ScoreSet']>, ParentType, ContextType>;
  quick?: Resolver<Maybe<ResolversTypes['ScoreSet']>, ParentType, ContextType>;
  run?: Resolver<ResolversTypes['Run'], ParentType, ContextType>;
  simple?: Resolver<Maybe<ResolversTypes['ScoreSet']>, ParentType, ContextType>;
};

export type CreatedApiKeyResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['CreatedApiKey'] = ResolversParentTypes['CreatedApiKey']> = {
  apiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType>;
  secret?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type CreatedInvitationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['CreatedInvitation'] = ResolversParentTypes['CreatedInvitation']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  invitation?: Resolver<ResolversTypes['Invitation'], ParentType, ContextType>;
};

export type CreatedShareResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['CreatedShare'] = ResolversParentTypes['CreatedShare']> = {
  share?: Resolver<ResolversTypes['Share'], ParentType, ContextType>;
  token?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DreamBoothSettingsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DreamBoothSettings'] = ResolversParentTypes['DreamBoothSettings']> = {
  classImageSteps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  classImages?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  priorLossWeight?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type DriftCheckResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DriftCheck'] = ResolversParentTypes['DriftCheck']> = {
  clipI?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  dino?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  flagged?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  prompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  threshold?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type EvaluationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Evaluation'] = ResolversParentTypes['Evaluation']> = {
  automatic?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  checkpoint?: Resolver<ResolversTypes['Checkpoint'], ParentType, ContextType>;
  clipI?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  clipT?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  dino?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  drift?: Resolver<Maybe<ResolversTypes['DriftCheck']>, ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['EvaluationError']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  guidanceScale?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  images?: Resolver<Array<ResolversTypes['EvaluationImage']>, ParentType, ContextType>;
  imagesDone?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  imagesScored?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  imagesTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  perPrompt?: Resolver<Array<ResolversTypes['PromptScore']>, ParentType, ContextType>;
  progress?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  prompts?: Resolver<Array<ResolversTypes['EvaluationPrompt']>, ParentType, ContextType>;
  protocol?: Resolver<ResolversTypes['EvaluationProtocol'], ParentType, ContextType>;
  run?: Resolver<ResolversTypes['Run'], ParentType, ContextType>;
  scoredWith?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  state?: Resolver<ResolversTypes['EvaluationState'], ParentType, ContextType>;
  steps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type EvaluationErrorResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['EvaluationError'] = ResolversParentTypes['EvaluationError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type EvaluationImageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['EvaluationImage'] = ResolversParentTypes['EvaluationImage']> = {
  group?: Resolver<ResolversTypes['EvaluationImageGroup'], ParentType, ContextType>;
  prompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  promptIndex?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type EvaluationPromptResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['EvaluationPrompt'] = ResolversParentTypes['EvaluationPrompt']> = {
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  prompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  scoringPrompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  seeds?: Resolver<Array<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type EvaluationUpdatedResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['EvaluationUpdated'] = ResolversParentTypes['EvaluationUpdated']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  checkpointId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  clipI?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  clipT?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  dino?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  evaluation?: Resolver<Maybe<ResolversTypes['Evaluation']>, ParentType, ContextType>;
  evaluationState?: Resolver<ResolversTypes['EvaluationState'], ParentType, ContextType>;
  protocol?: Resolver<ResolversTypes['EvaluationProtocol'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type EvaluatorStatusResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['EvaluatorStatus'] = ResolversParentTypes['EvaluatorStatus']> = {
  available?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  manifest?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  modelsDir?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ExportFileResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ExportFile'] = ResolversParentTypes['ExportFile']> = {
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sizeBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type GeneratedImageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['GeneratedImage'] = ResolversParentTypes['GeneratedImage']> = {
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type GenerationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Generation'] = ResolversParentTypes['Generation']> = {
  checkpoint?: Resolver<ResolversTypes['Checkpoint'], ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['GenerationError']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  guidanceScale?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  height?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  images?: Resolver<Array<ResolversTypes['GeneratedImage']>, ParentType, ContextType>;
  negativePrompt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  prompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  scheduler?: Resolver<ResolversTypes['GenerationScheduler'], ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['GenerationState'], ParentType, ContextType>;
  steps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stepsDone?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stepsTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  width?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type GenerationErrorResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['GenerationError'] = ResolversParentTypes['GenerationError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type HealthResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Health'] = ResolversParentTypes['Health']> = {
  checkedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  engine?: Resolver<ResolversTypes['ServiceHealth'], ParentType, ContextType>;
  postgres?: Resolver<ResolversTypes['ServiceHealth'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ServiceStatus'], ParentType, ContextType>;
  storage?: Resolver<ResolversTypes['ServiceHealth'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ImageUploadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ImageUpload'] = ResolversParentTypes['ImageUpload']> = {
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  fields?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  uploadId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ImportUploadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ImportUpload'] = ResolversParentTypes['ImportUpload']> = {
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  fields?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  uploadId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ImportUploadPartResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ImportUploadPart'] = ResolversParentTypes['ImportUploadPart']> = {
  partNumber?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type IntLimitResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['IntLimit'] = ResolversParentTypes['IntLimit']> = {
  max?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  min?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type InvitationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Invitation'] = ResolversParentTypes['Invitation']> = {
  acceptedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  acceptedBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  createdBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  role?: Resolver<ResolversTypes['TeamRole'], ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type LossLoggedResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['LossLogged'] = ResolversParentTypes['LossLogged']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  learningRate?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  loss?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type LossPointResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['LossPoint'] = ResolversParentTypes['LossPoint']> = {
  learningRate?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  loss?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type MemberResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Member'] = ResolversParentTypes['Member']> = {
  joinedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['TeamRole'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type MethodStepsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['MethodSteps'] = ResolversParentTypes['MethodSteps']> = {
  method?: Resolver<ResolversTypes['RunMethod'], ParentType, ContextType>;
  steps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ModelCardResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ModelCard'] = ResolversParentTypes['ModelCard']> = {
  baseModel?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  baseModelRevision?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  checkpointSha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  classNoun?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  evaluations?: Resolver<Array<ResolversTypes['ModelCardScore']>, ParentType, ContextType>;
  instancePrompt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  markdown?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  method?: Resolver<ResolversTypes['RunMethod'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  stageSettings?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  subjectImages?: Resolver<Array<ResolversTypes['ModelCardImage']>, ParentType, ContextType>;
  team?: Resolver<ResolversTypes['SharedTeam'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  trainedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  trainedBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
};

export type ModelCardImageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ModelCardImage'] = ResolversParentTypes['ModelCardImage']> = {
  sha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  thumbnailUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type ModelCardScoreResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ModelCardScore'] = ResolversParentTypes['ModelCardScore']> = {
  clipI?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  clipT?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  dino?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  evaluatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  evaluationId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  protocol?: Resolver<ResolversTypes['EvaluationProtocol'], ParentType, ContextType>;
};

export type ModelExportResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ModelExport'] = ResolversParentTypes['ModelExport']> = {
  archiveUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  checkpoint?: Resolver<ResolversTypes['Checkpoint'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['TransferError']>, ParentType, ContextType>;
  files?: Resolver<Array<ResolversTypes['ExportFile']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  format?: Resolver<ResolversTypes['ExportFormat'], ParentType, ContextType>;
  half?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['TransferState'], ParentType, ContextType>;
};

export type ModelImportResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ModelImport'] = ResolversParentTypes['ModelImport']> = {
  baseModel?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  checkpoint?: Resolver<Maybe<ResolversTypes['Checkpoint']>, ParentType, ContextType>;
  classNoun?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['TransferError']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  run?: Resolver<Maybe<ResolversTypes['Run']>, ParentType, ContextType>;
  state?: Resolver<ResolversTypes['TransferState'], ParentType, ContextType>;
  token?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type MultipartImportUploadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['MultipartImportUpload'] = ResolversParentTypes['MultipartImportUpload']> = {
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  partBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  parts?: Resolver<Array<ResolversTypes['ImportUploadPart']>, ParentType, ContextType>;
  uploadId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  acceptInvitation?: Resolver<ResolversTypes['AcceptedInvitation'], ParentType, ContextType, RequireFields<MutationAcceptInvitationArgs, 'code'>>;
  addSubjectImage?: Resolver<ResolversTypes['SubjectImage'], ParentType, ContextType, RequireFields<MutationAddSubjectImageArgs, 'subjectId' | 'uploadId'>>;
  cancelRun?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationCancelRunArgs, 'id'>>;
  completeModelImportUpload?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationCompleteModelImportUploadArgs, 'uploadId'>>;
  createApiKey?: Resolver<ResolversTypes['CreatedApiKey'], ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'name'>>;
  createImageUpload?: Resolver<ResolversTypes['ImageUpload'], ParentType, ContextType, RequireFields<MutationCreateImageUploadArgs, 'byteSize' | 'contentType' | 'filename' | 'subjectId'>>;
  createInvitation?: Resolver<ResolversTypes['CreatedInvitation'], ParentType, ContextType, RequireFields<MutationCreateInvitationArgs, 'expiresInHours' | 'role'>>;
  createModelImportMultipartUpload?: Resolver<ResolversTypes['MultipartImportUpload'], ParentType, ContextType, RequireFields<MutationCreateModelImportMultipartUploadArgs, 'byteSize' | 'filename' | 'role'>>;
  createModelImportUpload?: Resolver<ResolversTypes['ImportUpload'], ParentType, ContextType, RequireFields<MutationCreateModelImportUploadArgs, 'byteSize' | 'filename' | 'role'>>;
  createShare?: Resolver<ResolversTypes['CreatedShare'], ParentType, ContextType, RequireFields<MutationCreateShareArgs, 'input'>>;
  createSubject?: Resolver<ResolversTypes['Subject'], ParentType, ContextType, RequireFields<MutationCreateSubjectArgs, 'input'>>;
  evaluateCheckpoint?: Resolver<ResolversTypes['Evaluation'], ParentType, ContextType, RequireFields<MutationEvaluateCheckpointArgs, 'checkpointId' | 'protocol'>>;
  exportCheckpoint?: Resolver<ResolversTypes['ModelExport'], ParentType, ContextType, RequireFields<MutationExportCheckpointArgs, 'checkpointId' | 'format' | 'half'>>;
  generate?: Resolver<ResolversTypes['Generation'], ParentType, ContextType, RequireFields<MutationGenerateArgs, 'input'>>;
  importModel?: Resolver<ResolversTypes['ModelImport'], ParentType, ContextType, RequireFields<MutationImportModelArgs, 'input'>>;
  removeMember?: Resolver<ResolversTypes['Member'], ParentType, ContextType, RequireFields<MutationRemoveMemberArgs, 'userId'>>;
  removeSubjectImage?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationRemoveSubjectImageArgs, 'id'>>;
  revokeApiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'id'>>;
  revokeInvitation?: Resolver<ResolversTypes['Invitation'], ParentType, ContextType, RequireFields<MutationRevokeInvitationArgs, 'id'>>;
  revokeShare?: Resolver<ResolversTypes['Share'], ParentType, ContextType, RequireFields<MutationRevokeShareArgs, 'id'>>;
  setMemberRole?: Resolver<ResolversTypes['Member'], ParentType, ContextType, RequireFields<MutationSetMemberRoleArgs, 'role' | 'userId'>>;
  setRunConcurrency?: Resolver<ResolversTypes['Team'], ParentType, ContextType, Partial<MutationSetRunConcurrencyArgs>>;
  startRun?: Resolver<ResolversTypes['Run'], ParentType, ContextType, RequireFields<MutationStartRunArgs, 'input'>>;
};

export type NumberLimitResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['NumberLimit'] = ResolversParentTypes['NumberLimit']> = {
  max?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  min?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  minExclusive?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PaperReferenceResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['PaperReference'] = ResolversParentTypes['PaperReference']> = {
  diverseClipI?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  diverseDino?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  method?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  simpleClipI?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  simpleDino?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type PhaseChangedResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['PhaseChanged'] = ResolversParentTypes['PhaseChanged']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  baseModel?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  durationMs?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  phase?: Resolver<ResolversTypes['RunPhase'], ParentType, ContextType>;
  phaseState?: Resolver<ResolversTypes['PhaseState'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  warmEngine?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PromptScoreResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['PromptScore'] = ResolversParentTypes['PromptScore']> = {
  clipI?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  clipT?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  dino?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  imageCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  prompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  promptIndex?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  scoringPrompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  baseModels?: Resolver<Array<ResolversTypes['BaseModel']>, ParentType, ContextType>;
  checkpoint?: Resolver<Maybe<ResolversTypes['Checkpoint']>, ParentType, ContextType, RequireFields<QueryCheckpointArgs, 'id'>>;
  compareRuns?: Resolver<ResolversTypes['RunComparison'], ParentType, ContextType, RequireFields<QueryCompareRunsArgs, 'runIds'>>;
  evaluation?: Resolver<Maybe<ResolversTypes['Evaluation']>, ParentType, ContextType, RequireFields<QueryEvaluationArgs, 'id'>>;
  evaluator?: Resolver<ResolversTypes['EvaluatorStatus'], ParentType, ContextType>;
  generation?: Resolver<Maybe<ResolversTypes['Generation']>, ParentType, ContextType, RequireFields<QueryGenerationArgs, 'id'>>;
  health?: Resolver<ResolversTypes['Health'], ParentType, ContextType>;
  invitations?: Resolver<Array<ResolversTypes['Invitation']>, ParentType, ContextType, RequireFields<QueryInvitationsArgs, 'first'>>;
  modelExport?: Resolver<Maybe<ResolversTypes['ModelExport']>, ParentType, ContextType, RequireFields<QueryModelExportArgs, 'id'>>;
  modelImport?: Resolver<Maybe<ResolversTypes['ModelImport']>, ParentType, ContextType, RequireFields<QueryModelImportArgs, 'id'>>;
  run?: Resolver<Maybe<ResolversTypes['Run']>, ParentType, ContextType, RequireFields<QueryRunArgs, 'id'>>;
  runMethods?: Resolver<ResolversTypes['RunMethods'], ParentType, ContextType>;
  runs?: Resolver<ResolversTypes['RunConnection'], ParentType, ContextType, RequireFields<QueryRunsArgs, 'first'>>;
  shareAudit?: Resolver<Array<ResolversTypes['ShareAuditEntry']>, ParentType, ContextType, RequireFields<QueryShareAuditArgs, 'first'>>;
  sharedLink?: Resolver<ResolversTypes['SharedRun'], ParentType, ContextType>;
  sharedWithMe?: Resolver<Array<ResolversTypes['SharedRun']>, ParentType, ContextType, RequireFields<QuerySharedWithMeArgs, 'first'>>;
  shares?: Resolver<Array<ResolversTypes['Share']>, ParentType, ContextType, RequireFields<QuerySharesArgs, 'first'>>;
  subject?: Resolver<Maybe<ResolversTypes['Subject']>, ParentType, ContextType, RequireFields<QuerySubjectArgs, 'id'>>;
  subjects?: Resolver<ResolversTypes['SubjectConnection'], ParentType, ContextType, RequireFields<QuerySubjectsArgs, 'first'>>;
  viewer?: Resolver<ResolversTypes['Viewer'], ParentType, ContextType>;
};

export type RecommendationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Recommendation'] = ResolversParentTypes['Recommendation']> = {
  checkpoint?: Resolver<ResolversTypes['Checkpoint'], ParentType, ContextType>;
  evaluation?: Resolver<ResolversTypes['Evaluation'], ParentType, ContextType>;
  protocol?: Resolver<ResolversTypes['EvaluationProtocol'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type RunResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Run'] = ResolversParentTypes['Run']> = {
  attempt?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  attemptErrors?: Resolver<Array<ResolversTypes['RunAttemptError']>, ParentType, ContextType>;
  baseModel?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  cancelRequested?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  checkpoints?: Resolver<Array<ResolversTypes['Checkpoint']>, ParentType, ContextType, RequireFields<RunCheckpointsArgs, 'last'>>;
  config?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  defaultPrompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['RunError']>, ParentType, ContextType>;
  estimatedStartAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  evaluations?: Resolver<Array<ResolversTypes['Evaluation']>, ParentType, ContextType, RequireFields<RunEvaluationsArgs, 'first'>>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastEventSeq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  losses?: Resolver<Array<ResolversTypes['LossPoint']>, ParentType, ContextType, RequireFields<RunLossesArgs, 'first'>>;
  maxAttempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  method?: Resolver<ResolversTypes['RunMethod'], ParentType, ContextType>;
  queuePosition?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  recommendedCheckpoint?: Resolver<Maybe<ResolversTypes['Recommendation']>, ParentType, ContextType>;
  samples?: Resolver<Array<ResolversTypes['Sample']>, ParentType, ContextType, RequireFields<RunSamplesArgs, 'last'>>;
  settings?: Resolver<ResolversTypes['RunSettings'], ParentType, ContextType>;
  stage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  state?: Resolver<ResolversTypes['RunState'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  subject?: Resolver<ResolversTypes['Subject'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  totalSteps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type RunAttemptErrorResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunAttemptError'] = ResolversParentTypes['RunAttemptError']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  attempt?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type RunComparisonResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunComparison'] = ResolversParentTypes['RunComparison']> = {
  paper?: Resolver<Array<ResolversTypes['PaperReference']>, ParentType, ContextType>;
  rows?: Resolver<Array<ResolversTypes['CompareRow']>, ParentType, ContextType>;
};

export type RunConnectionResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunConnection'] = ResolversParentTypes['RunConnection']> = {
  edges?: Resolver<Array<ResolversTypes['RunEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type RunEdgeResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunEdge'] = ResolversParentTypes['RunEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Run'], ParentType, ContextType>;
};

export type RunErrorResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunError'] = ResolversParentTypes['RunError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  logTail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type RunEventResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunEvent'] = ResolversParentTypes['RunEvent']> = {
  __resolveType: TypeResolveFn<'CheckpointSaved' | 'EvaluationUpdated' | 'LossLogged' | 'PhaseChanged' | 'RunStateChanged' | 'SampleSaved' | 'StageStarted', ParentType, ContextType>;
};

export type RunEventBatchResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunEventBatch'] = ResolversParentTypes['RunEventBatch']> = {
  events?: Resolver<Array<ResolversTypes['RunEvent']>, ParentType, ContextType>;
  lastSeq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type RunLimitsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunLimits'] = ResolversParentTypes['RunLimits']> = {
  checkpointEvery?: Resolver<ResolversTypes['IntLimit'], ParentType, ContextType>;
  learningRate?: Resolver<ResolversTypes['NumberLimit'], ParentType, ContextType>;
  maxGradNorm?: Resolver<ResolversTypes['NumberLimit'], ParentType, ContextType>;
  resolution?: Resolver<ResolversTypes['SizeRange'], ParentType, ContextType>;
  samplePrompts?: Resolver<ResolversTypes['SamplePromptLimits'], ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['NumberLimit'], ParentType, ContextType>;
  steps?: Resolver<ResolversTypes['IntLimit'], ParentType, ContextType>;
};

export type RunMethodFactsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunMethodFacts'] = ResolversParentTypes['RunMethodFacts']> = {
  method?: Resolver<ResolversTypes['RunMethod'], ParentType, ContextType>;
  samplePromptTemplate?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  stage1?: Resolver<Maybe<ResolversTypes['StageDefaults']>, ParentType, ContextType>;
  stage2?: Resolver<Maybe<ResolversTypes['StageDefaults']>, ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  tokenRole?: Resolver<ResolversTypes['TokenRole'], ParentType, ContextType>;
};

export type RunMethodsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunMethods'] = ResolversParentTypes['RunMethods']> = {
  defaultMaxGradNorm?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  defaultMethod?: Resolver<ResolversTypes['RunMethod'], ParentType, ContextType>;
  defaultPreset?: Resolver<ResolversTypes['TrainingPreset'], ParentType, ContextType>;
  limits?: Resolver<ResolversTypes['RunLimits'], ParentType, ContextType>;
  methods?: Resolver<Array<ResolversTypes['RunMethodFacts']>, ParentType, ContextType>;
  presets?: Resolver<Array<ResolversTypes['TrainingPresetFacts']>, ParentType, ContextType>;
};

export type RunSettingsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunSettings'] = ResolversParentTypes['RunSettings']> = {
  dreambooth?: Resolver<Maybe<ResolversTypes['DreamBoothSettings']>, ParentType, ContextType>;
  maxGradNorm?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  preset?: Resolver<Maybe<ResolversTypes['TrainingPreset']>, ParentType, ContextType>;
  resolution?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  samples?: Resolver<Maybe<ResolversTypes['SampleSettings']>, ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  stage1?: Resolver<Maybe<ResolversTypes['StageSettings']>, ParentType, ContextType>;
  stage2?: Resolver<Maybe<ResolversTypes['StageSettings']>, ParentType, ContextType>;
};

export type RunStateChangedResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RunStateChanged'] = ResolversParentTypes['RunStateChanged']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  errorMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  previousState?: Resolver<Maybe<ResolversTypes['RunState']>, ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['RunState'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type SampleResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Sample'] = ResolversParentTypes['Sample']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  prompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  promptIndex?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type SamplePromptLimitsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SamplePromptLimits'] = ResolversParentTypes['SamplePromptLimits']> = {
  maxCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maxLength?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type SampleSavedResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SampleSaved'] = ResolversParentTypes['SampleSaved']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  prompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  promptIndex?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  sample?: Resolver<Maybe<ResolversTypes['Sample']>, ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type SampleSettingsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SampleSettings'] = ResolversParentTypes['SampleSettings']> = {
  every?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  guidanceScale?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  prompts?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  seeds?: Resolver<Array<ResolversTypes['Float']>, ParentType, ContextType>;
  steps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ScoreSetResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ScoreSet'] = ResolversParentTypes['ScoreSet']> = {
  clipI?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  clipT?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  dino?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  evaluation?: Resolver<ResolversTypes['Evaluation'], ParentType, ContextType>;
};

export type ServiceHealthResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ServiceHealth'] = ResolversParentTypes['ServiceHealth']> = {
  details?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  latencyMs?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ServiceStatus'], ParentType, ContextType>;
};

export type ShareResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Share'] = ResolversParentTypes['Share']> = {
  active?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  createdBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['ShareKind'], ParentType, ContextType>;
  promptOnly?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  revokedBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  run?: Resolver<ResolversTypes['Run'], ParentType, ContextType>;
  targetTeam?: Resolver<Maybe<ResolversTypes['SharedTeam']>, ParentType, ContextType>;
};

export type ShareAuditEntryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ShareAuditEntry'] = ResolversParentTypes['ShareAuditEntry']> = {
  action?: Resolver<ResolversTypes['AuditAction'], ParentType, ContextType>;
  actor?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  details?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  shareId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
};

export type SharedRunResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SharedRun'] = ResolversParentTypes['SharedRun']> = {
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  promptOnly?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  run?: Resolver<ResolversTypes['Run'], ParentType, ContextType>;
  shareId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  sharedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  team?: Resolver<ResolversTypes['SharedTeam'], ParentType, ContextType>;
};

export type SharedTeamResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SharedTeam'] = ResolversParentTypes['SharedTeam']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type SizeRangeResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SizeRange'] = ResolversParentTypes['SizeRange']> = {
  max?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  min?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  multipleOf?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type StageDefaultsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['StageDefaults'] = ResolversParentTypes['StageDefaults']> = {
  checkpointEvery?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  learningRate?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  steps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type StageSettingsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['StageSettings'] = ResolversParentTypes['StageSettings']> = {
  checkpointEvery?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  learningRate?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  steps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type StageStartedResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['StageStarted'] = ResolversParentTypes['StageStarted']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  totalSteps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type SubjectResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Subject'] = ResolversParentTypes['Subject']> = {
  classNoun?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  images?: Resolver<Array<ResolversTypes['SubjectImage']>, ParentType, ContextType, RequireFields<SubjectImagesArgs, 'first'>>;
  kind?: Resolver<ResolversTypes['SubjectKind'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  runs?: Resolver<Array<ResolversTypes['Run']>, ParentType, ContextType, RequireFields<SubjectRunsArgs, 'first'>>;
};

export type SubjectConnectionResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SubjectConnection'] = ResolversParentTypes['SubjectConnection']> = {
  edges?: Resolver<Array<ResolversTypes['SubjectEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type SubjectEdgeResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SubjectEdge'] = ResolversParentTypes['SubjectEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Subject'], ParentType, ContextType>;
};

export type SubjectImageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['SubjectImage'] = ResolversParentTypes['SubjectImage']> = {
  byteSize?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  contentType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  filename?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  originalUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  evaluationUpdated?: SubscriptionResolver<ResolversTypes['Evaluation'], "evaluationUpdated", ParentType, ContextType, RequireFields<SubscriptionEvaluationUpdatedArgs, 'id'>>;
  generationUpdated?: SubscriptionResolver<ResolversTypes['Generation'], "generationUpdated", ParentType, ContextType, RequireFields<SubscriptionGenerationUpdatedArgs, 'id'>>;
  health?: SubscriptionResolver<ResolversTypes['Health'], "health", ParentType, ContextType, RequireFields<SubscriptionHealthArgs, 'everySeconds'>>;
  modelExportUpdated?: SubscriptionResolver<ResolversTypes['ModelExport'], "modelExportUpdated", ParentType, ContextType, RequireFields<SubscriptionModelExportUpdatedArgs, 'id'>>;
  modelImportUpdated?: SubscriptionResolver<ResolversTypes['ModelImport'], "modelImportUpdated", ParentType, ContextType, RequireFields<SubscriptionModelImportUpdatedArgs, 'id'>>;
  runEventBatches?: SubscriptionResolver<ResolversTypes['RunEventBatch'], "runEventBatches", ParentType, ContextType, RequireFields<SubscriptionRunEventBatchesArgs, 'afterSeq' | 'runId'>>;
  runEvents?: SubscriptionResolver<ResolversTypes['RunEvent'], "runEvents", ParentType, ContextType, RequireFields<SubscriptionRunEventsArgs, 'afterSeq' | 'runId'>>;
  workerHeartbeats?: SubscriptionResolver<ResolversTypes['WorkerHeartbeat'], "workerHeartbeats", ParentType, ContextType>;
};

export type TeamResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Team'] = ResolversParentTypes['Team']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  members?: Resolver<Array<ResolversTypes['Member']>, ParentType, ContextType, RequireFields<TeamMembersArgs, 'first'>>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['TeamRole'], ParentType, ContextType>;
  runConcurrency?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type TrainingPresetFactsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['TrainingPresetFacts'] = ResolversParentTypes['TrainingPresetFacts']> = {
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  preset?: Resolver<ResolversTypes['TrainingPreset'], ParentType, ContextType>;
  stage2Steps?: Resolver<Array<ResolversTypes['MethodSteps']>, ParentType, ContextType>;
};

export type TransferErrorResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['TransferError'] = ResolversParentTypes['TransferError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type UserResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = {
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ViewerResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Viewer'] = ResolversParentTypes['Viewer']> = {
  apiKeys?: Resolver<Array<ResolversTypes['ApiKey']>, ParentType, ContextType, RequireFields<ViewerApiKeysArgs, 'first'>>;
  role?: Resolver<ResolversTypes['TeamRole'], ParentType, ContextType>;
  team?: Resolver<ResolversTypes['Team'], ParentType, ContextType>;
  teams?: Resolver<Array<ResolversTypes['Team']>, ParentType, ContextType, RequireFields<ViewerTeamsArgs, 'first'>>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type WorkerHeartbeatResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['WorkerHeartbeat'] = ResolversParentTypes['WorkerHeartbeat']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  workerId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type Resolvers<ContextType = ApiContext> = {
  AcceptedInvitation?: AcceptedInvitationResolvers<ContextType>;
  ApiKey?: ApiKeyResolvers<ContextType>;
  BaseModel?: BaseModelResolvers<ContextType>;
  Checkpoint?: CheckpointResolvers<ContextType>;
  CheckpointFile?: CheckpointFileResolvers<ContextType>;
  CheckpointSaved?: CheckpointSavedResolvers<ContextType>;
  CompareRow?: CompareRowResolvers<ContextType>;
  CreatedApiKey?: CreatedApiKeyResolvers<ContextType>;
  CreatedInvitation?: CreatedInvitationResolvers<ContextType>;
  CreatedShare?: CreatedShareResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DreamBoothSettings?: DreamBoothSettingsResolvers<ContextType>;
  DriftCheck?: DriftCheckResolvers<ContextType>;
  Evaluation?: EvaluationResolvers<ContextType>;
  EvaluationError?: EvaluationErrorResolvers<ContextType>;
  EvaluationImage?: EvaluationImageResolvers<ContextType>;
  EvaluationPrompt?: EvaluationPromptResolvers<ContextType>;
  EvaluationUpdated?: EvaluationUpdatedResolvers<ContextType>;
  EvaluatorStatus?: EvaluatorStatusResolvers<ContextType>;
  ExportFile?: ExportFileResolvers<ContextType>;
  GeneratedImage?: GeneratedImageResolvers<ContextType>;
  Generation?: GenerationResolvers<ContextType>;
  GenerationError?: GenerationErrorResolvers<ContextType>;
  Health?: HealthResolvers<ContextType>;
  ImageUpload?: ImageUploadResolvers<ContextType>;
  ImportUpload?: ImportUploadResolvers<ContextType>;
  ImportUploadPart?: ImportUploadPartResolvers<ContextType>;
  IntLimit?: IntLimitResolvers<ContextType>;
  Invitation?: InvitationResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  LossLogged?: LossLoggedResolvers<ContextType>;
  LossPoint?: LossPointResolvers<ContextType>;
  Member?: MemberResolvers<ContextType>;
  MethodSteps?: MethodStepsResolvers<ContextType>;
  ModelCard?: ModelCardResolvers<ContextType>;
  ModelCardImage?: ModelCardImageResolvers<ContextType>;
  ModelCardScore?: ModelCardScoreResolvers<ContextType>;
  ModelExport?: ModelExportResolvers<ContextType>;
  ModelImport?: ModelImportResolvers<ContextType>;
  MultipartImportUpload?: MultipartImportUploadResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  NumberLimit?: NumberLimitResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  PaperReference?: PaperReferenceResolvers<ContextType>;
  PhaseChanged?: PhaseChangedResolvers<ContextType>;
  PromptScore?: PromptScoreResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Recommendation?: RecommendationResolvers<ContextType>;
  Run?: RunResolvers<ContextType>;
  RunAttemptError?: RunAttemptErrorResolvers<ContextType>;
  RunComparison?: RunComparisonResolvers<ContextType>;
  RunConnection?: RunConnectionResolvers<ContextType>;
  RunEdge?: RunEdgeResolvers<ContextType>;
  RunError?: RunErrorResolvers<ContextType>;
  RunEvent?: RunEventResolvers<ContextType>;
  RunEventBatch?: RunEventBatchResolvers<ContextType>;
  RunLimits?: RunLimitsResolvers<ContextType>;
  RunMethodFacts?: RunMethodFactsResolvers<ContextType>;
  RunMethods?: RunMethodsResolvers<ContextType>;
  RunSettings?: RunSettingsResolvers<ContextType>;
  RunStateChanged?: RunStateChangedResolvers<ContextType>;
  Sample?: SampleResolvers<ContextType>;
  SamplePromptLimits?: SamplePromptLimitsResolvers<ContextType>;
  SampleSaved?: SampleSavedResolvers<ContextType>;
  SampleSettings?: SampleSettingsResolvers<ContextType>;
  ScoreSet?: ScoreSetResolvers<ContextType>;
  ServiceHealth?: ServiceHealthResolvers<ContextType>;
  Share?: ShareResolvers<ContextType>;
  ShareAuditEntry?: ShareAuditEntryResolvers<ContextType>;
  SharedRun?: SharedRunResolvers<ContextType>;
  SharedTeam?: SharedTeamResolvers<ContextType>;
  SizeRange?: SizeRangeResolvers<ContextType>;
  StageDefaults?: StageDefaultsResolvers<ContextType>;
  StageSettings?: StageSettingsResolvers<ContextType>;
  StageStarted?: StageStartedResolvers<ContextType>;
  Subject?: SubjectResolvers<ContextType>;
  SubjectConnection?: SubjectConnectionResolvers<ContextType>;
  SubjectEdge?: SubjectEdgeResolvers<ContextType>;
  SubjectImage?: SubjectImageResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  Team?: TeamResolvers<ContextType>;
  TrainingPresetFacts?: TrainingPresetFactsResolvers<ContextType>;
  TransferError?: TransferErrorResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
  WorkerHeartbeat?: WorkerHeartbeatResolvers<ContextType>;
};

