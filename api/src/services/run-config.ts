import { badInput } from "../errors.js";

/**
 * startRun's rules: the paper's defaults per method (§3.2, §4.1) and the engine's limits
 * (trainer/protocol/job-spec.schema.json). The result is `runs.config` as fixed in
 * docs/platform-contract.md. Pure, so every rule is cheap to test.
 */
export type RunMethod = "TWO_STAGE" | "DREAMBOOTH" | "TEXTUAL_INVERSION";

export const BASE_MODELS = [
  { id: "stable-diffusion-2-1-base", description: "Stable Diffusion 2.1 base (512 px, epsilon prediction)", resolution: 512, default: true },
  { id: "tiny-random", description: "A tiny randomly initialised model for tests and the offline demo", resolution: 64, default: false },
] as const;

/** The identifier each method trains; default sample prompts use it. */
export const METHOD_TOKEN: Record<RunMethod, string> = { TWO_STAGE: "<rare>", DREAMBOOTH: "sks", TEXTUAL_INVERSION: "<s*>" };

/** The token each method's default prompts use as a noun (TEXTUAL_INVERSION) or adjective (the others). */
export function defaultSamplePrompt(method: RunMethod, classNoun: string): string {
  return method === "TEXTUAL_INVERSION" ? `a photo of ${METHOD_TOKEN[method]}` : `a photo of ${METHOD_TOKEN[method]} ${classNoun}`;
}

/**
 * Named training presets (trainer/engine/README.md "Methods and defaults"):
 * SECTION_3_2 — the method as §3.2 describes it: stage 2 for 400 steps (the 200–400 it recommends);
 * SECTION_4_1 — the paper's evaluation protocol (§4.1): stage 2 for 800 steps, a checkpoint every 200.
 */
export type TrainingPreset = "SECTION_3_2" | "SECTION_4_1";
const PRESET_STAGE2_STEPS: Record<TrainingPreset, Record<"TWO_STAGE" | "DREAMBOOTH", number>> = {
  SECTION_3_2: { TWO_STAGE: 400, DREAMBOOTH: 800 },
  SECTION_4_1: { TWO_STAGE: 800, DREAMBOOTH: 800 },
};

const DEFAULTS = {
  TWO_STAGE: { stage1: { steps: 100, learningRate: 5e-4, checkpointEvery: null }, stage2: { steps: 400, learningRate: 5e-6, checkpointEvery: 200 } },
  DREAMBOOTH: { stage1: null, stage2: { steps: 800, learningRate: 5e-6, checkpointEvery: 200 } },
  // checkpointEvery 500: diffusers textual_inversion.py --save_steps
  TEXTUAL_INVERSION: { stage1: { steps: 3000, learningRate: 5e-3, checkpointEvery: 500 }, stage2: null },
} as const;
/** diffusers train_dreambooth.py --max_grad_norm; applied to every training stage. */
export const DEFAULT_MAX_GRAD_NORM = 1.0;
const DREAMBOOTH_DEFAULTS = { classImages: 200, priorLossWeight: 1, classImageSteps: 50 };
const SAMPLE_DEFAULTS = { steps: 25, guidanceScale: 7.5 };

export interface StartRunInput {
  method?: RunMethod | null;
  baseModel?: string | null;
  stage1Steps?: number | null;
  stage1LearningRate?: number | null;
  stage2Steps?: number | null;
  stage2LearningRate?: number | null;
  checkpointEvery?: number | null;
  /** Omitted: 1.0. Explicit null: no clipping. */
  maxGradNorm?: number | null;
  preset?: TrainingPreset | null;
  samplePrompts?: string[] | null;
  seed?: number | null;
  resolution?: number | null;
}

export interface RunConfig {
  preset: TrainingPreset;
  stage1?: { steps: number; learningRate: number; checkpointEvery?: number };
  /** null: gradient clipping off. */
  maxGradNorm: number | null;
  stage2?: { steps: number; learningRate: number; checkpointEvery: number };
  samples: { prompts: string[]; seeds: number[]; every: number; steps: number; guidanceScale: number };
  seed: number;
  resolution: number | null;
  dreambooth?: { classImages: number; priorLossWeight: number; classImageSteps: number };
}

const given = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

function steps(field: string, v: number | null | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1 || n > 20000) throw badInput(field, `${field} must be an integer from 1 to 20000 (got ${String(v)})`);
  return n;
}

function learningRate(field: string, v: number | null | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (typeof n !== "number" || !Number.isFinite(n) || n <= 0 || n > 1) throw badInput(field, `${field} must be a finite number in (0, 1] (got ${String(v)})`);
  return n;
}

