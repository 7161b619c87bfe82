import { mkdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { objectKeys, workerQueries, type Database } from "@studio/db";
import { BoundedCache, type CacheLease } from "../cache/bounded-cache.js";
import type { TrainerConfig } from "../config.js";
import { EngineProcess } from "../engine/engine.process.js";
import type { EngineEventBase } from "../engine/protocol.js";
import { keepLease } from "../lease/lease.keeper.js";
import type { StorageRepository } from "../repositories/storage.repository.js";
import type { Log } from "../trainer.service.js";

type Config = Pick<
  TrainerConfig,
  | "TRAINER_ID"
  | "TRAINER_WORK_DIR"
  | "TRAINER_CHECKPOINT_CACHE_MAX_BYTES"
  | "TRAINER_LEASE_MS"
  | "ENGINE_PYTHON"
  | "ENGINE_DIR"
  | "ENGINE_STOP_GRACE_MS"
  | "RUN_DEADLINE_MS"
  | "ENGINE_ENV"
>;

/** The `serve` process lives as long as the trainer; its deadline only guards against a forgotten child. */
const SERVE_DEADLINE_MS = 20 * 86_400_000;
/**
 * One request (at most 16 images × 200 steps) that takes longer than this means `serve` is stuck; it is
 * restarted, since the lease heartbeat would otherwise hold the generation RUNNING forever.
 */
const REQUEST_TIMEOUT_MS = 30 * 60_000;
/** At most one progress write (UPDATE + NOTIFY) per generation this often. */
const PROGRESS_WRITE_MS = 500;

export class GenerationError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  images: { index: number; seed: number; path: string }[];
  /** `generation.progress`: denoising steps done over all images, and their total. */
  onProgress?: (stepsDone: number, stepsTotal: number) => void;
  resolve: () => void;
  reject: (err: GenerationError) => void;
}

/**
 * Serves generations on one long-lived `studio_engine serve` process: the base model stays loaded
 * and checkpoints are swapped in place, so a prompt costs seconds, not a model load. Checkpoint files
 * are cached locally per checkpoint id (immutable once recorded), so repeated prompts download nothing;
 * the cache keeps to TRAINER_CHECKPOINT_CACHE_MAX_BYTES and never evicts a checkpoint in use.
 */
export class GenerationWorker {
  private engine: EngineProcess | null = null;
  private readonly pending = new Map<string, Pending>();
  private stopping = false;
  readonly checkpointCache: BoundedCache;

  constructor(
    private readonly db: Database,
    private readonly storage: StorageRepository,
    private readonly config: Config,
    private readonly log: Log,
  ) {
    this.checkpointCache = new BoundedCache({
      root: join(config.TRAINER_WORK_DIR, "checkpoint-cache"),
      budgetBytes: config.TRAINER_CHECKPOINT_CACHE_MAX_BYTES,
      log,
    });
  }

  /** Claims and serves one generation; false when none is waiting. */
  async processNext(): Promise<boolean> {
    if (this.stopping) return false;
    const g = await workerQueries.claimGeneration(this.db, this.config.TRAINER_ID, this.config.TRAINER_LEASE_MS);
    if (!g) return false;
    await this.execute(g);
    return true;
  }

