import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { workerQueries, type Database } from "@studio/db";
import type { TrainerConfig } from "../config.js";
import { EngineProcess } from "../engine/engine.process.js";
import { StorageError, type StorageRepository } from "../repositories/storage.repository.js";
import type { Log } from "../trainer.service.js";
import { runOutcome } from "./run.outcome.js";
import { RunRecorder } from "./run.recorder.js";
import { buildJobSpec, stepName } from "./run.spec.js";

type Config = Pick<
  TrainerConfig,
  "TRAINER_ID" | "TRAINER_WORK_DIR" | "TRAINER_LEASE_MS" | "ENGINE_PYTHON" | "ENGINE_DIR" | "ENGINE_STOP_GRACE_MS" | "RUN_DEADLINE_MS" | "ENGINE_ENV"
>;

const FINISH_ATTEMPTS = 5;

/** The run this trainer is executing right now (one at a time: one GPU). */
interface Active {
  runId: string;
  engine: EngineProcess | null;
  cancelRequested: boolean;
  leaseLost: boolean;
  finishing: boolean;
}

/** A failure before the engine starts (inputs missing, storage down) with the code the run stores. */
class PrepareError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Executes one claimed run: fetch inputs, write the job spec, drive the engine, record what it
 * reports, and end the run in the state its exit means. While it runs, a heartbeat extends the lease
 * and watches for cancel requests; losing the lease stops the engine and silences every write.
 */
export class RunExecutor {
  private active: Active | null = null;
  private shuttingDown = false;

  constructor(
    private readonly db: Database,
    private readonly storage: StorageRepository,
    private readonly config: Config,
    private readonly log: Log,
  ) {}

  /** NOTIFY runControl {runId, action: "cancel"}: stop the engine if the run is ours. */
  requestCancel(runId: string): void {
    const a = this.active;
    if (!a || a.runId !== runId || a.cancelRequested) return;
    a.cancelRequested = true;
    this.log("info", `run ${runId}: cancel requested; stopping the engine`);
    a.engine?.stop(this.config.ENGINE_STOP_GRACE_MS);
  }

  /**
   * The trainer is stopping: stop the engine but leave the run RUNNING under its lease, so another
   * trainer (or this one restarted) resumes it from its last checkpoint once the lease expires.
   */
  shutdown(): void {
    this.shuttingDown = true;
    this.active?.engine?.stop(this.config.ENGINE_STOP_GRACE_MS);
  }

