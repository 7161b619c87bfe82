/**
 * Is the encoder folder usable? A cheap check (files and manifest only, no model loading) for the
 * health report and for deciding whether to create automatic evaluations (docs/evaluation-contract.md §1).
 */
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DomainError } from "../errors.js";

export const PREPARE_COMMAND = "python -m studio_engine export-eval-models --out";

/** Every file the evaluator opens; a folder missing one of them is "incomplete". */
export const REQUIRED_FILES = [
  "manifest.json",
  "clip/vision.onnx",
  "clip/text.onnx",
  "clip/preprocessor_config.json",
  "clip/tokenizer.json",
  "clip/tokenizer_config.json",
  "dino/vision.onnx",
  "dino/preprocessor_config.json",
] as const;

export interface EncoderInfo {
  id: string;
  revision: string | null;
  imageSize: number;
  embedDim: number;
}

export interface EvalModelsManifest {
  version: 1;
  tiny: boolean;
  clip: EncoderInfo;
  dino: EncoderInfo;
  createdAt: string;
}

export type EvaluatorStatus = { available: true; modelsDir: string; manifest: EvalModelsManifest } | { available: false; modelsDir: string; reason: string };

export class EvaluatorUnavailableError extends DomainError {
  readonly code = "EVALUATOR_UNAVAILABLE" as const;
  constructor(message: string) {
    super("EVALUATOR_UNAVAILABLE", message);
  }
}

/** The one sentence an operator needs: which folder, what is wrong, which command fixes it. */
export function unavailableMessage(modelsDir: string, reason: string): string {
  return `The evaluator's encoder folder ${modelsDir} is not usable (${reason}). Prepare it with: ${PREPARE_COMMAND} ${modelsDir}`;
}

export async function evaluatorStatus(modelsDir: string): Promise<EvaluatorStatus> {
  const dir = resolve(modelsDir);
  const missing: string[] = [];
  for (const file of REQUIRED_FILES) {
    const s = await stat(join(dir, file)).catch(() => null);
    if (!s?.isFile() || s.size === 0) missing.push(file);
  }
  if (missing.length === REQUIRED_FILES.length) return { available: false, modelsDir: dir, reason: "the folder is missing or empty" };
  if (missing.length > 0) return { available: false, modelsDir: dir, reason: `missing ${missing.join(", ")}` };
  try {
    return { available: true, modelsDir: dir, manifest: parseManifest(await readFile(join(dir, "manifest.json"), "utf8")) };
  } catch (err) {
    return { available: false, modelsDir: dir, reason: `manifest.json is invalid: ${(err as Error).message}` };
  }
}

/** Throws EvaluatorUnavailableError (code EVALUATOR_UNAVAILABLE) unless the folder is usable. */
export async function requireEvaluator(modelsDir: string): Promise<EvalModelsManifest> {
  const status = await evaluatorStatus(modelsDir);
  if (!status.available) throw new EvaluatorUnavailableError(unavailableMessage(status.modelsDir, status.reason));
  return status.manifest;
}

function parseManifest(text: string): EvalModelsManifest {
  const m = JSON.parse(text) as Partial<EvalModelsManifest>;
  if (m.version !== 1) throw new Error(`unsupported version ${String(m.version)} (expected 1)`);
  for (const key of ["clip", "dino"] as const) {
    const e = m[key];
    if (!e || typeof e.id !== "string" || !Number.isInteger(e.imageSize) || !Number.isInteger(e.embedDim)) {
      throw new Error(`"${key}" needs id, imageSize and embedDim`);
    }
  }
  return { ...m, tiny: m.tiny === true, createdAt: String(m.createdAt ?? "") } as EvalModelsManifest;
}
