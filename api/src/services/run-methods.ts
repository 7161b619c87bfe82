import {
  DEFAULT_MAX_GRAD_NORM,
  DEFAULT_METHOD,
  DEFAULT_PRESET,
  defaultSamplePrompt,
  METHOD_FACTS,
  METHOD_LIMITS,
  methodDefaults,
  RUN_METHODS,
  TRAINING_PRESETS,
} from "@studio/protocol";
import type { RunMethods } from "../generated/graphql.js";

const L = METHOD_LIMITS;
const lowerBound = (b: { minimum?: number; exclusiveMinimum?: number }) => ({
  min: b.exclusiveMinimum ?? b.minimum ?? 0,
  minExclusive: b.exclusiveMinimum !== undefined,
});

/** The `runMethods` query: @studio/protocol's method facts (job-spec.schema.json) as GraphQL. Built once. */
export const RUN_METHOD_FACTS: RunMethods = {
  defaultMethod: DEFAULT_METHOD,
  defaultPreset: DEFAULT_PRESET,
  defaultMaxGradNorm: DEFAULT_MAX_GRAD_NORM,
  methods: RUN_METHODS.map((method) => {
    const d = methodDefaults(method);
    return {
      method,
      token: METHOD_FACTS.methods[method].token,
      tokenRole: METHOD_FACTS.methods[method].tokenRole,
      samplePromptTemplate: defaultSamplePrompt(method, "{classNoun}"),
      stage1: d.stage1,
      stage2: d.stage2,
    };
  }),
  presets: TRAINING_PRESETS.map((preset) => ({
    preset,
    description: METHOD_FACTS.presets[preset].description,
    stage2Steps: Object.entries(METHOD_FACTS.presets[preset].stage2Steps).map(([method, steps]) => ({ method: method as (typeof RUN_METHODS)[number], steps })),
  })),
  limits: {
    steps: { min: L.steps.minimum, max: L.steps.maximum },
    checkpointEvery: { min: L.checkpointEvery.minimum, max: L.checkpointEvery.maximum },
    learningRate: { ...lowerBound(L.learningRate), max: L.learningRate.maximum },
    maxGradNorm: { ...lowerBound(L.maxGradNorm), max: L.maxGradNorm.maximum },
    seed: { ...lowerBound(L.seed), max: L.seed.maximum },
    resolution: { min: L.resolution.minimum, max: L.resolution.maximum, multipleOf: L.resolution.multipleOf },
    samplePrompts: { maxCount: L.samplePrompts.maxItems, maxLength: L.samplePrompts.maxLength },
  },
};
