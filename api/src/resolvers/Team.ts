import type { TeamResolvers } from "../generated/graphql.js";

export const Team: TeamResolvers = {
  members: async (t, _a, ctx) => ctx.services.members.members((await ctx.session()).principal, t.id),
};
