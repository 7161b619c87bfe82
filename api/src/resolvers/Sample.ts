import type { SampleResolvers } from "../generated/graphql.js";

export const Sample: SampleResolvers = {
  url: (s, _a, ctx) => ctx.services.media.url(s.objectKey),
};
