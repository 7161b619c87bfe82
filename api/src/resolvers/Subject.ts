import type { SubjectResolvers } from "../generated/graphql.js";
import { capList } from "../graphql-limits.js";

export const Subject: SubjectResolvers = {
  images: async (s, a, ctx) => capList("Subject.images", await (await ctx.session()).loaders.imagesBySubject.load(s.id), a.first),
  runs: async (s, a, ctx) => capList("Subject.runs", await (await ctx.session()).loaders.runsBySubject.load(s.id), a.first),
};
