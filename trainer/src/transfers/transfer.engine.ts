import { isAbsolute, normalize } from "node:path";
import type { TrainerConfig } from "../config.js";
import { EngineProcess } from "../engine/engine.process.js";
import type { EngineEventBase } from "../engine/protocol.js";
import type { Database } from "@studio/db";
import type { StorageRepository } from "../repositories/storage.repository.js";
import type { Log } from "../trainer.service.js";

export type TransferConfig = Pick<
  TrainerConfig,
  "TRAINER_ID" | "TRAINER_WORK_DIR" | "TRAINER_LEASE_MS" | "ENGINE_PYTHON" | "ENGINE_DIR" | "ENGINE_STOP_GRACE_MS" | "RUN_DEADLINE_MS" | "ENGINE_ENV"
>;

/** A failed export or import, with the code its row stores (the engine's own code when it refused). */
export class TransferError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A file the engine wrote: `name` is its path inside the output folder. */
export interface EngineFile {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * Runs one engine command (`export` / `import`) as a child process under the run deadline and returns
 * its events. A non-zero exit becomes a TransferError carrying the engine's `error` event (code,
 * message) — e.g. UNSAFE_FORMAT, BAD_SAFETENSORS, BASE_MODEL_MISMATCH — or the stderr tail.
 * `onStart` receives the process so a lost lease or a shutdown can stop it.
 */
export async function runEngineCommand(config: TransferConfig, args: string[], onStart: (engine: EngineProcess) => void): Promise<EngineEventBase[]> {
  const engine = new EngineProcess({
    python: config.ENGINE_PYTHON,
    engineDir: config.ENGINE_DIR,
    args,
    deadlineMs: config.RUN_DEADLINE_MS,
    graceMs: config.ENGINE_STOP_GRACE_MS,
    baseEnv: config.ENGINE_ENV,
  });
  const running = engine.run();
  onStart(engine);
  const r = await running;
  if (r.protocolError) throw new TransferError("PROTOCOL_ERROR", r.protocolError.message);
  if (r.timedOut) throw new TransferError("ENGINE_TIMEOUT", `the engine did not finish within ${config.RUN_DEADLINE_MS} ms`);
  if (r.exitCode === 0 && r.events.some((e) => e.type === "completed")) return r.events;
  const err = r.events.find((e) => e.type === "error");
  if (err) throw new TransferError(String(err.code), String(err.message));
  throw new TransferError("ENGINE_FAILED", `the engine exited with ${r.exitCode ?? r.signal}: ${r.stderrTail.slice(-5).join(" | ")}`);
}

/** A relative path that stays inside its folder (an object key segment must not climb out of its prefix). */
export function safeRelativeName(name: string): string {
  const n = normalize(name).replace(/\\/g, "/");
  if (!n || isAbsolute(n) || n.startsWith("../") || n === ".." || n.includes("/../")) throw new TransferError("PROTOCOL_ERROR", `unsafe file name from the engine: ${name}`);
  return n;
}

/**
 * One claimed export or import at a time, on its own engine process: `processNext` claims and runs one;
 * `stop` ends the engine (the job stays RUNNING under its lease and another trainer redoes it).
 */
export abstract class TransferWorker<Job> {
  protected stopping = false;
  protected engine: EngineProcess | null = null;

  constructor(
    protected readonly db: Database,
    protected readonly storage: StorageRepository,
    protected readonly config: TransferConfig,
    protected readonly log: Log,
  ) {}

  protected abstract claim(): Promise<Job | null>;
  protected abstract execute(job: Job): Promise<void>;

  async processNext(): Promise<boolean> {
    if (this.stopping) return false;
    const job = await this.claim();
    if (!job) return false;
    await this.execute(job);
    return true;
  }

  stop(): void {
    this.stopping = true;
    this.engine?.stop(this.config.ENGINE_STOP_GRACE_MS);
  }
}
