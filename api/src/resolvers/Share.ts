import type { ShareResolvers } from "../generated/graphql.js";
import { isActive } from "../services/shares.service.js";

export const Share: ShareResolvers = {
  run: async (s, _a, ctx) => (await (await ctx.session()).loaders.run.load(s.runId))!,
  targetTeam: async (s, _a, ctx) => (s.targetTeamId ? (await ctx.session()).loaders.teamName.load(s.targetTeamId) : null),
  createdBy: async (s, _a, ctx) => (s.createdBy ? (await ctx.session()).loaders.user.load(s.createdBy) : null),
  revokedBy: async (s, _a, ctx) => (s.revokedBy ? (await ctx.session()).loaders.user.load(s.revokedBy) : null),
  active: (s) => isActive(s),
};
