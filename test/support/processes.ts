import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@studio/infra/paths";
import { enginePython } from "@studio/infra/engine-env";

import { freePort } from "./ports.js";
import { services } from "./services.js";

/** A product process started by a test: its output is kept for assertions and failure messages. */
export class TestProcess {
  output = "";
  private exited: Promise<number | null>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.on("close", (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the exit code (null when killed by a signal). */
  waitExit(timeoutMs = 30_000): Promise<number | null> {
    return Promise.race([
      this.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms:\n${this.output.slice(-3000)}`)), timeoutMs).unref()),
    ]);
  }

  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(pattern);
      if (m) return m;
      if (!this.running) throw new Error(`${this.name} exited before printing ${pattern}:\n${this.output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print ${pattern} in time:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const t = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(t);
  }
}

const tsx = join(repoRoot, "node_modules", ".bin", "tsx");

function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", NEXT_TELEMETRY_DISABLED: "1" };
}

export function apiEnv(port: number, extra: Record<string, string> = {}): Record<string, string> {
  const s = services();
  return {
    ...baseEnv(),
    API_HOST: "127.0.0.1",
    API_PORT: String(port),
    DATABASE_URL: s.databaseUrlApi,
    S3_ENDPOINT: s.s3.endpoint,
    S3_ACCESS_KEY: s.s3.api.accessKey,
    S3_SECRET_KEY: s.s3.api.secretKey,
    S3_BUCKET: s.s3.bucket,
    WORKER_STALE_AFTER_MS: "5000",
    // No evaluator unless a test asks for one: a developer's real encoder folder must not change other tests.
    EVAL_MODELS_DIR: join(tmpdir(), "studio-tests-no-eval-models"),
    // Every test file's API shares one PostgreSQL (one set of rate buckets) and one client IP
    // (127.0.0.1) for the whole suite: roomy request limits here; hostile-rate.test.ts checks the
    // limits with small values. The team budgets keep their defaults.
    RATE_IP_BURST: "100000",
    RATE_KEY_BURST: "100000",
    RATE_LINK_BURST: "100000",
    RATE_AUTH_FAIL_BURST: "100000",
    ...extra,
  };
}

export function spawnApi(env: Record<string, string>): TestProcess {
  return new TestProcess("api", spawn(tsx, ["src/main.ts"], { cwd: join(repoRoot, "api"), env, stdio: ["ignore", "pipe", "pipe"] }));
}

/** Starts an API on a free port and waits until it serves GraphQL. */
export async function startApi(extra: Record<string, string> = {}) {
  const port = await freePort();
  const proc = spawnApi(apiEnv(port, extra));
  await proc.waitForOutput(/GraphQL ready at/);
  return { proc, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql`, port };
}

export function trainerEnv(extra: Record<string, string> = {}): Record<string, string> {
  const s = services();
  return {
    ...baseEnv(),
    DATABASE_URL: s.databaseUrlTrainer,
    S3_ENDPOINT: s.s3.endpoint,
    S3_ACCESS_KEY: s.s3.trainer.accessKey,
    S3_SECRET_KEY: s.s3.trainer.secretKey,
    S3_BUCKET: s.s3.bucket,
    ENGINE_PYTHON: process.env.ENGINE_PYTHON ?? enginePython(),
    TRAINER_HEARTBEAT_MS: "500",
    // Off unless a test asks for it (trainer-runs, trainer-warm-engine): a standby engine per trainer would
    // double the Python processes importing torch on CI's two cores. The product's default is on.
    TRAINER_WARM_ENGINE: "off",
    ...extra,
  };
}

export function spawnTrainer(env: Record<string, string>): TestProcess {
  return new TestProcess("trainer", spawn(tsx, ["src/main.ts"], { cwd: join(repoRoot, "trainer"), env, stdio: ["ignore", "pipe", "pipe"] }));
}

/** Starts a trainer and waits until it has registered with PostgreSQL. */
export async function startTrainer(extra: Record<string, string> = {}) {
  const proc = spawnTrainer(trainerEnv(extra));
  const m = await proc.waitForOutput(/trainer (\S+) running/, 180_000);
  return { proc, id: m[1]! };
}

/** Serves the built dashboard (`next start`) against the given API. */
export async function startDashboard(apiUrl: string) {
  const port = await freePort();
  const next = join(repoRoot, "dashboard", "node_modules", ".bin", "next");
  const proc = new TestProcess(
    "dashboard",
    spawn(next, ["start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: join(repoRoot, "dashboard"),
      env: { ...baseEnv(), NODE_ENV: "production", DASHBOARD_API_URL: apiUrl, DASHBOARD_STORAGE_URL: services().s3.endpoint },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  await proc.waitForOutput(/Ready in/);
  return { proc, url: `http://127.0.0.1:${port}` };
}