  private async execute(g: workerQueries.ClaimedGeneration): Promise<void> {
    const owner = { owner: this.config.TRAINER_ID, attempt: g.attempt };
    // The `serve` engine is shared with other requests: a lost generation only stops being recorded.
    const lease = keepLease(
      this.config,
      `generation ${g.id}`,
      () => workerQueries.heartbeatGeneration(this.db, g.id, owner, this.config.TRAINER_LEASE_MS),
      () => null,
      this.log,
    );
    const outputDir = join(this.config.TRAINER_WORK_DIR, "generations", g.id);
    let cached: CacheLease | null = null;
    try {
      let outcome: workerQueries.GenerationOutcome;
      try {
        const inputs = await workerQueries.generationInputs(this.db, g.checkpointId);
        if (!inputs) throw new GenerationError("CHECKPOINT_NOT_FOUND", `checkpoint ${g.checkpointId} does not exist`);
        cached = await this.cachedCheckpoint(inputs.checkpointId, inputs.files);
        const checkpoint = cached.dir;
        await rm(outputDir, { recursive: true, force: true });
        await mkdir(outputDir, { recursive: true });
        const progress = this.progressRecorder(g.id, owner);
        const images = await this.request(
          {
            id: g.id,
            baseModel: inputs.baseModel,
            checkpoint,
            prompt: g.prompt,
            ...(g.negativePrompt ? { negativePrompt: g.negativePrompt } : {}),
            seed: g.seed,
            steps: g.steps,
            guidanceScale: g.guidanceScale,
            count: g.count,
            ...(g.width ? { width: g.width } : {}),
            ...(g.height ? { height: g.height } : {}),
            scheduler: g.scheduler,
            outputDir,
          },
          progress.report,
        ).finally(progress.done); // no progress write after this, whatever the outcome
        const stored: workerQueries.GenerationImage[] = [];
        for (const img of images.sort((x, y) => x.index - y.index)) {
          const key = objectKeys.generatedImage({ teamId: g.teamId, generationId: g.id, attempt: g.attempt, index: img.index, seed: img.seed });
          await this.storage.upload(img.path, key, "image/png");
          stored.push({ index: img.index, seed: img.seed, objectKey: key });
        }
        outcome = { state: "SUCCEEDED", images: stored };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        outcome = {
          state: "FAILED",
          errorCode: typeof code === "string" ? code : "GENERATION_FAILED",
          errorMessage: (err as Error).message,
        };
      }
      if (this.stopping && outcome.state === "FAILED") return; // interrupted by our own shutdown: the lease lets another trainer retry
      if (lease.lost) return void this.log("warn", `generation ${g.id}: lease lost; leaving it to its new owner`);
      try {
        await workerQueries.finishGeneration(this.db, g.id, owner, outcome);
        this.log("info", `generation ${g.id}: ${outcome.state}${outcome.state === "FAILED" ? ` (${outcome.errorCode}: ${outcome.errorMessage})` : ""}`);
      } catch (err) {
        if (!(err instanceof workerQueries.LeaseLostError)) throw err;
        this.log("warn", `generation ${g.id}: lease lost before the final state`);
      }
    } finally {
      lease.stop();
      await cached?.release();
      await rm(outputDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /**
   * Sends one request to `serve` and resolves with its images once `generation.completed` arrives.
   * Shared with the evaluation generator: `serve` answers requests in order, so evaluation prompts and
   * people's prompts interleave request by request.
   */
  request(req: Record<string, unknown> & { id: string }, onProgress?: Pending["onProgress"]): Promise<Pending["images"]> {
    if (this.stopping) return Promise.reject(new GenerationError("ENGINE_UNAVAILABLE", "the trainer is stopping"));
    const engine = this.ensureEngine();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(req.id)) return;
        engine.stop(this.config.ENGINE_STOP_GRACE_MS);
        reject(new GenerationError("GENERATION_TIMEOUT", `no answer from the engine within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      const p: Pending = {
        images: [],
        onProgress,
        resolve: () => {
          clearTimeout(timer);
          resolve(p.images);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.pending.set(req.id, p);
      if (!engine.send(req)) {
        this.pending.delete(req.id);
        p.reject(new GenerationError("ENGINE_UNAVAILABLE", "the engine's serve process is not running"));
      }
    });
  }

  private ensureEngine(): EngineProcess {
    if (this.engine?.running) return this.engine;
    const engine = new EngineProcess({
      python: this.config.ENGINE_PYTHON,
      engineDir: this.config.ENGINE_DIR,
      args: ["serve"],
      deadlineMs: SERVE_DEADLINE_MS,
      graceMs: this.config.ENGINE_STOP_GRACE_MS,
      baseEnv: this.config.ENGINE_ENV,
      onEvent: (e) => this.onEvent(e),
    });
    this.engine = engine;
    engine.run().then(
      (r) => this.engineGone(engine, `the serve process exited (${r.exitCode ?? r.signal}): ${r.stderrTail.slice(-5).join(" | ")}`),
      (err: Error) => this.engineGone(engine, err.message),
    );
    this.log("info", `generation engine started (pid ${engine.pid})`);
    return engine;
  }

  private engineGone(engine: EngineProcess, why: string): void {
    if (this.engine === engine) this.engine = null;
    if (!this.stopping) this.log("warn", `generation engine: ${why}`);
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new GenerationError("ENGINE_CRASHED", why));
    }
  }

  private onEvent(e: EngineEventBase): void {
    const id = typeof e.requestId === "string" ? e.requestId : null;
    const p = id ? this.pending.get(id) : undefined;
    if (!p || !id) return;
    if (e.type === "image.saved") {
      p.images.push({ index: e.index as number, seed: e.seed as number, path: e.path as string });
    } else if (e.type === "generation.progress") {
      const [index, step, total, images] = [e.index, e.step, e.totalSteps, e.images] as number[];
      p.onProgress?.(index! * total! + step!, images! * total!);
    } else if (e.type === "generation.completed") {
      this.pending.delete(id);
      p.resolve();
    } else if (e.type === "error") {
      this.pending.delete(id);
      p.reject(new GenerationError(e.code as string, e.message as string));
    }
  }

  /**
   * Records a generation's progress at most every PROGRESS_WRITE_MS (one UPDATE + NOTIFY; the engine
   * reports every 0.25 s): the latest figure wins, a write in flight is never doubled, and a failed
   * write is only logged (progress is a courtesy; the final state is what counts).
   */
  private progressRecorder(id: string, owner: workerQueries.Holder) {
    let latest = 0;
    let written = 0;
    let lastAt = 0;
    let timer: NodeJS.Timeout | null = null;
    let inFlight: Promise<void> = Promise.resolve();
    const write = () => {
      timer = null;
      if (latest <= written) return;
      const value = latest;
      lastAt = Date.now();
      inFlight = inFlight.then(async () => {
        try {
          await workerQueries.recordGenerationProgress(this.db, id, owner, value);
          written = value;
        } catch (err) {
          this.log("warn", `generation ${id}: progress not recorded (${(err as Error).message})`);
        }
      });
    };
    return {
      report: (stepsDone: number) => {
        latest = Math.max(latest, stepsDone);
        if (timer) return;
        timer = setTimeout(write, Math.max(0, PROGRESS_WRITE_MS - (Date.now() - lastAt)));
      },
      /** Stops writing (the final state follows). */
      done: async () => {
        if (timer) clearTimeout(timer);
        timer = null;
        await inFlight;
      },
    };
  }

  /**
   * The checkpoint's files in a local folder named by its id, downloaded once, then reused; pinned (never
   * evicted) until the caller releases the lease. A half-downloaded folder is never mistaken for a cached
   * one (it is filled beside it and renamed).
   */
  async cachedCheckpoint(checkpointId: string, files: { name: string; objectKey: string; sizeBytes: number; sha256: string }[]): Promise<CacheLease> {
    const bytes = files.reduce((n, f) => n + f.sizeBytes, 0);
    return this.checkpointCache.acquire(
      checkpointId,
      async (tmp) => {
        for (const f of files) await this.storage.download(f.objectKey, join(tmp, basename(f.name)), f);
      },
      bytes,
    );
  }

  /** Stops taking requests and ends `serve` (SIGTERM; SIGKILL after the grace period). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.engine?.stop(this.config.ENGINE_STOP_GRACE_MS);
  }
}
