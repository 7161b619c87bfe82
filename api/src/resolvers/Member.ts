import type { MemberResolvers } from "../generated/graphql.js";

export const Member: MemberResolvers = {
  user: async (m, _a, ctx) => (await (await ctx.session()).loaders.user.load(m.userId))!,
  joinedAt: (m) => m.createdAt,
};
