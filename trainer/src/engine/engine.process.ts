import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { parseEventLine, ProtocolError, type EngineEventBase, type ReadyEvent } from "./protocol.js";

export interface EngineRunOptions {
  python: string;
  engineDir: string;
  args: string[];
  /**
   * Hard deadline for the whole run; on expiry: SIGTERM, then SIGKILL after `graceMs`. null: none until
   * `adopt` gives one (a standby engine waits for its job without a deadline).
   */
  deadlineMs: number | null;
  graceMs?: number;
  onEvent?: (e: EngineEventBase) => void;
  onStderr?: (line: string) => void;
  env?: Record<string, string>;
  /** The part of the trainer's environment the engine may see (TrainerConfig.ENGINE_ENV). */
  baseEnv: Record<string, string>;
}

export interface EngineRunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  events: EngineEventBase[];
  stderrTail: string[];
  timedOut: boolean;
  protocolError: ProtocolError | null;
}

const STDERR_TAIL_LINES = 200;

/**
 * Runs the engine as a child process we own: never detached, always under a deadline, stdout read
 * as NDJSON events (validated; an invalid line stops the engine), stderr kept as a log tail.
 */
export class EngineProcess {
  private child: ChildProcess | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private killAt = Infinity;
  private deadline: NodeJS.Timeout | null = null;
  private timedOut = false;
  private events: EngineEventBase[] = [];
  private onEvent: ((e: EngineEventBase) => void) | undefined;

  constructor(private readonly opts: EngineRunOptions) {
    this.onEvent = opts.onEvent;
  }

  /**
   * A standby engine becomes a job's: from now on its events go to `onEvent` (and only those are in the
   * result), and the job's deadline starts.
   */
  adopt(onEvent: (e: EngineEventBase) => void, deadlineMs: number): void {
    this.onEvent = onEvent;
    this.events = [];
    this.armDeadline(deadlineMs);
  }

  private armDeadline(ms: number): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = setTimeout(() => {
      this.timedOut = true;
      this.stop(this.opts.graceMs ?? 10_000);
    }, ms);
  }

  run(): Promise<EngineRunResult> {
    const { python, engineDir, args, deadlineMs } = this.opts;
    const stderrTail: string[] = [];
    let protocolError: ProtocolError | null = null;
    const env: Record<string, string> = {
      ...this.opts.baseEnv,
      PYTHONUNBUFFERED: "1",
      PYTHONPATH: join(engineDir, "src"),
      // The engine's watchdog exits when this process is gone (a trainer killed with -9 must not
      // leave a training job holding the GPU for nobody).
      STUDIO_PARENT_PID: String(process.pid),
      ...this.opts.env,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(python, ["-m", "studio_engine", ...args], {
        cwd: engineDir,
        env,
        stdio: ["pipe", "pipe", "pipe"],
        detached: false,
      });
      this.child = child;
      // A write racing the engine's exit must not crash the trainer (EPIPE); `close` reports the exit.
      child.stdin!.on("error", () => undefined);
      if (deadlineMs !== null) this.armDeadline(deadlineMs);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (!line.trim() || protocolError) return;
        try {
          const e = parseEventLine(line);
          checkThreadBudget(e, env.STUDIO_ENGINE_THREADS);
          this.events.push(e);
          this.onEvent?.(e);
        } catch (err) {
          protocolError = err instanceof ProtocolError ? err : new ProtocolError(String(err));
          this.stop(this.opts.graceMs ?? 10_000);
        }
      });
      createInterface({ input: child.stderr! }).on("line", (line) => {
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
        this.opts.onStderr?.(line);
      });
      child.on("error", (err) => {
        if (this.deadline) clearTimeout(this.deadline);
        reject(new Error(`cannot start the engine with ${python}: ${err.message}`));
      });
      child.on("close", (exitCode, signal) => {
        if (this.deadline) clearTimeout(this.deadline);
        if (this.killTimer) clearTimeout(this.killTimer);
        this.child = null;
        resolve({ exitCode, signal, events: this.events, stderrTail, timedOut: this.timedOut, protocolError });
      });
    });
  }

  /**
   * Graceful stop: SIGTERM (the engine finishes its step and exits), SIGKILL after `graceMs`. A later
   * call with a shorter grace brings the SIGKILL forward (a lease deadline cannot wait for a cancel's grace).
   */
  stop(graceMs = 10_000): void {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill("SIGTERM");
    const killAt = Date.now() + graceMs;
    if (!this.killTimer || killAt < this.killAt) {
      if (this.killTimer) clearTimeout(this.killTimer);
      this.killAt = killAt;
      this.killTimer = setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), graceMs);
      this.killTimer.unref();
    }
  }

  /** Writes one NDJSON line to the engine's stdin (`serve` requests); false when it is not running. */
  send(message: Record<string, unknown>): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable) return false;
    stdin.write(`${JSON.stringify(message)}\n`);
    return true;
  }

  /** Closes stdin: `serve` exits at EOF. */
  endInput(): void {
    this.child?.stdin?.end();
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
}

/**
 * Every command's first event is `ready`, which reports torch's threads: an engine that did not apply
 * its budget (TRAINER_ENGINE_THREADS, docs/architecture.md §7) would oversubscribe the CPUs the
 * trainer shares out between its engines, so it is stopped like any protocol violation.
 */
function checkThreadBudget(e: EngineEventBase, budget: string | undefined): void {
  if (e.type !== "ready" || budget === undefined) return;
  const { intraOp } = (e as ReadyEvent).threads;
  if (intraOp !== Number(budget)) throw new ProtocolError(`the engine runs ${intraOp} torch threads, its budget is ${budget} (TRAINER_ENGINE_THREADS)`);
}

/** Runs `studio_engine ready` and returns its `ready` event, or throws with the engine's stderr. */
export async function probeEngine(python: string, engineDir: string, deadlineMs: number, baseEnv: Record<string, string>): Promise<EngineEventBase> {
  const result = await new EngineProcess({ python, engineDir, args: ["ready"], deadlineMs, baseEnv }).run();
  const ready = result.events.find((e) => e.type === "ready");
  if (result.exitCode === 0 && ready) return ready;
  const why = result.protocolError?.message ?? (result.timedOut ? `no answer within ${deadlineMs} ms` : `exit ${result.exitCode ?? result.signal}`);
  throw new Error(`engine is not ready: ${why}\n${result.stderrTail.slice(-20).join("\n")}`);
}
