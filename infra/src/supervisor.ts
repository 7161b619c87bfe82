import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { sleep } from "./proc.js";

export interface ChildSpec {
  name: string;
  cmd: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  logFile: string;
}

const COLORS = ["\x1b[36m", "\x1b[35m", "\x1b[33m", "\x1b[32m"];

/**
 * Runs the product's processes as children (never detached): prefixes their output, copies it to a
 * log file, restarts a child that dies (with backoff), and stops them all with SIGTERM, then SIGKILL.
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly logs = new Map<string, WriteStream>();
  private stopping = false;

  constructor(private readonly out: (line: string) => void = (l) => process.stdout.write(l + "\n")) {}

  start(spec: ChildSpec, index: number, restarts = 0): void {
    if (this.stopping) return;
    const color = process.stdout.isTTY ? COLORS[index % COLORS.length]! : "";
    const reset = color ? "\x1b[0m" : "";
    const prefix = `${color}${spec.name.padEnd(9)}|${reset} `;
    let log = this.logs.get(spec.name);
    if (!log) {
      log = createWriteStream(spec.logFile, { flags: "a" });
      this.logs.set(spec.name, log);
    }
    const child = spawn(spec.cmd, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ["ignore", "pipe", "pipe"] });
    this.children.set(spec.name, child);
    const startedAt = Date.now();
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        this.out(prefix + line);
        log!.write(line + "\n");
      });
    }
    child.on("error", (err) => this.out(`${prefix}cannot start: ${err.message}`));
    child.on("close", (code, signal) => {
      this.children.delete(spec.name);
      if (this.stopping) return;
      // A child that ran a while earns a fresh restart budget.
      const budget = Date.now() - startedAt > 60_000 ? 0 : restarts + 1;
      if (budget > 5) {
        this.out(`${prefix}exited (${code ?? signal}) 5 times in a row; not restarting. Log: ${spec.logFile}`);
        return;
      }
      const delay = Math.min(10_000, 500 * 2 ** budget);
      this.out(`${prefix}exited (${code ?? signal}); restarting in ${delay} ms`);
      setTimeout(() => this.start(spec, index, budget), delay);
    });
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const waits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("close", () => resolve());
          child.kill("SIGTERM");
          setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), graceMs).unref();
        }),
    );
    await Promise.all(waits);
    for (const l of this.logs.values()) l.end();
    await sleep(10);
  }
}
