import type { GeneratedImageResolvers } from "../generated/graphql.js";

export const GeneratedImage: GeneratedImageResolvers = {
  url: (img, _a, ctx) => ctx.services.media.url(img.objectKey),
};
