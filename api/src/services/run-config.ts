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

const DEFAULTS = {
  TWO_STAGE: { stage1: { steps: 100, learningRate: 5e-4 }, stage2: { steps: 400, learningRate: 5e-6, checkpointEvery: 200 } },
  DREAMBOOTH: { stage1: null, stage2: { steps: 800, learningRate: 5e-6, checkpointEvery: 200 } },
  TEXTUAL_INVERSION: { stage1: { steps: 3000, learningRate: 5e-3 }, stage2: null },
} as const;
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
  samplePrompts?: string[] | null;
  seed?: number | null;
  resolution?: number | null;
}

export interface RunConfig {
  stage1?: { steps: number; learningRate: number };
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
  if (typeof n !== "number" || !Number.isFinite(n) || n <= 0 || n > 1)
    throw badInput(field, `${field} must be a finite number in (0, 1] (got ${String(v)})`);
  return n;
}

function notFor(method: RunMethod, input: StartRunInput, fields: (keyof StartRunInput)[]): void {
  for (const f of fields) if (given(input[f])) throw badInput(f, `${f} does not apply to ${method}`);
}

export function buildRunConfig(
  input: StartRunInput,
  classNoun: string,
  randomSeed: () => number,
): { method: RunMethod; baseModel: string; config: RunConfig; totalSteps: number } {
  const method: RunMethod = input.method ?? "TWO_STAGE";
  if (!(method in DEFAULTS)) throw badInput("method", `unknown method ${String(method)}`);
  const baseModel = input.baseModel ?? "stable-diffusion-2-1-base";
  if (!BASE_MODELS.some((m) => m.id === baseModel))
    throw badInput("baseModel", `unknown base model "${baseModel.slice(0, 100)}"; known: ${BASE_MODELS.map((m) => m.id).join(", ")}`);
  const d = DEFAULTS[method];
  const config: RunConfig = { samples: undefined as never, seed: 0, resolution: null };

  if (d.stage1) {
    config.stage1 = {
      steps: steps("stage1Steps", input.stage1Steps, d.stage1.steps),
      learningRate: learningRate("stage1LearningRate", input.stage1LearningRate, d.stage1.learningRate),
    };
  } else notFor(method, input, ["stage1Steps", "stage1LearningRate"]);
  if (d.stage2) {
    const s2Steps = steps("stage2Steps", input.stage2Steps, d.stage2.steps);
    config.stage2 = {
      steps: s2Steps,
      learningRate: learningRate("stage2LearningRate", input.stage2LearningRate, d.stage2.learningRate),
      checkpointEvery: steps("checkpointEvery", input.checkpointEvery, Math.min(d.stage2.checkpointEvery, s2Steps)),
    };
  } else notFor(method, input, ["stage2Steps", "stage2LearningRate", "checkpointEvery"]);
  if (method === "DREAMBOOTH") config.dreambooth = { ...DREAMBOOTH_DEFAULTS };

  const seed = input.seed ?? randomSeed();
  if (!Number.isInteger(seed) || seed < 0 || seed > 4294967295) throw badInput("seed", "seed must be an integer from 0 to 4294967295");
  config.seed = seed;

  const res = input.resolution ?? null;
  if (res !== null && (!Number.isInteger(res) || res < 64 || res > 1024 || res % 8 !== 0))
    throw badInput("resolution", "resolution must be a multiple of 8 from 64 to 1024, or null");
  config.resolution = res;

  const prompts = input.samplePrompts ?? [`a photo of ${METHOD_TOKEN[method]} ${classNoun}`];
  if (prompts.length > 16) throw badInput("samplePrompts", "at most 16 sample prompts");
  prompts.forEach((pr, i) => {
    if (pr.trim().length < 1 || pr.length > 500) throw badInput("samplePrompts", `sample prompt ${i + 1} must be 1–500 characters`);
  });
  const totalSteps = (config.stage1?.steps ?? 0) + (config.stage2?.steps ?? 0);
  config.samples = {
    prompts,
    seeds: [seed],
    // one sample set per checkpoint; stage 1 alone samples at its end
    every: config.stage2?.checkpointEvery ?? config.stage1!.steps,
    ...SAMPLE_DEFAULTS,
  };
  return { method, baseModel, config, totalSteps };
}