  async execute(run: workerQueries.ClaimedRun, resumed: boolean): Promise<void> {
    const a: Active = { runId: run.id, engine: null, cancelRequested: false, leaseLost: false, finishing: false };
    this.active = a;
    const workDir = join(this.config.TRAINER_WORK_DIR, "runs", `${run.id}-attempt-${run.attempt}`);
    const beat = setInterval(() => void this.heartbeat(a), Math.max(300, Math.floor(this.config.TRAINER_LEASE_MS / 3)));
    this.log("info", `run ${run.id}: claimed (attempt ${run.attempt}${resumed ? ", resuming" : ""})`);
    try {
      await this.heartbeat(a); // a cancel requested before the claim is seen before any work
      let spec: Record<string, unknown>;
      try {
        spec = await this.prepare(run, resumed, workDir);
      } catch (err) {
        const code = err instanceof PrepareError || err instanceof StorageError ? err.code : "PREPARE_FAILED";
        await this.finish(a, { state: "FAILED", errorCode: code, errorMessage: (err as Error).message });
        return;
      }
      if (a.cancelRequested) return await this.finish(a, { state: "CANCELED" });
      if (a.leaseLost || this.shuttingDown) return;
      const specPath = join(workDir, "spec.json");
      await writeFile(specPath, JSON.stringify(spec, null, 2));

      const recorder = new RunRecorder({
        db: this.db,
        storage: this.storage,
        owner: this.config.TRAINER_ID,
        run,
        onFatal: (why) => {
          this.log("warn", `run ${run.id}: stopping the engine: ${why}`);
          a.engine?.stop(this.config.ENGINE_STOP_GRACE_MS);
        },
      });
      const engine = new EngineProcess({
        python: this.config.ENGINE_PYTHON,
        engineDir: this.config.ENGINE_DIR,
        args: ["train", "--spec", specPath],
        deadlineMs: this.config.RUN_DEADLINE_MS,
        graceMs: this.config.ENGINE_STOP_GRACE_MS,
      baseEnv: this.config.ENGINE_ENV,
        onEvent: (e) => recorder.handle(e),
      });
      a.engine = engine;
      const running = engine.run();
      this.log("info", `run ${run.id}: engine started (pid ${engine.pid})`);
      // A cancel or shutdown that arrived while the engine was starting.
      if (a.cancelRequested || this.shuttingDown || a.leaseLost) engine.stop(this.config.ENGINE_STOP_GRACE_MS);
      let result;
      try {
        result = await running;
      } catch (err) {
        // The interpreter could not be started at all: retrying on this trainer would fail the same way.
        await recorder.drain();
        return await this.finish(a, { state: "FAILED", errorCode: "ENGINE_START_FAILED", errorMessage: (err as Error).message });
      }
      await recorder.drain();
      this.log("info", `run ${run.id}: engine exited (${result.exitCode ?? result.signal})`);
      if (recorder.leaseLost || a.leaseLost) {
        this.log("warn", `run ${run.id}: lease lost; leaving the run to its new owner`);
        return;
      }
      if (this.shuttingDown && !a.cancelRequested) {
        this.log("info", `run ${run.id}: trainer stopping; the run stays RUNNING and resumes after its lease expires`);
        return;
      }
      const outcome = runOutcome({
        result,
        cancelRequested: a.cancelRequested,
        recordFailure: recorder.failure,
        sawCompleted: recorder.sawCompleted,
      });
      await this.finish(a, outcome);
    } finally {
      clearInterval(beat);
      this.active = null;
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /**
   * Writes the final state. A database hiccup is retried for a while: giving up leaves the run
   * RUNNING, and a successor would redo the work since the last checkpoint.
   */
  private async finish(a: Active, outcome: workerQueries.RunOutcome): Promise<void> {
    a.finishing = true; // a heartbeat racing the final update must not read it as a lost lease
    for (let attempt = 1; ; attempt++) {
      try {
        await workerQueries.finishRun(this.db, a.runId, this.config.TRAINER_ID, outcome);
        this.log("info", `run ${a.runId}: ${outcome.state}${outcome.errorCode ? ` (${outcome.errorCode}: ${outcome.errorMessage})` : ""}`);
        return;
      } catch (err) {
        if (err instanceof workerQueries.LeaseLostError) return void this.log("warn", `run ${a.runId}: lease lost before the final state`);
        if (attempt >= FINISH_ATTEMPTS) throw err;
        this.log("warn", `run ${a.runId}: cannot store the final state (attempt ${attempt}): ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  }

  /** Extends the lease; a lost lease or a cancel request stops the engine. DB hiccups are retried next beat. */
  private async heartbeat(a: Active): Promise<void> {
    if (a.leaseLost || a.finishing || this.shuttingDown) return;
    try {
      const r = await workerQueries.heartbeatRun(this.db, a.runId, this.config.TRAINER_ID, this.config.TRAINER_LEASE_MS);
      if (a.finishing) return;
      if (!r) {
        a.leaseLost = true;
        this.log("warn", `run ${a.runId}: lease lost; stopping the engine`);
        a.engine?.stop(this.config.ENGINE_STOP_GRACE_MS);
      } else if (r.cancelRequested) {
        this.requestCancel(a.runId);
      }
    } catch (err) {
      this.log("warn", `run ${a.runId}: heartbeat failed (will retry): ${(err as Error).message}`);
    }
  }

  /** Downloads the photos (and, when resuming, the last checkpoint) and returns the job spec. */
  private async prepare(run: workerQueries.ClaimedRun, resumed: boolean, workDir: string): Promise<Record<string, unknown>> {
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });
    const inputs = await workerQueries.runInputs(this.db, run.id);
    if (inputs.images.length === 0) throw new PrepareError("NO_IMAGES", "the subject has no images");
    const images: string[] = [];
    for (const [i, img] of inputs.images.entries()) {
      // Index first: keeps the createdAt order and makes equal filenames distinct.
      const file = join(workDir, "images", `${String(i).padStart(2, "0")}-${safeName(img.filename || basename(img.objectKey))}`);
      await this.storage.download(img.objectKey, file, { sizeBytes: img.byteSize, sha256: img.sha256 });
      images.push(file);
    }
    let resumeFrom: string | null = null;
    if (resumed) {
      const cp = await workerQueries.lastCheckpoint(this.db, run.id);
      if (cp) {
        resumeFrom = join(workDir, "resume", stepName(cp.stage, cp.step));
        // The public files and the private training state (optimizer, scaler, RNG): a bit-exact resume.
        for (const f of [...cp.files, ...(cp.trainingState ?? [])]) await this.storage.download(f.objectKey, join(resumeFrom, safeName(f.name)), f);
        this.log("info", `run ${run.id}: resuming from ${stepName(cp.stage, cp.step)}${cp.trainingState ? "" : " (no training state: fresh optimizer)"}`);
      }
    }
    return buildJobSpec(run, { classNoun: inputs.classNoun, images, outputDir: join(workDir, "output"), resumeFrom });
  }
}

/** A file name that cannot climb out of its folder or confuse a shell. */
function safeName(name: string): string {
  const cleaned = basename(name).replace(/[^A-Za-z0-9._-]/g, "_");
  return cleaned && cleaned !== "." && cleaned !== ".." ? cleaned : "file";
}
