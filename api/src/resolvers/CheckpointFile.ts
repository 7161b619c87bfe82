import type { CheckpointFileResolvers } from "../generated/graphql.js";

export const CheckpointFile: CheckpointFileResolvers = {
  url: (f, _a, ctx) => ctx.services.media.download(f.objectKey, f.name),
};
