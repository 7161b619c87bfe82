/**
 * The tiny evaluation encoders (docs/evaluation-contract.md §1) and the engine's Python reference of the
 * evaluator, for tests. Both run the real engine: `export-eval-models --tiny` builds small random CLIP
 * and DINO models locally (no download) and `eval-reference` scores with PyTorch + Pillow.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheDir, repoRoot } from "@studio/infra/paths";
import { enginePython } from "@studio/infra/engine-env";

export const tinyEvalModelsDir = (): string => join(cacheDir(), "eval-models", "tiny-v1");

/** Runs `python -m studio_engine ARGS` with a deadline; rejects with the output tail on failure. */
function runEngine(args: string[], timeoutMs: number): Promise<string> {
  return runPython(["-m", "studio_engine", ...args], timeoutMs);
}

/** The engine's interpreter with the engine on PYTHONPATH; killed at the deadline, never detached. */
function runPython(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(enginePython(), args, {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", PYTHONPATH: join(repoRoot, "trainer", "engine", "src") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const watchdog = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(watchdog);
      if (code === 0) resolve(output);
      else reject(new Error(`${args.slice(0, 3).join(" ")} failed (${signal ?? `exit ${code}`}):\n${output.slice(-3000)}`));
    });
  });
}

/** Builds the tiny folder once per machine (the engine keeps a complete folder and answers fast). */
export async function ensureTinyEvalModels(): Promise<string> {
  const dir = tinyEvalModelsDir();
  await runEngine(["export-eval-models", "--tiny", "--out", dir], 10 * 60_000);
  return dir;
}

export interface ReferenceRequest {
  images?: string[];
  texts?: string[];
  includePixels?: boolean;
  embeddings?: { clipImage: number[][]; dinoImage: number[][]; clipText: number[][] };
  metrics?: {
    generated: { path?: string; image?: number; scoringPrompt?: string; text?: number; promptIndex: number }[];
    real: (string | number)[];
    drift?: { checkpoint: (string | number)[]; base: (string | number)[] };
  };
}

export interface ReferenceMetrics {
  clipI: number;
  clipT: number;
  dino: number;
  perPrompt: { promptIndex: number; clipI: number; clipT: number; dino: number; imageCount: number }[];
  drift?: { clipI: number; dino: number };
}

export interface ReferenceResponse {
  decoded?: { width: number; height: number; sha256: string }[];
  clipImage?: number[][];
  dinoImage?: number[][];
  clipText?: number[][];
  clipPixels?: number[][];
  dinoPixels?: number[][];
  metrics?: ReferenceMetrics;
}

/** `python -m studio_engine eval-reference --models DIR --request REQ.json --out OUT.json`. */
export async function evalReference(modelsDir: string | null, request: ReferenceRequest): Promise<ReferenceResponse> {
  const dir = await mkdtemp(join(tmpdir(), "eval-ref-"));
  try {
    const req = join(dir, "request.json");
    const out = join(dir, "out.json");
    await writeFile(req, JSON.stringify(request));
    await runEngine(["eval-reference", ...(modelsDir ? ["--models", modelsDir] : []), "--request", req, "--out", out], 5 * 60_000);
    return JSON.parse(await readFile(out, "utf8")) as ReferenceResponse;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The 8-bit RGB bytes `studio_engine.images.open_rgb` gives for `path` (for pixel-level differences). */
export async function engineDecodedRgb(path: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "eval-rgb-"));
  try {
    const out = join(dir, "rgb.bin");
    const code = "import sys; from studio_engine.images import open_rgb; open(sys.argv[2], 'wb').write(open_rgb(sys.argv[1]).tobytes())";
    await runPython(["-c", code, path, out], 120_000);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
