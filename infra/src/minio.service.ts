import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, openSync, closeSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as Minio from "minio";
import { cacheDir } from "./paths.js";
import { pidAlive, runVisible, sleep } from "./proc.js";

/**
 * A real MinIO server, built from its Go module at a pinned version the first time and cached, so
 * later starts are instant. It listens on loopback only; credentials are generated per data folder
 * and never leave it.
 */
export const MINIO_MODULE = "github.com/minio/minio";
export const MINIO_VERSION = "v0.0.0-20260212201848-7aac2a2c5b7c"; // RELEASE of 2026-02-12

export interface MinioOptions {
  dataDir: string; // holds data/, credentials.env, minio.pid and minio.log
  port: number;
  consolePort: number;
  buckets: string[];
}

export interface MinioInfo {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  dataDir: string;
  logFile: string;
  consoleUrl: string;
}

export function minioBinaryPath(): string {
  return join(cacheDir(), `minio-${MINIO_VERSION}`, "minio");
}

/** Builds the pinned MinIO server with `go install` unless the cached binary exists. */
export async function ensureMinioBinary(log: (msg: string) => void = console.log): Promise<string> {
  const bin = minioBinaryPath();
  if (existsSync(bin)) return bin;
  log(`minio: building ${MINIO_MODULE}@${MINIO_VERSION} with go (once; a few minutes) ...`);
  const gobin = join(cacheDir(), `minio-${MINIO_VERSION}`);
  await mkdir(gobin, { recursive: true });
  await runVisible("go", ["install", `${MINIO_MODULE}@${MINIO_VERSION}`], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: "0", GOFLAGS: "-trimpath" },
  });
  if (!existsSync(bin)) throw new Error(`minio: go install finished but ${bin} is missing`);
  return bin;
}

function files(opts: MinioOptions) {
  return {
    data: join(opts.dataDir, "data"),
    creds: join(opts.dataDir, "credentials.env"),
    pid: join(opts.dataDir, "minio.pid"),
    log: join(opts.dataDir, "minio.log"),
  };
}

async function credentials(opts: MinioOptions): Promise<{ accessKey: string; secretKey: string }> {
  const { creds } = files(opts);
  if (existsSync(creds)) {
    const text = await readFile(creds, "utf8");
    const get = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(text)?.[1] ?? "";
    return { accessKey: get("MINIO_ROOT_USER"), secretKey: get("MINIO_ROOT_PASSWORD") };
  }
  const accessKey = "studio-" + randomBytes(6).toString("hex");
  const secretKey = randomBytes(24).toString("base64url");
  await writeFile(creds, `MINIO_ROOT_USER=${accessKey}\nMINIO_ROOT_PASSWORD=${secretKey}\n`, { mode: 0o600 });
  return { accessKey, secretKey };
}

async function runningPid(opts: MinioOptions): Promise<number | null> {
  const { pid } = files(opts);
  if (!existsSync(pid)) return null;
  const n = Number((await readFile(pid, "utf8")).trim());
  return Number.isInteger(n) && n > 0 && pidAlive(n) ? n : null;
}

export async function minioRunning(opts: MinioOptions): Promise<boolean> {
  return (await runningPid(opts)) !== null;
}

async function live(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function minioInfo(opts: MinioOptions): Promise<MinioInfo> {
  const c = await credentials(opts);
  return {
    endpoint: `http://127.0.0.1:${opts.port}`,
    ...c,
    dataDir: opts.dataDir,
    logFile: files(opts).log,
    consoleUrl: `http://127.0.0.1:${opts.consolePort}`,
  };
}

/** Idempotent: starts the server unless it runs, waits until it is live, creates the buckets. */
export async function startMinio(opts: MinioOptions): Promise<MinioInfo> {
  const f = files(opts);
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  await mkdir(f.data, { recursive: true, mode: 0o700 });
  const info = await minioInfo(opts);
  if (!(await runningPid(opts))) {
    const bin = await ensureMinioBinary();
    const out = openSync(f.log, "a");
    // The server is a daemon that outlives this command (stopped by `stopMinio`), hence detached.
    const child = spawn(bin, ["server", f.data, "--address", `127.0.0.1:${opts.port}`, "--console-address", `127.0.0.1:${opts.consolePort}`, "--quiet"], {
      detached: true,
      stdio: ["ignore", out, out],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        MINIO_ROOT_USER: info.accessKey,
        MINIO_ROOT_PASSWORD: info.secretKey,
        MINIO_BROWSER: "on",
        MINIO_UPDATE: "off",
        MINIO_CALLHOME_ENABLE: "off",
      },
    });
    closeSync(out);
    child.unref();
    await writeFile(f.pid, String(child.pid));
    const deadline = Date.now() + 60_000;
    while (!(await live(info.endpoint))) {
      if (child.exitCode !== null || !pidAlive(child.pid!)) {
        const tail = (await readFile(f.log, "utf8")).slice(-2000);
        throw new Error(`MinIO exited during start (port ${opts.port} taken?):\n${tail}`);
      }
      if (Date.now() > deadline) throw new Error(`MinIO did not become live on ${info.endpoint} within 60 s`);
      await sleep(200);
    }
  }
  await ensureBuckets(info, opts.buckets);
  return info;
}

export async function ensureBuckets(info: MinioInfo, buckets: string[]): Promise<void> {
  const url = new URL(info.endpoint);
  const client = new Minio.Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: false,
    accessKey: info.accessKey,
    secretKey: info.secretKey,
  });
  for (const b of buckets) if (!(await client.bucketExists(b))) await client.makeBucket(b);
}

/** Idempotent: SIGTERM, then SIGKILL after 10 s. */
export async function stopMinio(opts: MinioOptions): Promise<boolean> {
  const pid = await runningPid(opts);
  if (pid === null) return false;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 10_000;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(100);
  if (pidAlive(pid)) process.kill(pid, "SIGKILL");
  await rm(files(opts).pid, { force: true });
  return true;
}
