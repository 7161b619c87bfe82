import type { QueryResolvers } from "../generated/graphql.js";
import { PAPER_TABLE_1 } from "../services/evaluations.service.js";
import { RUN_METHOD_FACTS } from "../services/run-methods.js";

export const Query: QueryResolvers = {
  health: (_parent, _args, ctx) => ctx.services.health.report(),
  viewer: async (_p, _a, ctx) => (await ctx.session()).principal,
  baseModels: async (_p, _a, ctx) => {
    await ctx.session();
    return ctx.services.baseModels.list();
  },
  runMethods: async (_p, _a, ctx) => {
    await ctx.session();
    return RUN_METHOD_FACTS;
  },
  subjects: async (_p, a, ctx) => ctx.services.subjects.list((await ctx.session()).principal, a.first, a.after),
  subject: async (_p, a, ctx) => ctx.services.subjects.get((await ctx.session()).principal, a.id),
  runs: async (_p, a, ctx) => ctx.services.runs.list((await ctx.session()).principal, a),
  run: async (_p, a, ctx) => ctx.services.runs.get((await ctx.session()).principal, a.id),
  checkpoint: async (_p, a, ctx) => ctx.services.runs.checkpoint((await ctx.session()).principal, a.id),
  generation: async (_p, a, ctx) => ctx.services.generations.get((await ctx.session()).principal, a.id),
  evaluation: async (_p, a, ctx) => ctx.services.evaluations.get((await ctx.session()).principal, a.id),
  compareRuns: async (_p, a, ctx) => {
    const s = await ctx.session();
    return { rows: await ctx.services.evaluations.compare(s.principal, s.loaders, a.runIds), paper: PAPER_TABLE_1 };
  },
  evaluator: async (_p, _a, ctx) => {
    await ctx.session();
    return ctx.services.evaluations.status();
  },
  modelExport: async (_p, a, ctx) => ctx.services.exports.get((await ctx.session()).principal, a.id),
  modelImport: async (_p, a, ctx) => ctx.services.imports.get((await ctx.session()).principal, a.id),
};
