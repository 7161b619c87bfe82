import type { InvitationResolvers } from "../generated/graphql.js";

export const Invitation: InvitationResolvers = {
  createdBy: async (i, _a, ctx) => (i.createdBy ? (await ctx.session()).loaders.user.load(i.createdBy) : null),
  acceptedBy: async (i, _a, ctx) => (i.acceptedBy ? (await ctx.session()).loaders.user.load(i.acceptedBy) : null),
};
