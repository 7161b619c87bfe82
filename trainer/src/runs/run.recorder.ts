import { objectKeys, workerQueries, type Database } from "@studio/db";
import type { CheckpointSavedEvent, EngineEvent, ProgressEvent } from "../engine/events.generated.js";
import type { EngineEventBase } from "../engine/protocol.js";
import { StorageError, type StorageRepository } from "../repositories/storage.repository.js";
import { stage1Steps, stepName } from "./run.spec.js";

const FLUSH_MS = 500;

export interface RecorderDeps {
  db: Database;
  storage: StorageRepository;
  /** The lease holder (trainer + attempt, the fencing token): every write is conditional on it. */
  owner: workerQueries.Holder;
  run: Pick<workerQueries.ClaimedRun, "id" | "teamId" | "config" | "attempt">;
  /** Called once when recording cannot go on (lease lost, upload failed): the engine must stop. */
  onFatal: (why: string) => void;
}

/**
 * Turns the engine's events into rows, objects and run_events, strictly in the engine's order (one
 * task at a time). Progress is batched — one transaction per ~500 ms instead of one per step — and
 * flushed before any other event, so LossLogged never overtakes the StageStarted or CheckpointSaved
 * that followed it in the engine.
 */
export class RunRecorder {
  private queue: Promise<void> = Promise.resolve();
  private pending: workerQueries.LossPointInput[] = [];
  private pendingStep: number | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly stage1Total: number;
  leaseLost = false;
  /** Why a database write of the run failed; set: the run is given up to a successor (not finalised here). */
  unrecorded: string | null = null;
  failure: { code: string; message: string } | null = null;
  sawCompleted = false;

  constructor(private readonly deps: RecorderDeps) {
    this.stage1Total = stage1Steps(deps.run.config);
  }

  /** `event` was validated against events.schema.json (protocol.ts), so it is one of its typed events. */
  handle(event: EngineEventBase): void {
    const e = event as EngineEvent;
    switch (e.type) {
      case "progress":
        return this.bufferProgress(e);
      case "ready":
      case "heartbeat":
      case "error": // read from the result once the engine exits
        return;
      case "completed":
        this.sawCompleted = true;
        return this.enqueue(() => this.flush());
      default:
        return this.enqueue(async () => {
          await this.flush();
          await this.apply(e);
        });
    }
  }

  /** Resolves when everything the engine said so far is recorded (or recording has stopped). */
  async drain(): Promise<void> {
    this.enqueue(() => this.flush());
    await this.queue;
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }

