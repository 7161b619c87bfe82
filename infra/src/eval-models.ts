import { spawn } from "node:child_process";
import { join } from "node:path";
import { ensureEngineEnv, engineDir } from "./engine-env.service.js";
import { cacheDir } from "./paths.js";

/** Where the API looks by default (api/src/config.ts EVAL_MODELS_DIR) and where --tiny builds. */
export const defaultEvalModelsDir = () => join(cacheDir(), "eval-models", "clip-vit-b32-dino-vits16");
export const tinyEvalModelsDir = () => join(cacheDir(), "eval-models", "tiny-v1");

/**
 * `./studio eval-models [--tiny] [--out DIR]`: runs the engine's `export-eval-models`, which writes the
 * ONNX encoder folder the evaluator reads (docs/evaluation-contract.md §1). The real encoders are
 * fetched from the Hugging Face Hub (or its local cache) once; --tiny builds random ones offline.
 */
export async function prepareEvalModels(args: string[]): Promise<number> {
  const tiny = args.includes("--tiny");
  const outAt = args.indexOf("--out");
  const out = outAt >= 0 ? args[outAt + 1] : tiny ? tinyEvalModelsDir() : defaultEvalModelsDir();
  if (!out) {
    console.error("eval-models: --out needs a folder");
    return 64;
  }
  const python = await ensureEngineEnv();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(python, ["-m", "studio_engine", "export-eval-models", "--out", out, ...(tiny ? ["--tiny"] : [])], {
      cwd: engineDir,
      env: { ...process.env, PYTHONPATH: join(engineDir, "src") },
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("close", (c) => resolve(c ?? 1));
  });
  if (code !== 0) return code;
  console.log(out);
  if (out !== defaultEvalModelsDir())
    console.error(`start the product with EVAL_MODELS_DIR=${out} to score with these encoders${tiny ? " (random weights: a demo, not real scores)" : ""}`);
  return 0;
}
