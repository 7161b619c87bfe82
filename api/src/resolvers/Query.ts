import type { QueryResolvers } from "../generated/graphql.js";

export const Query: QueryResolvers = {
  health: (_parent, _args, ctx) => ctx.services.health.report(),
};
