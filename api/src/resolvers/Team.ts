import type { TeamResolvers } from "../generated/graphql.js";
import { capList } from "../graphql-limits.js";

export const Team: TeamResolvers = {
  runConcurrency: async (t, _a, ctx) => ctx.services.scheduling.runConcurrency((await ctx.session()).principal, t),
  members: async (t, a, ctx) => capList("Team.members", await ctx.services.members.members((await ctx.session()).principal, t.id), a.first),
};
