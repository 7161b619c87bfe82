import {
  DEFAULT_MAX_GRAD_NORM,
  DEFAULT_METHOD,
  DEFAULT_PRESET,
  defaultCheckpointEvery,
  defaultSamplePrompt,
  isRunMethod,
  isTrainingPreset,
  learningRateProblem,
  maxGradNormProblem,
  METHOD_FACTS,
  METHOD_TOKEN,
  methodDefaults,
  resolutionProblem,
  samplePromptsProblem,
  seedProblem,
  stepsProblem,
  type RunMethod,
  type TrainingPreset,
} from "@studio/protocol";
import { badInput } from "../errors.js";

/**
 * startRun's rules: each method's defaults, presets and the engine's limits come from @studio/protocol
 * (generated from trainer/protocol/job-spec.schema.json, the one source the engine reads too). The result
 * is `runs.config` as fixed in docs/platform-contract.md. Pure, so every rule is cheap to test.
 */
export type { RunMethod, TrainingPreset };
export { DEFAULT_MAX_GRAD_NORM, METHOD_TOKEN, defaultSamplePrompt };

export const BASE_MODELS = [
  { id: "stable-diffusion-2-1-base", description: "Stable Diffusion 2.1 base (512 px, epsilon prediction)", resolution: 512, default: true },
  { id: "tiny-random", description: "A tiny randomly initialised model for tests and the offline demo", resolution: 64, default: false },
] as const;

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
  const problem = stepsProblem(field, n);
  if (problem) throw badInput(field, problem);
  return n;
}

function learningRate(field: string, v: number | null | undefined, dflt: number): number {
  const n = v ?? dflt;
  const problem = learningRateProblem(field, n);
  if (problem) throw badInput(field, problem);
  return n;
}

function check(field: string, problem: string | null): void {
  if (problem) throw badInput(field, problem);
}

function notFor(method: RunMethod, input: StartRunInput, fields: (keyof StartRunInput)[]): void {
  for (const f of fields) if (given(input[f])) throw badInput(f, `${f} does not apply to ${method}`);
}

export function buildRunConfig(input: StartRunInput, classNoun: string, randomSeed: () => number): { method: RunMethod; baseModel: string; config: RunConfig; totalSteps: number } {
  const method: RunMethod = input.method ?? DEFAULT_METHOD;
  if (!isRunMethod(method)) throw badInput("method", `unknown method ${String(method)}`);
  const baseModel = input.baseModel ?? "stable-diffusion-2-1-base";
  if (!BASE_MODELS.some((m) => m.id === baseModel))
    throw badInput("baseModel", `unknown base model "${baseModel.slice(0, 100)}"; known: ${BASE_MODELS.map((m) => m.id).join(", ")}`);
  const preset = input.preset ?? DEFAULT_PRESET;
  if (!isTrainingPreset(preset)) throw badInput("preset", `unknown preset ${String(preset)}`);
  const d = methodDefaults(method, preset);
  if (!d.stage2 && preset !== DEFAULT_PRESET) throw badInput("preset", `the ${preset} preset sets stage 2, which ${method} does not have`);
  // Omitted → the reference's 1.0; an explicit null turns clipping off.
  const maxGradNorm = input.maxGradNorm === undefined ? DEFAULT_MAX_GRAD_NORM : input.maxGradNorm;
  check("maxGradNorm", maxGradNormProblem(maxGradNorm));
  const config: RunConfig = { preset, maxGradNorm, samples: undefined as never, seed: 0, resolution: null };

  if (d.stage1) {
    const s1Steps = steps("stage1Steps", input.stage1Steps, d.stage1.steps);
    config.stage1 = {
      steps: s1Steps,
      learningRate: learningRate("stage1LearningRate", input.stage1LearningRate, d.stage1.learningRate),
    };
    // TEXTUAL_INVERSION's only stage has its own checkpoints (checkpointEvery applies to it).
    if (d.stage1.checkpointEvery !== null)
      config.stage1.checkpointEvery = steps("checkpointEvery", input.checkpointEvery, defaultCheckpointEvery(d.stage1.checkpointEvery, s1Steps));
  } else notFor(method, input, ["stage1Steps", "stage1LearningRate"]);
  if (d.stage2) {
    const s2Steps = steps("stage2Steps", input.stage2Steps, d.stage2.steps);
    config.stage2 = {
      steps: s2Steps,
      learningRate: learningRate("stage2LearningRate", input.stage2LearningRate, d.stage2.learningRate),
      checkpointEvery: steps("checkpointEvery", input.checkpointEvery, defaultCheckpointEvery(d.stage2.checkpointEvery ?? s2Steps, s2Steps)),
    };
  } else notFor(method, input, ["stage2Steps", "stage2LearningRate"]);
  if (d.dreambooth) config.dreambooth = d.dreambooth;

  const seed = input.seed ?? randomSeed();
  check("seed", seedProblem(seed));
  config.seed = seed;

  const res = input.resolution ?? null;
  check("resolution", resolutionProblem(res));
  config.resolution = res;

  const prompts = input.samplePrompts ?? [defaultSamplePrompt(method, classNoun)];
  check("samplePrompts", samplePromptsProblem(prompts));
  const totalSteps = (config.stage1?.steps ?? 0) + (config.stage2?.steps ?? 0);
  config.samples = {
    prompts,
    seeds: [seed],
    // one sample set per checkpoint; stage 1 alone samples at its end
    every: config.stage2?.checkpointEvery ?? config.stage1!.checkpointEvery ?? config.stage1!.steps,
    steps: METHOD_FACTS.samples.steps,
    guidanceScale: METHOD_FACTS.samples.guidanceScale,
  };
  return { method, baseModel, config, totalSteps };
}
