import type { ViewerResolvers } from "../generated/graphql.js";
import { capList } from "../graphql-limits.js";

export const Viewer: ViewerResolvers = {
  user: (p, _a, ctx) => ctx.services.apiKeys.user(p),
  team: (p, _a, ctx) => ctx.services.apiKeys.team(p),
  role: (p) => p.role,
  teams: async (p, a, ctx) => capList("Viewer.teams", await ctx.services.apiKeys.teams(p), a.first),
  apiKeys: async (p, a, ctx) => capList("Viewer.apiKeys", await ctx.services.apiKeys.list(p), a.first),
};
