import type { RunResolvers } from "../generated/graphql.js";

export const Run: RunResolvers = {
  subject: async (r, _a, ctx) => (await (await ctx.session()).loaders.subject.load(r.subjectId))!,
  config: (r) => r.config,
  cancelRequested: (r) => r.cancelRequestedAt !== null,
  error: (r) => (r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? "", logTail: r.logTail } : null),
  losses: async (r, a, ctx) => {
    const all = await (await ctx.session()).loaders.lossesByRun.load(r.id);
    return a.stage ? all.filter((l) => l.stage === a.stage) : all;
  },
  samples: async (r, _a, ctx) => (await ctx.session()).loaders.samplesByRun.load(r.id),
  checkpoints: async (r, _a, ctx) => (await ctx.session()).loaders.checkpointsByRun.load(r.id),
  evaluations: async (r, _a, ctx) => (await ctx.session()).loaders.evaluationsByRun.load(r.id),
  recommendedCheckpoint: async (r, _a, ctx) => ctx.services.evaluations.recommendation((await ctx.session()).loaders, r),
};
