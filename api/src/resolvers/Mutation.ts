import type { MutationResolvers } from "../generated/graphql.js";

export const Mutation: MutationResolvers = {
  createApiKey: async (_p, a, ctx) => ctx.services.apiKeys.create((await ctx.session()).principal, a.name),
  revokeApiKey: async (_p, a, ctx) => ctx.services.apiKeys.revoke((await ctx.session()).principal, a.id),
  setRunConcurrency: async (_p, a, ctx) => {
    const p = (await ctx.session()).principal;
    await ctx.services.scheduling.setRunConcurrency(p, a.limit);
    return ctx.services.apiKeys.team(p);
  },
  createSubject: async (_p, a, ctx) => ctx.services.subjects.create((await ctx.session()).principal, a.input),
  createImageUpload: async (_p, a, ctx) => ctx.services.subjects.createImageUpload((await ctx.session()).principal, a),
  addSubjectImage: async (_p, a, ctx) => ctx.services.subjects.addImage((await ctx.session()).principal, a.subjectId, a.uploadId),
  removeSubjectImage: async (_p, a, ctx) => ctx.services.subjects.removeImage((await ctx.session()).principal, a.id),
  startRun: async (_p, a, ctx) => ctx.services.runs.start((await ctx.session()).principal, a.input),
  cancelRun: async (_p, a, ctx) => ctx.services.runs.cancel((await ctx.session()).principal, a.id),
  generate: async (_p, a, ctx) => ctx.services.generations.generate((await ctx.session()).principal, a.input),
  evaluateCheckpoint: async (_p, a, ctx) => {
    const s = await ctx.session();
    return ctx.services.evaluations.evaluate(s.principal, s.loaders, a.checkpointId, a.protocol);
  },
  exportCheckpoint: async (_p, a, ctx) => ctx.services.exports.exportCheckpoint((await ctx.session()).principal, a.checkpointId, a.format, a.half ?? false),
  createModelImportUpload: async (_p, a, ctx) => ctx.services.imports.createUpload((await ctx.session()).principal, a),
  createModelImportMultipartUpload: async (_p, a, ctx) => ctx.services.imports.createMultipartUpload((await ctx.session()).principal, a),
  completeModelImportUpload: async (_p, a, ctx) => ctx.services.imports.completeUpload((await ctx.session()).principal, a.uploadId),
  importModel: async (_p, a, ctx) => ctx.services.imports.importModel((await ctx.session()).principal, a.input),
};
