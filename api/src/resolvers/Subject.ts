import type { SubjectResolvers } from "../generated/graphql.js";

export const Subject: SubjectResolvers = {
  images: async (s, _a, ctx) => (await ctx.session()).loaders.imagesBySubject.load(s.id),
  runs: async (s, _a, ctx) => (await ctx.session()).loaders.runsBySubject.load(s.id),
};
