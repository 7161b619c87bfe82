import type { workerQueries } from "@studio/db";

type Run = Pick<workerQueries.ClaimedRun, "id" | "method" | "baseModel" | "config">;

/**
 * The engine job spec for a run, as docs/platform-contract.md fixes it: `runs.config` holds every
 * setting but the paths; the trainer adds identity, inputs and where to write. Null settings (a
 * `resolution` of null means "the model's own") are left out: the engine's schema has no nulls there —
 * except where null means something: `maxGradNorm: null` turns gradient clipping off.
 */
const MEANINGFUL_NULLS = new Set(["maxGradNorm"]);

export function buildJobSpec(run: Run, inputs: { classNoun: string; images: string[]; outputDir: string; resumeFrom: string | null }): Record<string, unknown> {
  const settings = Object.fromEntries(Object.entries(run.config).filter(([k, v]) => v !== undefined && (v !== null || MEANINGFUL_NULLS.has(k))));
  const spec: Record<string, unknown> = {
    ...settings,
    v: 1,
    jobId: run.id,
    method: run.method,
    baseModel: run.baseModel,
    classNoun: inputs.classNoun,
    images: inputs.images,
    outputDir: inputs.outputDir,
  };
  if (inputs.resumeFrom) spec.resumeFrom = inputs.resumeFrom;
  return spec;
}

/** Steps of stage 1 in this run's config; stage-2 steps count after them in `runs.step`. */
export function stage1Steps(config: Record<string, unknown>): number {
  const s1 = config.stage1 as { steps?: unknown } | undefined;
  return typeof s1?.steps === "number" ? s1.steps : 0;
}

/** Zero-padded step as used in object keys and checkpoint folders (`stage2-step-000200`; @studio/db object-keys). */
export { stepName } from "@studio/db";
