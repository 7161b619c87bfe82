import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { workerQueries, type Database } from "@studio/db";
import type { TrainerConfig } from "../config.js";
import { EngineProcess } from "../engine/engine.process.js";
import type { EngineEventBase } from "../engine/protocol.js";
import type { WarmEngine } from "../engine/warm-engine.js";
import { LeaseKeeper } from "../lease/lease.keeper.js";
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
  holder: workerQueries.Holder;
  lease: LeaseKeeper<{ cancelRequested: boolean }> | null;
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
    /** The trainer's warm engine (TRAINER_WARM_ENGINE): a claimed run is handed to it when it has one. */
    private readonly warm: WarmEngine | null = null,
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
    const holder = { owner: this.config.TRAINER_ID, attempt: run.attempt };
    const a: Active = { runId: run.id, holder, lease: null, engine: null, cancelRequested: false, leaseLost: false, finishing: false };
    this.active = a;
    const workDir = join(this.config.TRAINER_WORK_DIR, "runs", `${run.id}-attempt-${run.attempt}`);
    const margin = LeaseKeeper.margin(this.config.TRAINER_LEASE_MS);
    a.lease = new LeaseKeeper({
      name: `run ${run.id}`,
      leaseMs: this.config.TRAINER_LEASE_MS,
      beat: () => workerQueries.heartbeatRun(this.db, run.id, holder, this.config.TRAINER_LEASE_MS),
      onBeat: (r) => {
        if (r.cancelRequested && !a.finishing) this.requestCancel(run.id);
      },
      onLost: (why) => {
        // A heartbeat racing the final update must not read it as a lost lease; a passed deadline always counts.
        if (a.finishing && why === "LOST") return;
        a.leaseLost = true;
        this.log(
          "warn",
          why === "DEADLINE"
            ? `run ${run.id}: lease deadline passed without a successful heartbeat; stopping the engine before a successor can claim`
            : `run ${run.id}: lease lost; stopping the engine`,
        );
        // Past the deadline there is no time for a graceful stop: the successor may claim in `margin` ms.
        a.engine?.stop(why === "DEADLINE" ? Math.max(50, Math.floor(margin / 2)) : this.config.ENGINE_STOP_GRACE_MS);
      },
      onError: (err) => this.log("warn", `run ${run.id}: heartbeat failed (will retry): ${err.message}`),
    }).start();
    this.log("info", `run ${run.id}: claimed (attempt ${run.attempt}${resumed ? ", resuming" : ""})`);
    try {
      await a.lease.beatNow(); // a cancel requested before the claim is seen before any work
      let spec: Record<string, unknown>;
      try {
        spec = await this.prepare(run, resumed, workDir);
      } catch (err) {
        const code = err instanceof PrepareError || err instanceof StorageError ? err.code : "PREPARE_FAILED";
        await this.finish(a, { state: "FAILED", errorCode: code, errorMessage: (err as Error).message });
        return;
      }
      if (a.cancelRequested) return await this.finish(a, { state: "CANCELED" });
      if (a.leaseLost) return;
      if (this.shuttingDown) return await this.release(a);
      const specPath = join(workDir, "spec.json");
      await writeFile(specPath, JSON.stringify(spec, null, 2));

      const recorder = new RunRecorder({
        db: this.db,
        storage: this.storage,
        owner: holder,
        run,
        onFatal: (why) => {
          this.log("warn", `run ${run.id}: stopping the engine: ${why}`);
          a.engine?.stop(this.config.ENGINE_STOP_GRACE_MS);
        },
      });
      const onEvent = (e: EngineEventBase) => recorder.handle(e);
      const warm = this.warm?.take(specPath, onEvent, this.config.RUN_DEADLINE_MS) ?? null;
      const engine =
        warm?.engine ??
        new EngineProcess({
          python: this.config.ENGINE_PYTHON,
          engineDir: this.config.ENGINE_DIR,
          args: ["train", "--spec", specPath],
          deadlineMs: this.config.RUN_DEADLINE_MS,
          graceMs: this.config.ENGINE_STOP_GRACE_MS,
          baseEnv: this.config.ENGINE_ENV,
          onEvent,
        });
      a.engine = engine;
      const running = warm?.done ?? engine.run();
      const how = warm ? ` warm (${warm.ready ? `preloaded ${warm.modelId ?? "nothing"}` : "still starting"})` : " cold";
      this.log("info", `run ${run.id}: engine started (pid ${engine.pid})${how}`);
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
      if (recorder.unrecorded) {
        // stop heartbeating: the lease expires and a successor resumes from the last recorded checkpoint
        a.lease?.stop();
        this.log("warn", `run ${run.id}: a write of the run failed (${recorder.unrecorded}); leaving it to a successor once its lease expires`);
        return;
      }
      if (this.shuttingDown && !a.cancelRequested) return await this.release(a);
      const outcome = runOutcome({
        result,
        cancelRequested: a.cancelRequested,
        recordFailure: recorder.failure,
        sawCompleted: recorder.sawCompleted,
      });
      await this.finish(a, outcome);
    } finally {
      a.lease.stop();
      this.active = null;
      // idle again (the engine has exited): warm up the next run's engine, with this run's base model
      if (!this.shuttingDown) this.warm?.prepare(run.baseModel);
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** The trainer is stopping: hand the run back (it stays RUNNING; the next claim resumes it at once). */
  private async release(a: Active): Promise<void> {
    a.finishing = true;
    a.lease?.stop();
    const released = await workerQueries.releaseRun(this.db, a.runId, a.holder).catch(() => false);
    this.log(
      "info",
      released
        ? `run ${a.runId}: trainer stopping; lease released, the run stays RUNNING and the next trainer resumes it`
        : `run ${a.runId}: trainer stopping; the run stays RUNNING and resumes after its lease expires`,
    );
  }

  /**
   * Writes the final state. A database hiccup is retried for a while: giving up leaves the run
   * RUNNING, and a successor would redo the work since the last checkpoint.
   */
  private async finish(a: Active, outcome: workerQueries.RunOutcome): Promise<void> {
    a.finishing = true; // a heartbeat racing the final update must not read it as a lost lease
    for (let attempt = 1; ; attempt++) {
      // Past the lease deadline the run is a successor's: write nothing (the final state included).
      if (a.leaseLost) return void this.log("warn", `run ${a.runId}: lease lost before the final state`);
      try {
        await workerQueries.finishRun(this.db, a.runId, a.holder, outcome);
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
