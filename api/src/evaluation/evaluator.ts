/**
 * The evaluator the API uses (docs/evaluation-contract.md): a main-thread handle on a worker thread that
 * owns the encoders. Every call is a message round trip; the main thread only computes the metrics,
 * which are a few thousand dot products.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { DriftRecord, PromptScoreRecord } from "@studio/db/schema";
import { defaultThreads } from "./encoders.js";
import { EvaluatorUnavailableError, requireEvaluator, unavailableMessage, type EvalModelsManifest } from "./evaluator.status.js";
import { scoreDrift, scoreGenerated } from "./metrics.js";
import type { ImageEncoderKind } from "./preprocess.js";
import type { WorkerInit, WorkerMessage, WorkerRequest } from "./evaluator.worker.js";

export interface EvaluatorOptions {
  /** onnxruntime intra-op threads; 0/undefined = half the cores, at least 1. */
  threads?: number;
  /** Images per ONNX run. */
  batchSize?: number;
}

export interface GeneratedImageInput {
  bytes: Uint8Array;
  promptIndex: number;
  prompt: string;
  scoringPrompt: string;
}

export interface ScoreInput {
  /** The subject's own photos. */
  real: Uint8Array[];
  generated: GeneratedImageInput[];
  /** `a photo of {class}` by the checkpoint and by the base model, same seeds, same order. */
  drift?: { checkpoint: Uint8Array[]; base: Uint8Array[]; prompt: string; threshold: number };
  onProgress?: (scored: number, total: number) => void;
}

export interface ScoreResult {
  clipI: number;
  clipT: number;
  dino: number;
  perPrompt: PromptScoreRecord[];
  drift: DriftRecord | null;
}

export class EvaluatorError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

type Pending = {
  resolve: (e: Extract<WorkerMessage, { type: "result" }>["embeddings"]) => void;
  reject: (err: Error) => void;
  onProgress?: (done: number) => void;
};

