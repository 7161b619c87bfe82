import type { ExportFileResolvers } from "../generated/graphql.js";

export const ExportFile: ExportFileResolvers = {
  // the export was authorized (its checkpoint is readable, downloads allowed) before its files were reached
  url: (f, _a, ctx) => ctx.services.media.download(f.objectKey, f.name.split("/").pop() ?? f.name),
};
