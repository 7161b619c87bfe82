import type { EvaluationProtocol, EvaluationState, EvaluationSummaryFragment } from "@/generated/graphql";

export const PROTOCOLS: EvaluationProtocol[] = ["QUICK", "DIVERSE", "SIMPLE"];
/** The protocols a person asks for; QUICK runs by itself on every checkpoint. */
export const ON_REQUEST: EvaluationProtocol[] = ["DIVERSE", "SIMPLE"];
const ACTIVE: ReadonlySet<EvaluationState> = new Set(["QUEUED", "GENERATING", "SCORING"]);

export const isActive = (e: { state: EvaluationState }) => ACTIVE.has(e.state);

/** Cosine similarities, three decimals like the paper; "—" when there is none. */
export function fmtScore(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(3);
}

/**
 * The evaluation to show per (checkpoint, protocol): the newest one, unless it failed or is still running
 * while an older one succeeded — then the succeeded scores stay visible and the newer one shows its state.
 */
export function latestByProtocol(evaluations: EvaluationSummaryFragment[], checkpointId: string): Map<EvaluationProtocol, EvaluationSummaryFragment> {
  const out = new Map<EvaluationProtocol, EvaluationSummaryFragment>();
  const mine = evaluations.filter((e) => e.checkpoint.id === checkpointId).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  for (const e of mine) if (!out.has(e.protocol)) out.set(e.protocol, e);
  return out;
}

/** The newest succeeded evaluation per (checkpoint, protocol): the numbers the chart draws. */
export function latestSucceeded(evaluations: EvaluationSummaryFragment[], checkpointId: string, protocol: EvaluationProtocol): EvaluationSummaryFragment | null {
  let best: EvaluationSummaryFragment | null = null;
  for (const e of evaluations)
    if (e.checkpoint.id === checkpointId && e.protocol === protocol && e.state === "SUCCEEDED" && (!best || Date.parse(e.createdAt) > Date.parse(best.createdAt))) best = e;
  return best;
}
