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
import { payloadOf } from "@studio/db";
import type { RunEventModel } from "../models.js";

/**
 * The run_events union: the row's `type` names the GraphQL type; each payload is read as the type the
 * writers use (`RunEventPayloads` in @studio/db), so a renamed field fails typecheck here.
 * Members share `seq` and `at`, so they live together here.
 */
const common = { seq: (e: RunEventModel) => e.seq, at: (e: RunEventModel) => e.createdAt };

export const RunEvent: RunEventResolvers = {
  __resolveType: (e) => e.type as never,
};

const stateChanged = (e: RunEventModel) => payloadOf(e, "RunStateChanged");
export const RunStateChanged: RunStateChangedResolvers = {
  ...common,
  state: (e) => stateChanged(e).state as never,
  previousState: (e) => (stateChanged(e).previousState ?? null) as never,
  errorCode: (e) => stateChanged(e).errorCode ?? null,
  errorMessage: (e) => stateChanged(e).errorMessage ?? null,
};

export const StageStarted: StageStartedResolvers = {
  ...common,
  stage: (e) => payloadOf(e, "StageStarted").stage,
  totalSteps: (e) => payloadOf(e, "StageStarted").totalSteps,
};

const phase = (e: RunEventModel) => payloadOf(e, "PhaseChanged");
export const PhaseChanged: PhaseChangedResolvers = {
  ...common,
  phase: (e) => phase(e).phase,
  phaseState: (e) => phase(e).state,
  baseModel: (e) => phase(e).baseModel ?? null,
  durationMs: (e) => phase(e).durationMs ?? null,
  warmEngine: (e) => phase(e).warm ?? null,
};

const loss = (e: RunEventModel) => payloadOf(e, "LossLogged");
export const LossLogged: LossLoggedResolvers = {
  ...common,
  stage: (e) => loss(e).stage,
  step: (e) => loss(e).step,
  loss: (e) => loss(e).loss,
  learningRate: (e) => loss(e).learningRate,
};

const sample = (e: RunEventModel) => payloadOf(e, "SampleSaved");
const sampleOf = async (e: RunEventModel, ctx: ApiContext) => {
  const id = sample(e).sampleId as unknown;
  return typeof id === "string" ? (await ctx.session()).loaders.sample.load(id) : null;
};

export const SampleSaved: SampleSavedResolvers = {
  ...common,
  stage: (e) => sample(e).stage,
  step: (e) => sample(e).step,
  prompt: (e) => sample(e).prompt,
  promptIndex: (e) => sample(e).promptIndex,
  seed: (e) => sample(e).seed,
  sample: (e, _a, ctx) => sampleOf(e, ctx),
  url: async (e, _a, ctx) => {
    const s = await sampleOf(e, ctx);
    return s ? ctx.services.media.url(s.objectKey) : null;
  },
};

export const CheckpointSaved: CheckpointSavedResolvers = {
  ...common,
  stage: (e) => payloadOf(e, "CheckpointSaved").stage,
  step: (e) => payloadOf(e, "CheckpointSaved").step,
  checkpoint: async (e, _a, ctx) => {
    const id = payloadOf(e, "CheckpointSaved").checkpointId as unknown;
    return typeof id === "string" ? (await ctx.session()).loaders.checkpoint.load(id) : null;
  },
};

const evaluation = (e: RunEventModel) => payloadOf(e, "EvaluationUpdated");
export const EvaluationUpdated: EvaluationUpdatedResolvers = {
  ...common,
  checkpointId: (e) => evaluation(e).checkpointId,
  protocol: (e) => evaluation(e).protocol as never,
  evaluationState: (e) => evaluation(e).state as never,
  clipI: (e) => evaluation(e).clipI ?? null,
  clipT: (e) => evaluation(e).clipT ?? null,
  dino: (e) => evaluation(e).dino ?? null,
  evaluation: async (e, _a, ctx) => {
    const id = evaluation(e).evaluationId as unknown;
    return typeof id === "string" ? (await ctx.session()).loaders.evaluation.load(id) : null;
  },
};
