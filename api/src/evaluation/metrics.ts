/**
 * The paper's metrics (§4.2; docs/evaluation-contract.md §3) over embeddings. Pure functions: inputs
 * are embeddings (normalised or not — cosine normalises), accumulation is float64 throughout.
 */

export type Vector = ArrayLike<number>;

export function cosine(a: Vector, b: Vector): number {
  if (a.length !== b.length) throw new Error(`cosine of vectors of different length (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Mean over every (generated, real) pair: CLIP-I with CLIP embeddings, DINO with DINO embeddings. */
export function meanPairwiseCosine(generated: Vector[], real: Vector[]): number {
  if (generated.length === 0 || real.length === 0) throw new Error("pairwise similarity needs at least one image on each side");
  let sum = 0;
  for (const g of generated) for (const r of real) sum += cosine(g, r);
  return sum / (generated.length * real.length);
}

/** CLIP-T: mean over generated images of cos(image, its own scoring prompt). */
export function meanPairedCosine(a: Vector[], b: Vector[]): number {
  if (a.length === 0 || a.length !== b.length) throw new Error(`paired similarity needs equal, non-empty lists (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += cosine(a[i]!, b[i]!);
  return sum / a.length;
}

export interface GeneratedEmbeddings {
  promptIndex: number;
  clip: Vector;
  dino: Vector;
  /** CLIP text embedding of this image's scoring prompt. */
  text: Vector;
}

export interface MetricScores {
  clipI: number;
  clipT: number;
  dino: number;
}

export interface PromptScores extends MetricScores {
  promptIndex: number;
  imageCount: number;
}

export interface DriftScores {
  clipI: number;
  dino: number;
  threshold: number;
  /** Drift DINO below the threshold: the class prior moved (language drift). */
  flagged: boolean;
}

function scoresOf(generated: GeneratedEmbeddings[], real: { clip: Vector[]; dino: Vector[] }): MetricScores {
  return {
    clipI: meanPairwiseCosine(
      generated.map((g) => g.clip),
      real.clip,
    ),
    clipT: meanPairedCosine(
      generated.map((g) => g.clip),
      generated.map((g) => g.text),
    ),
    dino: meanPairwiseCosine(
      generated.map((g) => g.dino),
      real.dino,
    ),
  };
}

/** Overall scores plus the same three numbers per prompt, prompts in ascending index order. */
export function scoreGenerated(generated: GeneratedEmbeddings[], real: { clip: Vector[]; dino: Vector[] }): MetricScores & { perPrompt: PromptScores[] } {
  const byPrompt = new Map<number, GeneratedEmbeddings[]>();
  for (const g of generated) byPrompt.set(g.promptIndex, [...(byPrompt.get(g.promptIndex) ?? []), g]);
  const perPrompt = [...byPrompt.entries()].sort(([a], [b]) => a - b).map(([promptIndex, images]) => ({ promptIndex, imageCount: images.length, ...scoresOf(images, real) }));
  return { ...scoresOf(generated, real), perPrompt };
}

/** Checkpoint vs base model on `a photo of {class}`, image i against image i (same seed). */
export function scoreDrift(checkpoint: { clip: Vector[]; dino: Vector[] }, base: { clip: Vector[]; dino: Vector[] }, threshold: number): DriftScores {
  const dino = meanPairedCosine(checkpoint.dino, base.dino);
  return { clipI: meanPairedCosine(checkpoint.clip, base.clip), dino, threshold, flagged: dino < threshold };
}
