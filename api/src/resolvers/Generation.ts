import type { GenerationResolvers } from "../generated/graphql.js";

export const Generation: GenerationResolvers = {
  checkpoint: async (g, _a, ctx) => (await (await ctx.session()).loaders.checkpoint.load(g.checkpointId))!,
  error: (g) => (g.errorCode ? { code: g.errorCode, message: g.errorMessage ?? "" } : null),
  stepsDone: (g) => (g.state === "SUCCEEDED" ? g.steps * g.count : Math.min(g.stepsDone, g.steps * g.count)),
  stepsTotal: (g) => g.steps * g.count,
};
