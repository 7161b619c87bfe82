import { METHOD_FACTS, METHOD_LIMITS } from "./method-facts.generated.js";

/**
 * The method facts — defaults, presets, tokens and limits of the training methods — from their one
 * source, job-spec.schema.json (its `x-methodFacts` and its bounds; method-facts.generated.ts is written
 * from it by `pnpm codegen`). The engine reads the same file (studio_engine/spec.py); the API builds
 * `runs.config` with these and serves them as the `runMethods` query, which the dashboard's new-run form
 * reads; the CLI checks its flags with them.
 */
export { METHOD_FACTS, METHOD_LIMITS };

export type RunMethod = keyof typeof METHOD_FACTS.methods;
export type TrainingPreset = keyof typeof METHOD_FACTS.presets;
export type TokenRole = (typeof METHOD_FACTS.methods)[RunMethod]["tokenRole"];

export const RUN_METHODS = Object.keys(METHOD_FACTS.methods) as RunMethod[];
export const TRAINING_PRESETS = Object.keys(METHOD_FACTS.presets) as TrainingPreset[];
export const DEFAULT_METHOD: RunMethod = METHOD_FACTS.defaultMethod;
export const DEFAULT_PRESET: TrainingPreset = METHOD_FACTS.defaultPreset;
/** diffusers train_dreambooth.py --max_grad_norm; applied to every training stage. */
export const DEFAULT_MAX_GRAD_NORM: number = METHOD_FACTS.maxGradNorm;

export const isRunMethod = (v: unknown): v is RunMethod => typeof v === "string" && Object.hasOwn(METHOD_FACTS.methods, v);
export const isTrainingPreset = (v: unknown): v is TrainingPreset => typeof v === "string" && Object.hasOwn(METHOD_FACTS.presets, v);

/** The identifier each method trains (`<rare>`, `sks`, `<s*>`); default sample prompts use it. */
export const METHOD_TOKEN = Object.fromEntries(RUN_METHODS.map((m) => [m, METHOD_FACTS.methods[m].token])) as Record<RunMethod, string>;

/** The token as a noun (TEXTUAL_INVERSION: `a photo of <s*>`) or as an adjective before the class noun (`a photo of <rare> dog`). */
export function defaultSamplePrompt(method: RunMethod, classNoun: string): string {
  const token = METHOD_TOKEN[method];
  return METHOD_FACTS.methods[method].tokenRole === "NOUN" ? `a photo of ${token}` : `a photo of ${token} ${classNoun}`;
}

export interface StageDefaults {
  steps: number;
  learningRate: number;
  /** null: a checkpoint at the end of the stage only (TWO_STAGE's stage 1). */
  checkpointEvery: number | null;
}
export interface MethodDefaults {
  stage1: StageDefaults | null;
  stage2: StageDefaults | null;
  dreambooth: { classImages: number; priorLossWeight: number; classImageSteps: number } | null;
}

/** What `method` fills in for an omitted field under `preset` (stage-2 steps are the preset's). */
export function methodDefaults(method: RunMethod, preset: TrainingPreset = DEFAULT_PRESET): MethodDefaults {
  const m = METHOD_FACTS.methods[method];
  const stage2Steps = (METHOD_FACTS.presets[preset].stage2Steps as Partial<Record<RunMethod, number>>)[method];
  return {
    stage1: m.stage1 ? { ...m.stage1 } : null,
    stage2: m.stage2 && stage2Steps !== undefined ? { steps: stage2Steps, ...m.stage2 } : null,
    dreambooth: m.dreambooth ? { ...m.dreambooth } : null,
  };
}

/** The one rule for an omitted checkpoint interval: the method's, but never past the stage's last step. */
export function defaultCheckpointEvery(methodDefault: number, stageSteps: number): number {
  return Math.min(methodDefault, stageSteps);
}

const L = METHOD_LIMITS;
const inRange = (n: number, lo: number, hi: number) => n >= lo && n <= hi;

/** null when `n` is a valid step count (or checkpoint interval); otherwise the message naming the range. */
export function stepsProblem(field: string, n: unknown): string | null {
  return Number.isInteger(n) && inRange(n as number, L.steps.minimum, L.steps.maximum)
    ? null
    : `${field} must be an integer from ${L.steps.minimum} to ${L.steps.maximum} (got ${String(n)})`;
}

export function learningRateProblem(field: string, n: unknown): string | null {
  return typeof n === "number" && Number.isFinite(n) && n > L.learningRate.exclusiveMinimum && n <= L.learningRate.maximum
    ? null
    : `${field} must be a finite number in (${L.learningRate.exclusiveMinimum}, ${L.learningRate.maximum}] (got ${String(n)})`;
}

export function maxGradNormProblem(n: unknown): string | null {
  return n === null || (typeof n === "number" && Number.isFinite(n) && n > L.maxGradNorm.exclusiveMinimum && n <= L.maxGradNorm.maximum)
    ? null
    : `maxGradNorm must be a finite number in (${L.maxGradNorm.exclusiveMinimum}, ${L.maxGradNorm.maximum}], or null to disable clipping (got ${String(n)})`;
}

export function seedProblem(n: unknown): string | null {
  return Number.isInteger(n) && inRange(n as number, L.seed.minimum, L.seed.maximum) ? null : `seed must be an integer from ${L.seed.minimum} to ${L.seed.maximum}`;
}

export function resolutionProblem(n: unknown): string | null {
  const r = L.resolution;
  return n === null || (Number.isInteger(n) && inRange(n as number, r.minimum, r.maximum) && (n as number) % r.multipleOf === 0)
    ? null
    : `resolution must be a multiple of ${r.multipleOf} from ${r.minimum} to ${r.maximum}, or null`;
}

export function samplePromptsProblem(prompts: readonly string[]): string | null {
  const p = L.samplePrompts;
  if (prompts.length > p.maxItems) return `at most ${p.maxItems} sample prompts`;
  const bad = prompts.findIndex((s) => s.trim().length < p.minLength || s.length > p.maxLength);
  return bad < 0 ? null : `sample prompt ${bad + 1} must be ${p.minLength}–${p.maxLength} characters`;
}
