import type { CheckpointFileResolvers } from "../generated/graphql.js";

export const CheckpointFile: CheckpointFileResolvers = {
  url: async (f, _a, ctx) => {
    ctx.services.sharing.requireDownload((await ctx.session()).principal);
    return ctx.services.media.download(f.objectKey, f.name);
  },
};
