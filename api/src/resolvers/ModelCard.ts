import type { ModelCardImageResolvers, ModelCardResolvers } from "../generated/graphql.js";

export const ModelCard: ModelCardResolvers = {
  baseModelRevision: (card, _a, ctx) => ctx.services.modelCards.revision(card),
  markdown: (card, _a, ctx) => ctx.services.modelCards.markdown(card),
};

// the card's one nested type lives with it
export const ModelCardImage: ModelCardImageResolvers = {
  thumbnailUrl: (img, _a, ctx) => ctx.services.modelCards.thumbnailUrl(img),
};
