import { hostname } from "node:os";
import { beatWorker, CHANNELS, deleteWorker, openDb, PgListener, setWorkerBaseModels, upsertWorker, workerQueries, type DbHandle } from "@studio/db";
import type { TrainerConfig } from "./config.js";
import { listBaseModels } from "./engine/base-models.js";
import { probeEngine } from "./engine/engine.process.js";
import { WarmEngine } from "./engine/warm-engine.js";
import { EvaluationGenerator } from "./evaluations/evaluation.generator.js";
import { GenerationWorker } from "./generations/generation.worker.js";
import { StorageRepository } from "./repositories/storage.repository.js";
import { ClaimLoop } from "./runs/claim.loop.js";
import { RunExecutor } from "./runs/run.executor.js";
import { ExportWorker } from "./transfers/export.worker.js";
import { ImportWorker } from "./transfers/import.worker.js";

export type Log = (level: "info" | "warn" | "error", msg: string) => void;

/**
 * The trainer's life: check that the engine works, register in PostgreSQL, heartbeat, and claim
 * work — runs one at a time (one GPU) and generations on a separate loop with its own `serve`
 * engine. The heartbeat survives database outages: it logs once, keeps trying, and re-registers if
 * its row disappeared. NOTIFY wakes the loops and delivers cancel requests; polling covers lost notices.
 */
export class Trainer {
  private db: DbHandle;
  private timer: NodeJS.Timeout | null = null;
  private engine: Record<string, unknown> | null = null;
  /** What `models list` said last; null until the first answer (the worker row then says "not reported"). */
  private baseModels: string[] | null = null;
  private modelsTimer: NodeJS.Timeout | null = null;
  /** What the worker row holds (joined ids); null before this process registered it. */
  private recordedModels: string | null = null;
  private dbDown = false;
  private stopped = false;
  private readonly executor: RunExecutor;
  private readonly warm: WarmEngine | null;
  private readonly generations: GenerationWorker;
  private readonly runLoop: ClaimLoop;
  private readonly generationLoop: ClaimLoop;
  private readonly evaluationLoop: ClaimLoop;
  // exports and imports: one at a time each, on their own engine processes (docs/platform-contract.md)
  private readonly exportWorker: ExportWorker;
  private readonly importWorker: ImportWorker;
  private readonly exportLoop: ClaimLoop;
  private readonly importLoop: ClaimLoop;
  private readonly listener: PgListener;

  constructor(
    private readonly config: TrainerConfig,
    private readonly log: Log,
  ) {
    this.db = openDb(config.DATABASE_URL, { max: 6, onError: (e) => this.log("warn", `postgres: ${e.message}`) });
    const storage = new StorageRepository(config);
    this.warm =
      config.TRAINER_WARM_ENGINE === "on"
        ? new WarmEngine(
            { python: config.ENGINE_PYTHON, engineDir: config.ENGINE_DIR, baseEnv: config.ENGINE_ENV, graceMs: config.ENGINE_STOP_GRACE_MS, log },
            config.TRAINER_WARM_BASE_MODEL || null,
          )
        : null;
    this.executor = new RunExecutor(this.db.db, storage, config, log, this.warm);
    this.generations = new GenerationWorker(this.db.db, storage, config, log);
    this.runLoop = new ClaimLoop("runs", () => this.claimRun(), config.TRAINER_POLL_MS, log);
    this.generationLoop = new ClaimLoop("generations", () => this.generations.processNext(), config.TRAINER_POLL_MS, log);
    // Evaluations share the `serve` engine with people's prompts, one request at a time.
    const evaluations = new EvaluationGenerator(this.db.db, storage, this.generations, config, log);
    this.evaluationLoop = new ClaimLoop("evaluations", () => evaluations.processNext(), config.TRAINER_POLL_MS, log);
    this.exportWorker = new ExportWorker(this.db.db, storage, config, log);
    this.importWorker = new ImportWorker(this.db.db, storage, config, log);
    this.exportLoop = new ClaimLoop("exports", () => this.exportWorker.processNext(), config.TRAINER_POLL_MS, log);
    this.importLoop = new ClaimLoop("imports", () => this.importWorker.processNext(), config.TRAINER_POLL_MS, log);
    this.listener = new PgListener(config.DATABASE_URL, [CHANNELS.work, CHANNELS.runControl], (msg) => this.log("warn", msg));
    this.listener.subscribe(CHANNELS.work, (n) => this.onWork(n.kind));
    this.listener.subscribe(CHANNELS.runControl, (n) => {
      if (n.action === "cancel" && typeof n.runId === "string") this.executor.requestCancel(n.runId);
    });
    this.listener.onReconnect(() => {
      // Notices may have been missed while disconnected: look for work now.
      this.runLoop.wake();
      this.generationLoop.wake();
      this.evaluationLoop.wake();
      this.exportLoop.wake();
      this.importLoop.wake();
    });
  }

