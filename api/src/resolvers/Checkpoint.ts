import type { CheckpointResolvers } from "../generated/graphql.js";

export const Checkpoint: CheckpointResolvers = {
  generations: async (c, a, ctx) => ctx.services.generations.history((await ctx.session()).principal, c.id, a.first),
  run: async (c, _a, ctx) => (await (await ctx.session()).loaders.run.load(c.runId))!,
  downloadUrl: (c, _a, ctx) => {
    const manifest = c.files.find((f) => f.name === "checkpoint.json") ?? c.files[0];
    return manifest ? ctx.services.media.download(manifest.objectKey, manifest.name) : "";
  },
};
