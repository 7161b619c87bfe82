import type { TeamResolvers } from "../generated/graphql.js";
import { capList } from "../graphql-limits.js";

export const Team: TeamResolvers = {
  members: async (t, a, ctx) => capList("Team.members", await ctx.services.members.members((await ctx.session()).principal, t.id), a.first),
};