function notFor(method: RunMethod, input: StartRunInput, fields: (keyof StartRunInput)[]): void {
  for (const f of fields) if (given(input[f])) throw badInput(f, `${f} does not apply to ${method}`);
}

export function buildRunConfig(input: StartRunInput, classNoun: string, randomSeed: () => number): { method: RunMethod; baseModel: string; config: RunConfig; totalSteps: number } {
  const method: RunMethod = input.method ?? "TWO_STAGE";
  if (!(method in DEFAULTS)) throw badInput("method", `unknown method ${String(method)}`);
  const baseModel = input.baseModel ?? "stable-diffusion-2-1-base";
  if (!BASE_MODELS.some((m) => m.id === baseModel))
    throw badInput("baseModel", `unknown base model "${baseModel.slice(0, 100)}"; known: ${BASE_MODELS.map((m) => m.id).join(", ")}`);
  const d = DEFAULTS[method];
  const preset = input.preset ?? "SECTION_3_2";
  if (!(preset in PRESET_STAGE2_STEPS)) throw badInput("preset", `unknown preset ${String(preset)}`);
  if (method === "TEXTUAL_INVERSION" && preset !== "SECTION_3_2") throw badInput("preset", "the §4.1 preset sets stage 2, which TEXTUAL_INVERSION does not have");
  // Omitted → the reference's 1.0; an explicit null turns clipping off.
  const maxGradNorm = input.maxGradNorm === undefined ? DEFAULT_MAX_GRAD_NORM : input.maxGradNorm;
  if (maxGradNorm !== null && (typeof maxGradNorm !== "number" || !Number.isFinite(maxGradNorm) || maxGradNorm <= 0 || maxGradNorm > 1000))
    throw badInput("maxGradNorm", `maxGradNorm must be a finite number in (0, 1000], or null to disable clipping (got ${String(maxGradNorm)})`);
  const config: RunConfig = { preset, maxGradNorm, samples: undefined as never, seed: 0, resolution: null };

  if (d.stage1) {
    const s1Steps = steps("stage1Steps", input.stage1Steps, d.stage1.steps);
    config.stage1 = {
      steps: s1Steps,
      learningRate: learningRate("stage1LearningRate", input.stage1LearningRate, d.stage1.learningRate),
    };
    // TEXTUAL_INVERSION's only stage has its own checkpoints (checkpointEvery applies to it).
    if (d.stage1.checkpointEvery !== null) config.stage1.checkpointEvery = steps("checkpointEvery", input.checkpointEvery, Math.min(d.stage1.checkpointEvery, s1Steps));
  } else notFor(method, input, ["stage1Steps", "stage1LearningRate"]);
  if (d.stage2) {
    const s2Steps = steps("stage2Steps", input.stage2Steps, PRESET_STAGE2_STEPS[preset][method as "TWO_STAGE" | "DREAMBOOTH"]);
    config.stage2 = {
      steps: s2Steps,
      learningRate: learningRate("stage2LearningRate", input.stage2LearningRate, d.stage2.learningRate),
      checkpointEvery: steps("checkpointEvery", input.checkpointEvery, Math.min(d.stage2.checkpointEvery, s2Steps)),
    };
  } else notFor(method, input, ["stage2Steps", "stage2LearningRate"]);
  if (method === "DREAMBOOTH") config.dreambooth = { ...DREAMBOOTH_DEFAULTS };

  const seed = input.seed ?? randomSeed();
  if (!Number.isInteger(seed) || seed < 0 || seed > 4294967295) throw badInput("seed", "seed must be an integer from 0 to 4294967295");
  config.seed = seed;

  const res = input.resolution ?? null;
  if (res !== null && (!Number.isInteger(res) || res < 64 || res > 1024 || res % 8 !== 0))
    throw badInput("resolution", "resolution must be a multiple of 8 from 64 to 1024, or null");
  config.resolution = res;

  const prompts = input.samplePrompts ?? [defaultSamplePrompt(method, classNoun)];
  if (prompts.length > 16) throw badInput("samplePrompts", "at most 16 sample prompts");
  prompts.forEach((pr, i) => {
    if (pr.trim().length < 1 || pr.length > 500) throw badInput("samplePrompts", `sample prompt ${i + 1} must be 1–500 characters`);
  });
  const totalSteps = (config.stage1?.steps ?? 0) + (config.stage2?.steps ?? 0);
  config.samples = {
    prompts,
    seeds: [seed],
    // one sample set per checkpoint; stage 1 alone samples at its end
    every: config.stage2?.checkpointEvery ?? config.stage1!.checkpointEvery ?? config.stage1!.steps,
    ...SAMPLE_DEFAULTS,
  };
  return { method, baseModel, config, totalSteps };
}
