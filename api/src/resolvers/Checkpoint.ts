import type { CheckpointResolvers } from "../generated/graphql.js";
import { capList } from "../graphql-limits.js";

/** The compact UNet's file name (engine checkpoint_codec.py DELTA_FILE; trainer/protocol/PROTOCOL.md). */
export const DELTA_UNET_FILE = "unet.delta.safetensors";

export const Checkpoint: CheckpointResolvers = {
  generations: async (c, a, ctx) => ctx.services.generations.history((await ctx.session()).principal, c.id, a.first),
  evaluations: async (c, a, ctx) => capList("Checkpoint.evaluations", await (await ctx.session()).loaders.evaluationsByCheckpoint.load(c.id), a.first),
  run: async (c, _a, ctx) => (await (await ctx.session()).loaders.run.load(c.runId))!,
  modelCard: async (c, _a, ctx) => ctx.services.modelCards.card(await ctx.session(), c),
  // a promptOnly share link sees no files and cannot download
  files: async (c, _a, ctx) => (ctx.services.sharing.canDownload((await ctx.session()).principal) ? c.files : []),
  encoding: (c) => (c.files.some((f) => f.name === DELTA_UNET_FILE) ? "DELTA" : "PLAIN"),
  downloadUrl: async (c, _a, ctx) => {
    ctx.services.sharing.requireDownload((await ctx.session()).principal);
    const manifest = c.files.find((f) => f.name === "checkpoint.json") ?? c.files[0];
    return manifest ? ctx.services.media.download(manifest.objectKey, manifest.name) : "";
  },
  exports: async (c, a, ctx) => capList("Checkpoint.exports", await ctx.services.exports.ofCheckpoint((await ctx.session()).principal, c), a.first),
};
