/**
 * What the API needs from the evaluator (api/src/evaluation/): scoring off the event loop, and a cheap
 * look at whether the encoder folder is usable. Kept as an interface so services and tests do not
 * depend on onnxruntime being loadable.
 */
export interface ScoreInput {
  /** The subject's photos, as uploaded. */
  real: Uint8Array[];
  generated: { bytes: Uint8Array; promptIndex: number; prompt: string; scoringPrompt: string }[];
  drift?: { checkpoint: Uint8Array[]; base: Uint8Array[]; prompt: string; threshold: number };
  onProgress?: (scored: number, total: number) => void;
}

export interface ScoreOutput {
  clipI: number;
  clipT: number;
  dino: number;
  perPrompt: { promptIndex: number; clipI: number; clipT: number; dino: number; imageCount: number }[];
  drift: { clipI: number; dino: number; flagged: boolean } | null;
}

export interface ScoringEngine {
  score(input: ScoreInput): Promise<ScoreOutput>;
  /** The folder's manifest (encoder ids and revisions), recorded with every score. */
  manifest(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface EvaluatorAvailability {
  available: boolean;
  message: string;
  modelsDir: string;
  manifest: Record<string, unknown> | null;
}
