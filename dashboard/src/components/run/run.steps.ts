/** Stages in training order, and where each one starts on the run's cumulative step axis. */
export const STAGE_ORDER: Record<string, number> = { class_images: 0, stage1: 1, stage2: 2 };

export const byStageStep = (a: { stage: string; step: number }, b: { stage: string; step: number }) => (STAGE_ORDER[a.stage] ?? 9) - (STAGE_ORDER[b.stage] ?? 9) || a.step - b.step;

/** Stage 2 counts on from the end of stage 1 (`Run.step` is cumulative the same way). */
export function stageOffsets(config: unknown): Record<string, number> {
  const cfg = (config ?? {}) as { stage1?: { steps?: number } };
  return { stage1: 0, stage2: cfg.stage1?.steps ?? 0 };
}

export function cumulativeStep(p: { stage: string; step: number }, offsets: Record<string, number>): number {
  return (offsets[p.stage] ?? 0) + p.step;
}

export const stageLabel = (stage: string) => (stage === "stage1" ? "stage 1" : stage === "stage2" ? "stage 2" : stage);

/**
 * The one step convention of the dashboard (grid, chart, checkpoints, playground): the stage-local step,
 * with the run's cumulative step beside it when they differ — "stage 2 · step 20 (run step 50)".
 */
export function stepText(p: { stage: string; step: number }, offsets: Record<string, number>): string {
  const cum = cumulativeStep(p, offsets);
  return `${stageLabel(p.stage)} · step ${p.step}${cum !== p.step ? ` (run step ${cum})` : ""}`;
}

/** The stage a cumulative step falls in, and its stage-local step. */
export function fromCumulative(cum: number, offsets: Record<string, number>): { stage: string; step: number } {
  const s2 = offsets.stage2 ?? 0;
  return s2 > 0 && cum > s2 ? { stage: "stage2", step: cum - s2 } : { stage: "stage1", step: cum };
}
