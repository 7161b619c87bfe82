/**
 * The DreamBooth evaluation prompts (docs/evaluation-contract.md §4), copied verbatim from
 * datasets/dreambooth/prompts_and_classes.txt of the DreamBooth dataset — google/dreambooth,
 * https://github.com/google/dreambooth, licensed CC-BY-4.0 (Ruiz et al., "DreamBooth: Fine Tuning
 * Text-to-Image Diffusion Models for Subject-Driven Generation", CVPR 2023). `{0}`/`{1}` of the
 * original `.format(unique_token, class_token)` are written `{token}`/`{class}`. A unit test checks
 * this copy against the shared file.
 */
import type { EvaluationPromptSpec, EvaluationSpec } from "@studio/db/schema";

export const OBJECT_PROMPTS: readonly string[] = [
  "a {token} {class} in the jungle",
  "a {token} {class} in the snow",
  "a {token} {class} on the beach",
  "a {token} {class} on a cobblestone street",
  "a {token} {class} on top of pink fabric",
  "a {token} {class} on top of a wooden floor",
  "a {token} {class} with a city in the background",
  "a {token} {class} with a mountain in the background",
  "a {token} {class} with a blue house in the background",
  "a {token} {class} on top of a purple rug in a forest",
  "a {token} {class} with a wheat field in the background",
  "a {token} {class} with a tree and autumn leaves in the background",
  "a {token} {class} with the Eiffel Tower in the background",
  "a {token} {class} floating on top of water",
  "a {token} {class} floating in an ocean of milk",
  "a {token} {class} on top of green grass with sunflowers around it",
  "a {token} {class} on top of a mirror",
  "a {token} {class} on top of the sidewalk in a crowded street",
  "a {token} {class} on top of a dirt road",
  "a {token} {class} on top of a white rug",
  "a red {token} {class}",
  "a purple {token} {class}",
  "a shiny {token} {class}",
  "a wet {token} {class}",
  "a cube shaped {token} {class}",
];

export const LIVE_SUBJECT_PROMPTS: readonly string[] = [
  "a {token} {class} in the jungle",
  "a {token} {class} in the snow",
  "a {token} {class} on the beach",
  "a {token} {class} on a cobblestone street",
  "a {token} {class} on top of pink fabric",
  "a {token} {class} on top of a wooden floor",
  "a {token} {class} with a city in the background",
  "a {token} {class} with a mountain in the background",
  "a {token} {class} with a blue house in the background",
  "a {token} {class} on top of a purple rug in a forest",
  "a {token} {class} wearing a red hat",
  "a {token} {class} wearing a santa hat",
  "a {token} {class} wearing a rainbow scarf",
  "a {token} {class} wearing a black top hat and a monocle",
  "a {token} {class} in a chef outfit",
  "a {token} {class} in a firefighter outfit",
  "a {token} {class} in a police outfit",
  "a {token} {class} wearing pink glasses",
  "a {token} {class} wearing a yellow shirt",
  "a {token} {class} in a purple wizard outfit",
  "a red {token} {class}",
  "a purple {token} {class}",
  "a shiny {token} {class}",
  "a wet {token} {class}",
  "a cube shaped {token} {class}",
];

export type EvaluationProtocolName = "QUICK" | "DIVERSE" | "SIMPLE";
export type SubjectKindName = "OBJECT" | "LIVE";

/** §4: which prompts, how many images each, how many drift pairs. */
const PROTOCOLS: Record<EvaluationProtocolName, { prompts: (kind: SubjectKindName) => readonly string[]; images: number; driftPairs: number }> = {
  QUICK: { prompts: (kind) => [0, 6, 20, 23].map((i) => listFor(kind)[i]!), images: 2, driftPairs: 2 },
  DIVERSE: { prompts: listFor, images: 4, driftPairs: 4 },
  SIMPLE: { prompts: () => ["a photo of {token} {class}"], images: 64, driftPairs: 4 },
};

function listFor(kind: SubjectKindName): readonly string[] {
  return kind === "LIVE" ? LIVE_SUBJECT_PROMPTS : OBJECT_PROMPTS;
}

/** Image j of prompt i always uses seed 1000·i + j, so every checkpoint is scored on the same noise. */
export function seedsFor(promptIndex: number, count: number): number[] {
  return Array.from({ length: count }, (_, j) => 1000 * promptIndex + j);
}

function fill(template: string, token: string, classNoun: string): string {
  return template.replaceAll("{token}", token).replaceAll("{class}", classNoun);
}

/**
 * Textual inversion's word is the noun itself (Gal et al. 2023: "a photo of S*"): its generation
 * prompts put the token where the noun goes, "{token} {class}" becomes "{token}" —
 * `a <s*> in the jungle`, not `a <s*> dog in the jungle` (that adjective use is the paper's §3.2).
 */
function nounTemplate(template: string): string {
  return template.replaceAll("{token} {class}", "{token}");
}

/** CLIP-T scores against the prompt without the identifier: "{token} {class}" becomes "{class}". */
function scoringTemplate(template: string): string {
  return template.replaceAll("{token} {class}", "{class}");
}

export interface BuildSpecInput {
  protocol: EvaluationProtocolName;
  subjectKind: SubjectKindName;
  baseModel: string;
  token: string;
  classNoun: string;
  steps: number;
  guidanceScale: number;
  /** TEXTUAL_INVERSION: the token stands for the object (`a <s*> in the snow`); otherwise `{token} {class}`. */
  tokenIsNoun?: boolean;
}

/** The generation/scoring plan of one evaluation (the `spec` column of `evaluations`). */
export function buildEvaluationSpec(input: BuildSpecInput): EvaluationSpec {
  const protocol = PROTOCOLS[input.protocol];
  const prompts: EvaluationPromptSpec[] = protocol.prompts(input.subjectKind).map((template, index) => ({
    index,
    prompt: fill(input.tokenIsNoun ? nounTemplate(template) : template, input.token, input.classNoun),
    scoringPrompt: fill(scoringTemplate(template), input.token, input.classNoun),
    seeds: seedsFor(index, protocol.images),
  }));
  return {
    baseModel: input.baseModel,
    token: input.token,
    classNoun: input.classNoun,
    steps: input.steps,
    guidanceScale: input.guidanceScale,
    prompts,
    // The drift pairs use seeds 0..n-1: the same for checkpoint and base model, which is what matters.
    drift: { prompt: `a photo of ${input.classNoun}`, seeds: seedsFor(0, protocol.driftPairs) },
  };
}
