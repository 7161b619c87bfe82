import type { ApiContext } from "../context.js";
import type { EvaluationImageResolvers, EvaluationResolvers, RecommendationResolvers } from "../generated/graphql.js";
import type { EvaluationModel } from "../models.js";

const loaders = async (ctx: ApiContext) => (await ctx.session()).loaders;

/** Generating and scoring each count for half: images made, then images embedded. */
export function progressOf(e: EvaluationModel): number {
  if (e.state === "SUCCEEDED") return 1;
  if (e.state === "QUEUED") return 0;
  const scoring = e.state === "SCORING" || e.state === "FAILED" ? Math.min(e.imagesScored, e.imagesTotal) : 0;
  return Math.min(1, (e.imagesDone + scoring) / (2 * e.imagesTotal));
}

export const Evaluation: EvaluationResolvers = {
  checkpoint: async (e, _a, ctx) => (await (await loaders(ctx)).checkpoint.load(e.checkpointId))!,
  run: async (e, _a, ctx) => (await (await loaders(ctx)).run.load(e.runId))!,
  progress: (e) => progressOf(e),
  prompts: (e) => e.spec.prompts,
  steps: (e) => e.spec.steps,
  guidanceScale: (e) => e.spec.guidanceScale,
  images: (e) => e.images.map((i) => ({ ...i, evaluation: e })),
  drift: (e) => e.drift ?? null,
  perPrompt: (e) => e.perPrompt,
  error: (e) => (e.errorCode ? { code: e.errorCode, message: e.errorMessage ?? "" } : null),
};

export const EvaluationImage: EvaluationImageResolvers = {
  prompt: (i) => (i.group === "SUBJECT" ? (i.evaluation.spec.prompts.find((p) => p.index === i.promptIndex)?.prompt ?? "") : i.evaluation.spec.drift.prompt),
  url: (i, _a, ctx) => ctx.services.media.url(i.objectKey),
};

export const Recommendation: RecommendationResolvers = {};
