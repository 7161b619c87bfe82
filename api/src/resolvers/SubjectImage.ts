import type { SubjectImageResolvers } from "../generated/graphql.js";

export const SubjectImage: SubjectImageResolvers = {
  url: (img, _a, ctx) => ctx.services.media.url(img.displayKey),
  originalUrl: (img, _a, ctx) => ctx.services.media.download(img.objectKey, img.filename),
};