  private bufferProgress(e: ProgressEvent): void {
    // Class images have no loss, and runs.step counts training steps only.
    if (e.stage === "class_images" || e.loss === null) return;
    this.pending.push({ stage: e.stage, step: e.step, loss: e.loss, learningRate: e.learningRate });
    this.pendingStep = e.stage === "stage2" ? this.stage1Total + e.step : e.step;
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.enqueue(() => this.flush());
      }, FLUSH_MS);
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.leaseLost || this.failure || this.unrecorded) return;
      try {
        await task();
      } catch (err) {
        this.stopWith(err as Error);
      }
    });
  }

  private stopWith(err: Error): void {
    if (err instanceof workerQueries.LeaseLostError) this.leaseLost = true;
    else if (err instanceof StorageError) this.failure = { code: err.code, message: err.message };
    // A database write failed (cut off, restarting): this trainer cannot tell whether it still holds the
    // lease, so it gives the run up — no final state; the lease expires and a successor resumes from the
    // last recorded checkpoint (docs/scheduling.md), counted as one lost lease.
    else this.unrecorded = err.message;
    this.deps.onFatal(err.message);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const points = this.pending;
    const step = this.pendingStep;
    this.pending = [];
    this.pendingStep = null;
    await workerQueries.recordLosses(this.deps.db, this.deps.run.id, this.deps.owner, points, step);
  }

  private async apply(e: EngineEvent): Promise<void> {
    const { db, owner, run } = this.deps;
    if (e.type === "stage.started") {
      await workerQueries.recordStage(db, run.id, owner, e.stage, e.totalSteps);
    } else if (e.type === "phase" && e.phase === "loading_base_model") {
      await workerQueries.recordPhase(db, run.id, owner, {
        phase: "LOADING_BASE_MODEL",
        state: e.state === "ended" ? "ENDED" : "STARTED",
        ...(typeof e.modelId === "string" ? { baseModel: e.modelId } : {}),
        ...(typeof e.durationMs === "number" ? { durationMs: e.durationMs } : {}),
        ...(typeof e.warm === "boolean" ? { warm: e.warm } : {}),
      });
    } else if (e.type === "sample.saved") {
      const s = e;
      // Attempt-scoped: a fenced-off attempt can never overwrite an object a successor recorded.
      const key = objectKeys.sample({ teamId: run.teamId, runId: run.id, attempt: run.attempt, stage: s.stage, step: s.step, promptIndex: s.promptIndex, seed: s.seed });
      await this.deps.storage.upload(s.path, key, "image/png");
      await workerQueries.recordSample(db, run.id, owner, {
        teamId: run.teamId,
        stage: s.stage,
        step: s.step,
        promptIndex: s.promptIndex,
        prompt: s.prompt,
        seed: s.seed,
        objectKey: key,
      });
    } else if (e.type === "checkpoint.saved") {
      await this.recordCheckpoint(e);
    }
  }

  /**
   * Uploads every file, verifies each against the engine's own sha256 and size, then records the row.
   * The private training state goes under `training-state/` (not `checkpoints/`) and into its own
   * column: only a resuming trainer reads it; exports, shares and model cards never see it.
   */
  private async recordCheckpoint(c: CheckpointSavedEvent): Promise<void> {
    const { run } = this.deps;
    const name = stepName(c.stage, c.step);
    // Attempt-scoped (`a{attempt}/`): a fenced-off attempt still uploading can never overwrite the
    // objects of a checkpoint its successor recorded for the same step (docs/scheduling.md "Fencing").
    const at = { teamId: run.teamId, runId: run.id, attempt: run.attempt, stage: c.stage, step: c.step };
    const files = await this.uploadVerified(c.files, objectKeys.checkpointFolder(at), name);
    const trainingState = c.trainingState?.length ? await this.uploadVerified(c.trainingState, objectKeys.trainingStateFolder(at), name) : null;
    const manifest = files.find((f) => f.name === "checkpoint.json");
    if (!manifest) throw new StorageError("CHECKPOINT_VERIFY_FAILED", `${stepName(c.stage, c.step)} has no checkpoint.json`);
    await workerQueries.recordCheckpoint(this.deps.db, run.id, this.deps.owner, {
      teamId: run.teamId,
      stage: c.stage,
      step: c.step,
      sizeBytes: files.reduce((n, f) => n + f.sizeBytes, 0),
      sha256: manifest.sha256,
      files,
      contentHash: c.contentHash ?? null,
      trainingState,
    });
  }

  private async uploadVerified(
    list: { name: string; path: string; sha256: string; bytes: number }[],
    prefix: string,
    checkpoint: string,
  ): Promise<workerQueries.CheckpointInput["files"]> {
    const files: workerQueries.CheckpointInput["files"] = [];
    for (const f of list) {
      const type = f.name.endsWith(".json") ? "application/json" : "application/octet-stream";
      const up = await this.deps.storage.upload(f.path, `${prefix}/${f.name}`, type);
      if (up.sha256 !== f.sha256 || up.sizeBytes !== f.bytes) {
        throw new StorageError(
          "CHECKPOINT_VERIFY_FAILED",
          `${f.name} of ${checkpoint}: uploaded sha256 ${up.sha256} (${up.sizeBytes} bytes), engine reported ${f.sha256} (${f.bytes} bytes)`,
        );
      }
      files.push({ name: f.name, objectKey: up.objectKey, sizeBytes: up.sizeBytes, sha256: up.sha256 });
    }
    return files;
  }
}