  private async claimRun(): Promise<boolean> {
    const claim = await workerQueries.claimRun(this.db.db, this.config.TRAINER_ID, this.config.TRAINER_LEASE_MS, this.config.RUN_TEAM_CONCURRENCY);
    if (!claim) return false;
    if (claim.kind === "canceled") {
      this.log("info", `run ${claim.runId}: CANCELED (cancel was requested before it ran)`);
      return true;
    }
    if (claim.kind === "exhausted") {
      this.log("warn", `run ${claim.runId}: FAILED (ATTEMPTS_EXHAUSTED: its lease was lost maxAttempts times)`);
      return true;
    }
    await this.executor.execute(claim.run, claim.resumed);
    return true;
  }

  private onWork(kind: string | undefined): void {
    if (kind === "generation") this.generationLoop.wake();
    else if (kind === "evaluation") this.evaluationLoop.wake();
    else if (kind === "export") this.exportLoop.wake();
    else if (kind === "import") this.importLoop.wake();
    else this.runLoop.wake();
  }

  async start(): Promise<Record<string, unknown>> {
    const ready = await probeEngine(this.config.ENGINE_PYTHON, this.config.ENGINE_DIR, this.config.ENGINE_READY_TIMEOUT_MS, this.config.ENGINE_ENV);
    const { v: _v, seq: _s, ts: _t, type: _ty, ...engine } = ready;
    this.engine = engine;
    this.log("info", `engine ready: ${JSON.stringify(engine)}`);
    // In the background: until it answers, the worker row says "not reported" (never a reason to refuse runs).
    void this.checkBaseModels();
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.config.TRAINER_HEARTBEAT_MS);
    this.modelsTimer = setInterval(() => void this.checkBaseModels(), this.config.TRAINER_MODELS_CHECK_MS);
    this.listener.start();
    this.warm?.prepare();
    this.runLoop.start();
    this.generationLoop.start();
    this.evaluationLoop.start();
    this.exportLoop.start();
    this.importLoop.start();
    return engine;
  }

  /** Asks the engine which base models this machine has and records a change on the worker row. */
  private async checkBaseModels(): Promise<void> {
    let models: string[];
    try {
      models = await listBaseModels(this.config.ENGINE_PYTHON, this.config.ENGINE_DIR, this.config.ENGINE_READY_TIMEOUT_MS, this.config.ENGINE_ENV);
    } catch (err) {
      return void this.log("warn", (err as Error).message);
    }
    if (this.stopped) return;
    if (this.baseModels?.join(",") !== models.join(",")) this.log("info", `base models on this machine: ${models.join(", ") || "none"}`);
    this.baseModels = models;
    if (this.recordedModels === null || this.recordedModels === models.join(",")) return; // not registered yet: tick() writes them
    try {
      await setWorkerBaseModels(this.db.db, this.config.TRAINER_ID, models);
      this.recordedModels = models.join(",");
    } catch (err) {
      this.log("warn", `cannot record base models (will try again): ${(err as Error).message}`);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped || !this.engine) return;
    try {
      // A new process registers first (its engine and models may differ from a row left under the same id).
      let registered = this.recordedModels !== null;
      if (registered) {
        try {
          await beatWorker(this.db.db, this.config.TRAINER_ID);
        } catch (err) {
          if (!/is not registered/.test((err as Error).message)) throw err;
          registered = false;
        }
      }
      if (!registered) {
        await upsertWorker(this.db.db, {
          id: this.config.TRAINER_ID,
          hostname: hostname(),
          pid: process.pid,
          engine: this.engine,
          ...(this.baseModels ? { baseModels: this.baseModels } : {}),
        });
        this.recordedModels = this.baseModels ? this.baseModels.join(",") : "?"; // "?": not reported
        await beatWorker(this.db.db, this.config.TRAINER_ID);
        this.log("info", `registered as worker ${this.config.TRAINER_ID}`);
      }
      if (this.dbDown) this.log("info", "postgres reachable again");
      this.dbDown = false;
    } catch (err) {
      if (!this.dbDown) this.log("warn", `heartbeat failed (will keep trying): ${(err as Error).message}`);
      this.dbDown = true;
    }
  }

  /**
   * Stops claiming and stops the engines, but leaves a run in progress RUNNING under its lease: it
   * resumes from its last checkpoint on whichever trainer claims it after the lease expires.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.modelsTimer) clearInterval(this.modelsTimer);
    this.executor.shutdown();
    await this.generations.stop();
    await this.warm?.stop();
    this.exportWorker.stop();
    this.importWorker.stop();
    await Promise.all([this.runLoop.stop(), this.generationLoop.stop(), this.evaluationLoop.stop(), this.exportLoop.stop(), this.importLoop.stop()]);
    await this.listener.stop();
    await deleteWorker(this.db.db, this.config.TRAINER_ID).catch(() => undefined);
    await this.db.close();
  }
}
