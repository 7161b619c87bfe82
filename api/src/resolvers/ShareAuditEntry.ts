import type { ShareAuditEntryResolvers } from "../generated/graphql.js";

export const ShareAuditEntry: ShareAuditEntryResolvers = {
  id: (e) => String(e.id),
  actor: async (e, _a, ctx) => (e.actorUserId ? (await ctx.session()).loaders.user.load(e.actorUserId) : null),
};