export class Evaluator {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    readonly modelsDir: string,
    readonly manifest: EvalModelsManifest,
  ) {
    worker.on("message", (msg: WorkerMessage) => this.onMessage(msg));
    worker.on("error", (err) => this.failAll(new EvaluatorError("EVALUATION_FAILED", `evaluator worker crashed: ${err.message}`)));
    worker.on("exit", () => this.failAll(new EvaluatorError("EVALUATION_FAILED", "evaluator worker exited")));
  }

  /** Rejects with EvaluatorUnavailableError (code EVALUATOR_UNAVAILABLE) for a missing/incomplete/unloadable folder. */
  static async open(modelsDir: string, opts: EvaluatorOptions = {}): Promise<Evaluator> {
    const manifest = await requireEvaluator(modelsDir);
    const init: WorkerInit = { modelsDir, threads: opts.threads || defaultThreads(), batchSize: opts.batchSize ?? 8 };
    const worker = startWorker(init);
    await waitUntilReady(worker).catch((reason: Error) => {
      void worker.terminate();
      throw new EvaluatorUnavailableError(unavailableMessage(modelsDir, reason.message));
    });
    return new Evaluator(worker, modelsDir, manifest);
  }

  status(): { modelsDir: string; manifest: EvalModelsManifest; busy: number; closed: boolean } {
    return { modelsDir: this.modelsDir, manifest: this.manifest, busy: this.pending.size, closed: this.closed };
  }

  async embedImages(kind: ImageEncoderKind, images: Uint8Array[], onProgress?: (done: number) => void): Promise<Float32Array[]> {
    return (await this.request({ op: "embedImages", kinds: [kind], images }, onProgress))[kind] ?? [];
  }

  /** The encoder's input tensor per image ([3, H, W] flattened), without running the encoder. */
  async pixels(kind: ImageEncoderKind, images: Uint8Array[]): Promise<Float32Array[]> {
    return (await this.request({ op: "pixels", kind, images })).pixels ?? [];
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    return (await this.request({ op: "embedTexts", texts })).text ?? [];
  }

  /** CLIP-I, CLIP-T, DINO, the per-prompt breakdown and the drift check of one evaluation (§3). */
  async score(input: ScoreInput): Promise<ScoreResult> {
    if (input.real.length === 0 || input.generated.length === 0) {
      throw new EvaluatorError("BAD_EVALUATION_INPUT", "scoring needs at least one subject photo and one generated image");
    }
    const drift = input.drift;
    const total = input.real.length + input.generated.length + (drift ? drift.checkpoint.length + drift.base.length : 0);
    let scored = 0;
    const both = async (images: Uint8Array[]) => {
      const before = scored;
      const e = await this.request({ op: "embedImages", kinds: ["clip", "dino"], images }, (done) => input.onProgress?.(before + done, total));
      scored = before + images.length;
      return { clip: e.clip ?? [], dino: e.dino ?? [] };
    };

    const real = await both(input.real);
    const generated = await both(input.generated.map((g) => g.bytes));
    const prompts = [...new Set(input.generated.map((g) => g.scoringPrompt))];
    const textByPrompt = new Map(prompts.map((p, i) => [p, i]));
    const texts = await this.embedTexts(prompts);
    const scores = scoreGenerated(
      input.generated.map((g, i) => ({ promptIndex: g.promptIndex, clip: generated.clip[i]!, dino: generated.dino[i]!, text: texts[textByPrompt.get(g.scoringPrompt)!]! })),
      real,
    );
    const perPrompt = scores.perPrompt.map((p) => {
      const first = input.generated.find((g) => g.promptIndex === p.promptIndex)!;
      return { ...p, prompt: first.prompt, scoringPrompt: first.scoringPrompt };
    });
    let driftRecord: DriftRecord | null = null;
    if (drift) {
      if (drift.checkpoint.length !== drift.base.length || drift.checkpoint.length === 0) {
        throw new EvaluatorError("BAD_EVALUATION_INPUT", "the drift check needs the same, non-zero number of checkpoint and base images");
      }
      const d = scoreDrift(await both(drift.checkpoint), await both(drift.base), drift.threshold);
      driftRecord = { prompt: drift.prompt, ...d };
    }
    return { clipI: scores.clipI, clipT: scores.clipT, dino: scores.dino, perPrompt, drift: driftRecord };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private request(body: DistributiveOmit<WorkerRequest, "id">, onProgress?: (done: number) => void) {
    if (this.closed) return Promise.reject(new EvaluatorError("EVALUATOR_CLOSED", "the evaluator was closed"));
    const id = this.nextId++;
    return new Promise<Extract<WorkerMessage, { type: "result" }>["embeddings"]>((resolve, reject) => {
      this.pending.set(id, onProgress ? { resolve, reject, onProgress } : { resolve, reject });
      this.worker.postMessage({ ...body, id } as WorkerRequest);
    });
  }

  private onMessage(msg: WorkerMessage): void {
    if (!("id" in msg)) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === "progress") return p.onProgress?.(msg.done);
    this.pending.delete(msg.id);
    if (msg.type === "result") p.resolve(msg.embeddings);
    else if (msg.type === "error") p.reject(new EvaluatorError(msg.code, msg.message));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.closed = true;
  }
}

/**
 * Resolves on the worker's "ready", rejects on load failure. Only our own listeners are removed
 * afterwards: Worker keeps internal newListener/removeListener hooks that removeAllListeners() would break.
 */
function waitUntilReady(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      worker.off("message", onMessage).off("error", done).off("exit", onExit);
      if (err) reject(err);
      else resolve();
    };
    const onMessage = (msg: WorkerMessage) => done(msg.type === "ready" ? undefined : new Error(msg.type === "failed" ? msg.message : `unexpected ${msg.type} message`));
    const onExit = (code: number) => done(new Error(`the worker exited with code ${code} while loading`));
    worker.on("message", onMessage).on("error", done).on("exit", onExit);
  });
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/**
 * Start the worker from its .ts source (tsx in dev, vitest in tests) or compiled .js. A worker thread
 * does not inherit the parent's TypeScript loader when the parent runs under vitest, so for a .ts entry
 * we register tsx's ESM hooks inside the worker before importing the entry.
 */
function startWorker(init: WorkerInit): Worker {
  const entry = new URL(`./evaluator.worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry, { workerData: init });
  // tsx publishes its ESM API as .mjs beside the .cjs that require.resolve finds.
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: init });
}
