import type {
  CheckpointSavedResolvers,
  EvaluationUpdatedResolvers,
  LossLoggedResolvers,
  PhaseChangedResolvers,
  RunEventResolvers,
  RunStateChangedResolvers,
  SampleSavedResolvers,
  StageStartedResolvers,
} from "../generated/graphql.js";
import type { ApiContext } from "../context.js";
import type { RunEventModel } from "../models.js";

/**
 * The run_events union: the row's `type` names the GraphQL type; payload fields are in
 * docs/platform-contract.md. Members share `seq` and `at`, so they live together here.
 */
const field = (e: RunEventModel, name: string) => e.payload[name] as never;
const common = { seq: (e: RunEventModel) => e.seq, at: (e: RunEventModel) => e.createdAt };

export const RunEvent: RunEventResolvers = {
  __resolveType: (e) => e.type as never,
};

export const RunStateChanged: RunStateChangedResolvers = {
  ...common,
  state: (e) => field(e, "state"),
  previousState: (e) => field(e, "previousState") ?? null,
  errorCode: (e) => field(e, "errorCode") ?? null,
  errorMessage: (e) => field(e, "errorMessage") ?? null,
};

export const StageStarted: StageStartedResolvers = {
  ...common,
  stage: (e) => field(e, "stage"),
  totalSteps: (e) => field(e, "totalSteps"),
};

export const PhaseChanged: PhaseChangedResolvers = {
  ...common,
  phase: (e) => field(e, "phase"),
  phaseState: (e) => field(e, "state"),
  baseModel: (e) => field(e, "baseModel") ?? null,
  durationMs: (e) => field(e, "durationMs") ?? null,
  warmEngine: (e) => field(e, "warm") ?? null,
};

export const LossLogged: LossLoggedResolvers = {
  ...common,
  stage: (e) => field(e, "stage"),
  step: (e) => field(e, "step"),
  loss: (e) => field(e, "loss"),
  learningRate: (e) => field(e, "learningRate"),
};

const sampleOf = async (e: RunEventModel, ctx: ApiContext) => {
  const id = field(e, "sampleId") as unknown;
  return typeof id === "string" ? (await ctx.session()).loaders.sample.load(id) : null;
};

export const SampleSaved: SampleSavedResolvers = {
  ...common,
  stage: (e) => field(e, "stage"),
  step: (e) => field(e, "step"),
  prompt: (e) => field(e, "prompt"),
  promptIndex: (e) => field(e, "promptIndex"),
  seed: (e) => field(e, "seed"),
  sample: (e, _a, ctx) => sampleOf(e, ctx),
  url: async (e, _a, ctx) => {
    const s = await sampleOf(e, ctx);
    return s ? ctx.services.media.url(s.objectKey) : null;
  },
};

export const CheckpointSaved: CheckpointSavedResolvers = {
  ...common,
  stage: (e) => field(e, "stage"),
  step: (e) => field(e, "step"),
  checkpoint: async (e, _a, ctx) => {
    const id = field(e, "checkpointId") as unknown;
    return typeof id === "string" ? (await ctx.session()).loaders.checkpoint.load(id) : null;
  },
};

export const EvaluationUpdated: EvaluationUpdatedResolvers = {
  ...common,
  checkpointId: (e) => field(e, "checkpointId"),
  protocol: (e) => field(e, "protocol"),
  evaluationState: (e) => field(e, "state"),
  clipI: (e) => field(e, "clipI") ?? null,
  clipT: (e) => field(e, "clipT") ?? null,
  dino: (e) => field(e, "dino") ?? null,
  evaluation: async (e, _a, ctx) => {
    const id = field(e, "evaluationId") as unknown;
    return typeof id === "string" ? (await ctx.session()).loaders.evaluation.load(id) : null;
  },
};
