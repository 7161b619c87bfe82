import type { ModelImportResolvers } from "../generated/graphql.js";

export const ModelImport: ModelImportResolvers = {
  run: async (i, _a, ctx) => (i.runId ? (await ctx.session()).loaders.run.load(i.runId) : null),
  checkpoint: async (i, _a, ctx) => (i.checkpointId ? (await ctx.session()).loaders.checkpoint.load(i.checkpointId) : null),
  error: (i) => (i.errorCode ? { code: i.errorCode, message: i.errorMessage ?? "" } : null),
};
