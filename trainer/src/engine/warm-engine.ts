import { EngineProcess, type EngineRunResult } from "./engine.process.js";
import type { EngineEventBase } from "./protocol.js";

export interface WarmEngineOptions {
  python: string;
  engineDir: string;
  baseEnv: Record<string, string>;
  graceMs: number;
  log: (level: "info" | "warn", msg: string) => void;
  /** First wait before starting another standby after one died while idle; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

interface Standby {
  engine: EngineProcess;
  done: Promise<EngineRunResult>;
  modelId: string | null;
  /** Its `standby` event came: imports done, the model loaded (or its preload failed). */
  ready: boolean;
}

export interface TakenEngine {
  engine: EngineProcess;
  done: Promise<EngineRunResult>;
  /** The engine had finished importing and preloading when the job came. */
  ready: boolean;
  modelId: string | null;
}

/**
 * The trainer's warm engine (docs/architecture.md §7, PROTOCOL.md "standby"): while the trainer is idle one
 * `studio_engine standby` process has done its imports and loaded the base model the next run most likely
 * wants (the last run's); a claimed run is handed to it instead of starting a cold process. Each standby
 * runs one job and exits (a job changes the model it trains; a team's run never shares a process with
 * another's), and the next one is started when the trainer is idle again, so it never competes with a
 * running job for CPU or GPU memory.
 */
export class WarmEngine {
  private standby: Standby | null = null;
  private stopped = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private wanted: string | null;

  constructor(
    private readonly opts: WarmEngineOptions,
    initialModel: string | null,
  ) {
    this.wanted = initialModel;
  }

  /** Makes sure a standby runs, preloading `modelId` (null: keep the last choice). Called when idle. */
  prepare(modelId: string | null = null): void {
    if (this.stopped) return;
    if (modelId) this.wanted = modelId;
    if (this.standby) {
      if (this.standby.modelId === this.wanted) return;
      this.dismiss(); // another model is wanted now
    }
    if (this.retryTimer) return; // a restart is scheduled after a failure
    this.spawn();
  }

  /**
   * Hands the standby to a job: its events go to `onEvent` from now on and its deadline starts. Null when
   * there is none (the caller starts a cold engine).
   */
  take(specPath: string, onEvent: (e: EngineEventBase) => void, deadlineMs: number): TakenEngine | null {
    const s = this.standby;
    if (!s || !s.engine.running) return null;
    this.standby = null;
    s.engine.adopt(onEvent, deadlineMs);
    if (!s.engine.send({ command: "train", spec: specPath })) {
      s.engine.stop(this.opts.graceMs);
      return null;
    }
    return { engine: s.engine, done: s.done, ready: s.ready, modelId: s.modelId };
  }

  /** The standby's pid, or undefined (tests and logs). */
  get pid(): number | undefined {
    return this.standby?.engine.pid;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const s = this.standby;
    this.dismiss();
    await s?.done.catch(() => undefined);
  }

  private dismiss(): void {
    const s = this.standby;
    this.standby = null;
    if (!s) return;
    s.engine.endInput();
    s.engine.stop(this.opts.graceMs);
  }

  private spawn(): void {
    const modelId = this.wanted;
    const s: Standby = { engine: null as unknown as EngineProcess, done: null as unknown as Promise<EngineRunResult>, modelId, ready: false };
    s.engine = new EngineProcess({
      python: this.opts.python,
      engineDir: this.opts.engineDir,
      args: ["standby", ...(modelId ? ["--preload", modelId] : [])],
      deadlineMs: null,
      graceMs: this.opts.graceMs,
      baseEnv: this.opts.baseEnv,
      onEvent: (e) => {
        if (e.type !== "standby") return;
        s.ready = true;
        this.failures = 0;
        const loaded = e.loaded === true ? `${modelId} loaded in ${e.seconds} s` : `nothing preloaded${typeof e.reason === "string" ? ` (${e.reason})` : ""}`;
        this.opts.log("info", `warm engine ready (pid ${s.engine.pid}): ${loaded}`);
      },
    });
    s.done = s.engine.run();
    const idleEnd = (why: string) => {
      if (this.standby !== s) return; // taken by a job, or dismissed
      this.standby = null;
      if (this.stopped) return;
      this.failures++;
      const wait = Math.min((this.opts.retryMs ?? 5000) * 2 ** (this.failures - 1), this.opts.maxRetryMs ?? 300_000);
      this.opts.log("warn", `warm engine ended while idle (${why}); starting another in ${wait} ms (runs start cold meanwhile)`);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.prepare();
      }, wait);
      this.retryTimer.unref();
    };
    s.done.then(
      (r) => idleEnd(r.protocolError?.message ?? `exit ${r.exitCode ?? r.signal}: ${r.stderrTail.slice(-3).join(" | ")}`),
      (err: Error) => idleEnd(err.message),
    );
    this.standby = s;
  }
}
