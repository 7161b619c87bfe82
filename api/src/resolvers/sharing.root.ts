import { isWrongGuess } from "../limits/rate-limiter.js";
import type { MutationResolvers, QueryResolvers } from "../generated/graphql.js";
import { capList } from "../graphql-limits.js";

/** Root fields of api/schema/sharing.graphql, spread into Query and Mutation in index.ts. */
export const sharingQuery: QueryResolvers = {
  invitations: async (_p, a, ctx) => capList("Query.invitations", await ctx.services.members.invitations((await ctx.session()).principal), a.first),
  shares: async (_p, a, ctx) => capList("Query.shares", await ctx.services.sharing.list((await ctx.session()).principal, a.runId), a.first),
  sharedWithMe: async (_p, a, ctx) => capList("Query.sharedWithMe", await ctx.services.sharing.sharedWithMe((await ctx.session()).principal), a.first),
  sharedLink: async (_p, _a, ctx) => ctx.services.sharing.sharedLink((await ctx.session()).principal),
  shareAudit: async (_p, a, ctx) => ctx.services.sharing.audit((await ctx.session()).principal, a.first),
};

export const sharingMutation: MutationResolvers = {
  createInvitation: async (_p, a, ctx) => ctx.services.members.createInvitation((await ctx.session()).principal, a.role, a.expiresInHours),
  revokeInvitation: async (_p, a, ctx) => ctx.services.members.revokeInvitation((await ctx.session()).principal, a.id),
  // works without a key (a new person); with one, that user joins
  // a wrong code spends one of the IP's failed-authentication tokens (docs/security-rate-limits.md)
  acceptInvitation: async (_p, a, ctx) => {
    const accept = async () => ctx.services.members.accept(ctx.authorization ? (await ctx.session()).principal : null, a);
    return ctx.limits && ctx.clientIp ? ctx.limits.attempt(ctx.clientIp, accept, isWrongGuess) : accept();
  },
  setMemberRole: async (_p, a, ctx) => ctx.services.members.setRole((await ctx.session()).principal, a.userId, a.role),
  removeMember: async (_p, a, ctx) => ctx.services.members.remove((await ctx.session()).principal, a.userId),
  createShare: async (_p, a, ctx) => ctx.services.sharing.create((await ctx.session()).principal, a.input),
  revokeShare: async (_p, a, ctx) => ctx.services.sharing.revoke((await ctx.session()).principal, a.id),
};
