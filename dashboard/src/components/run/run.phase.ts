/**
 * The run's phase as people read it (docs/dashboard.md "Run phases"): every moment of a run has a name,
 * including the quiet ones — waiting in the queue, loading the base model before the first step, and
 * saving the last checkpoint after it.
 */
export type PhaseKey = "queued" | "loading" | "class_images" | "stage1" | "stage2" | "finishing" | "canceling" | "succeeded" | "failed" | "canceled";

export interface PhaseInput {
  state: string;
  stage: string | null | undefined;
  step: number;
  totalSteps: number;
  cancelRequested: boolean;
  /** Loss points seen so far (any stage). */
  points: number;
}

export function phaseOf(r: PhaseInput): PhaseKey {
  switch (r.state) {
    case "QUEUED":
      return "queued";
    case "SUCCEEDED":
      return "succeeded";
    case "FAILED":
      return "failed";
    case "CANCELED":
      return "canceled";
  }
  if (r.cancelRequested) return "canceling";
  if (r.totalSteps > 0 && r.step >= r.totalSteps) return "finishing";
  if (r.stage === "class_images") return "class_images";
  // RUNNING with no stage started and no step taken: the trainer is loading the base model.
  if (!r.stage && r.points === 0 && r.step === 0) return "loading";
  if (r.stage === "stage2") return "stage2";
  if (r.stage === "stage1" || r.stage) return "stage1";
  return "loading";
}

export const PHASE_TEXT: Record<PhaseKey, string> = {
  queued: "Queued",
  loading: "Starting: loading the base model",
  class_images: "Generating class images",
  stage1: "Stage 1 · training the token",
  stage2: "Stage 2 · fine-tuning the UNet",
  finishing: "Finishing (saving the last checkpoint)",
  canceling: "Canceling",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
};

/** The steps of a run in order, for the stepper; one-stage methods have no stage 2. */
export function phaseSteps(method: string): PhaseKey[] {
  const train: PhaseKey[] = method === "TWO_STAGE" ? ["stage1", "stage2"] : ["stage1"];
  return ["queued", "loading", ...train, "finishing"];
}

/** Steps per second over a time window of recent (cumulative step, ms) points, so batches do not make it jump. */
export function windowRate(points: { step: number; t: number }[], windowMs = 20_000, minSpanMs = 3_000): number | null {
  if (points.length < 2) return null;
  const last = points[points.length - 1]!;
  let first = points[0]!;
  for (const p of points) {
    if (last.t - p.t <= windowMs) {
      first = p;
      break;
    }
  }
  // Too short a window (a burst of events): widen to everything kept.
  if (last.t - first.t < minSpanMs) first = points[0]!;
  if (last.t <= first.t || last.step <= first.step) return null;
  return ((last.step - first.step) * 1000) / (last.t - first.t);
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return "—";
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
