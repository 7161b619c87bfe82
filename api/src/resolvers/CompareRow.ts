import type { CompareRowResolvers, ScoreSetResolvers } from "../generated/graphql.js";
import type { EvaluationModel } from "../models.js";

const scores = (e: EvaluationModel | null) => (e ? { evaluation: e } : null);

/** A row of the comparison: the run's chosen checkpoint and its scores per protocol. */
export const CompareRow: CompareRowResolvers = {
  diverse: (r) => scores(r.diverse),
  simple: (r) => scores(r.simple),
  quick: (r) => scores(r.quick),
};

export const ScoreSet: ScoreSetResolvers = {
  clipI: (s) => s.evaluation.clipI ?? 0,
  clipT: (s) => s.evaluation.clipT ?? 0,
  dino: (s) => s.evaluation.dino ?? 0,
};
