import type { ModelExportResolvers } from "../generated/graphql.js";

export const ModelExport: ModelExportResolvers = {
  checkpoint: async (e, _a, ctx) => (await (await ctx.session()).loaders.checkpoint.load(e.checkpointId))!,
  files: (e) => (e.state === "SUCCEEDED" ? e.files : []),
  archiveUrl: async (e, _a, ctx) => ctx.services.exports.archiveUrl((await ctx.session()).principal, e),
  error: (e) => (e.errorCode ? { code: e.errorCode, message: e.errorMessage ?? "" } : null),
};
