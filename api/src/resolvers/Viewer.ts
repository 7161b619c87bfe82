import type { ViewerResolvers } from "../generated/graphql.js";

export const Viewer: ViewerResolvers = {
  user: (p, _a, ctx) => ctx.services.apiKeys.user(p),
  team: (p, _a, ctx) => ctx.services.apiKeys.team(p),
  role: (p) => p.role,
  teams: (p, _a, ctx) => ctx.services.apiKeys.teams(p),
  apiKeys: (p, _a, ctx) => ctx.services.apiKeys.list(p),
};
