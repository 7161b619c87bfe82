/**
 * Real-size rehearsal (issue 16, "What to build" 5; README "Performance" → "Real size"):
 * one run's checkpoint through the product's own path at SD 2.1 size, one JSON on stdout.
 *
 *   pnpm --filter @studio/test run bench:real-size                          # sd21-base-random (GBs, minutes)
 *   BENCH_MODEL=tiny-random pnpm --filter @studio/test run bench:real-size  # smoke run (seconds)
 *
 * 1. checkpoint  the engine's background writer (trainer/engine/bench/real_size.py checkpoint) writes a stage-2
 *                checkpoint of the base UNet changed by checkpoint_bench.py's synthetic delta (400 AdamW steps at
 *                5e-6), once per encoding (BENCH_ENCODINGS, default plain,delta = STUDIO_CHECKPOINT_ENCODING):
 *                training stall, seconds to durable on disk, stored bytes and ratio to float32.
 * 2. minio       the plain checkpoint's files, the moment it is durable, go up with the trainer's own
 *                StorageRepository.upload (multipart above 64 MiB) from a trainer-like Node process started
 *                beforehand, each checked against the engine's sha256 and size as run.recorder.ts does; then
 *                down into a BoundedCache entry with StorageRepository.download (generation.worker.ts's
 *                checkpoint cache): time to durable in MinIO, MB/s, that process's peak RSS.
 * 3. generate    `python -m studio_engine generate` from the downloaded checkpoint (BENCH_GEN_SIZE px,
 *                BENCH_GEN_STEPS steps, CPU): seconds and the engine process's peak RSS.
 * 4. export      `export --format single-file`, then `import` of that file (+ its embedding) and a tensor-by-tensor
 *                sha256 compare of the re-imported UNet and embedding with the checkpoint's.
 * 5. api         a real API (own PostgreSQL, migrations, a team by the admin CLI) checks the exported file as a
 *                model import: the client's upload (presigned POST, or PUT parts over 256 MiB), then `importModel` (copy, bounded header check, hash):
 *                seconds and the API process's RSS while it checks.
 *
 * The model: `sd21-base-random` (SD 2.1 base's UNet, text encoder and VAE with random weights, built once by
 * the engine into BENCH_WORK_DIR/sd21-base-random and reused; loaded as stable-diffusion-2-1-base through
 * STUDIO_SD21_BASE_DIR) or `tiny-random`. Peak RSS of engine processes: the child's ru_maxrss (real_size.py
 * measure); of Node processes: process.resourceUsage().maxRSS / VmHWM plus VmRSS sampled every 100 ms.
 * Knobs: BENCH_MODEL, BENCH_WORK_DIR (default $TMPDIR/studio-bench-real-size; only the model folder and the
 * engine cache stay there), BENCH_ENCODINGS, BENCH_SECTIONS (default checkpoint,minio,generate,export,api),
 * BENCH_GEN_SIZE (default 256 / 64), BENCH_GEN_STEPS (default 2), BENCH_JSON (a file rewritten with the figures so
 * far after every section: what a run cut short had measured), ENGINE_PYTHON. Exit code 1 when a section failed
 * (its `error` is in the JSON). Not a test: the goals are compared, nothing is asserted.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { StudioClient } from "@studio/client";
import { freePort } from "../support/ports.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const ENGINE_DIR = join(ROOT, "trainer", "engine");
const REAL_SIZE_PY = join(ENGINE_DIR, "bench", "real_size.py");

interface EngineFile {
  name: string;
  path: string;
  sha256: string;
  bytes: number;
}
interface TrainerJob {
  s3: { endpoint: string; accessKey: string; secretKey: string; bucket: string };
  files: EngineFile[];
  prefix: string;
  cacheRoot: string;
  cacheKey: string;
  durableAtMs: number;
}
interface TrainerResult {
  uploadSeconds: number;
  durableInMinioSeconds: number;
  downloadSeconds: number;
  dir: string;
  maxRssMb: { upload: number; download: number };
}
type TrainerMsg = { ready: true } | { phase: "upload" | "download" } | { done: TrainerResult } | { error: string };

// ————————————————————————————— the trainer side (a forked process) —————————————————————————————

async function trainerChild(): Promise<void> {
  const { StorageRepository, StorageError } = await import("../../trainer/src/repositories/storage.repository.js");
  const { BoundedCache } = await import("../../trainer/src/cache/bounded-cache.js");
  const send = (m: TrainerMsg) => new Promise<void>((r) => process.send!(m, () => r()));
  const jobReceived = new Promise<TrainerJob>((r) => process.once("message", (m) => r(m as TrainerJob)));
  await send({ ready: true });
  const job = await jobReceived;
  const maxRssMb = () => Math.round(process.resourceUsage().maxRSS / 102.4) / 10;
  try {
    // the product's defaults (multipart above 64 MiB, 4 parts of 32 MiB in flight): no tuning override
    const repo = new StorageRepository({
      S3_ENDPOINT: job.s3.endpoint,
      S3_ACCESS_KEY: job.s3.accessKey,
      S3_SECRET_KEY: job.s3.secretKey,
      S3_BUCKET: job.s3.bucket,
      S3_REGION: "us-east-1",
    });
    await send({ phase: "upload" });
    let t = performance.now();
    const stored: { name: string; objectKey: string; sizeBytes: number; sha256: string }[] = [];
    for (const f of job.files) {
      // as run.recorder.ts's uploadVerified: one file after the other, each checked against the engine's report
      const up = await repo.upload(f.path, `${job.prefix}/${f.name}`, f.name.endsWith(".json") ? "application/json" : "application/octet-stream");
      if (up.sha256 !== f.sha256 || up.sizeBytes !== f.bytes)
        throw new StorageError("CHECKPOINT_VERIFY_FAILED", `${f.name}: uploaded ${up.sizeBytes} B / ${up.sha256}, engine reported ${f.bytes} B / ${f.sha256}`);
      stored.push({ name: f.name, objectKey: up.objectKey, sizeBytes: up.sizeBytes, sha256: up.sha256 });
    }
    const uploadSeconds = (performance.now() - t) / 1000;
    const durableInMinioSeconds = (Date.now() - job.durableAtMs) / 1000;
    const uploadRss = maxRssMb();
    await send({ phase: "download" });
    t = performance.now();
    // generation.worker.ts's cachedCheckpoint: a BoundedCache entry filled with verified downloads
    const cache = new BoundedCache({ root: job.cacheRoot, budgetBytes: 2 ** 40 });
    const total = stored.reduce((n, f) => n + f.sizeBytes, 0);
    const lease = await cache.acquire(
      job.cacheKey,
      async (tmp) => {
        for (const f of stored) await repo.download(f.objectKey, join(tmp, basename(f.name)), f);
      },
      total,
    );
    const downloadSeconds = (performance.now() - t) / 1000;
    await lease.release();
    await repo.remove(...stored.map((f) => f.objectKey));
    await send({ done: { uploadSeconds, durableInMinioSeconds, downloadSeconds, dir: lease.dir, maxRssMb: { upload: uploadRss, download: maxRssMb() } } });
  } catch (err) {
    await send({ error: (err as Error).stack ?? String(err) });
  }
  process.exit(0);
}

// ————————————————————————————— helpers —————————————————————————————

const say = (m: string) => process.stderr.write(`[bench:real-size ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const r1 = (n: number) => Math.round(n * 10) / 10;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function procStatusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's VmRSS every 100 ms into the current phase's peak. */
function rssSampler(pid: number) {
  const peak: Record<string, number> = {};
  let phase = "idle";
  const tick = () => (peak[phase] = Math.max(peak[phase] ?? 0, procStatusMb(pid, "VmRSS")));
  const timer = setInterval(tick, 100);
  return {
    peak,
    set(p: string) {
      tick();
      phase = p;
    },
    stop() {
      tick();
      clearInterval(timer);
    },
  };
}

async function enginePythonPath(): Promise<string> {
  if (process.env.ENGINE_PYTHON) return process.env.ENGINE_PYTHON;
  const { enginePython } = await import("@studio/infra/engine-env");
  return enginePython();
}

/** Runs real_size.py with the engine's environment; resolves with its last stdout line as JSON. */
function runPy(python: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<any> {
  return new Promise((resolve, reject) => {
    const p = spawn(python, [REAL_SIZE_PY, ...args], { cwd: ENGINE_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`real_size.py ${args[0]} exited ${code}:\n${err}`));
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`real_size.py ${args[0]} printed no JSON:\n${out.slice(-2000)}\n${err}`));
      }
    });
  });
}

/** `python -m studio_engine ARGS` under real_size.py measure: seconds, exit code, peak RSS, last events. */
async function engineCmd(python: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  const r = await runPy(python, ["measure", "--", python, "-m", "studio_engine", ...args], env, timeoutMs);
  if (r.rc !== 0) throw new Error(`studio_engine ${args[0]} exited ${r.rc}: ${r.events.slice(-3).join("\n")}\n${r.stderrTail}`);
  return r as { rc: number; seconds: number; peakRssMb: number; events: string[] };
}

function startTrainerChild(): Promise<ChildProcess> {
  const kid = fork(fileURLToPath(import.meta.url), ["--trainer-child"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    kid.once("message", (m: TrainerMsg) => ("ready" in m ? resolve(kid) : reject(new Error(JSON.stringify(m)))));
    kid.once("exit", (code) => reject(new Error(`the trainer process exited (${code}) before it was ready`)));
  });
}

function runTrainerJob(kid: ChildProcess, job: TrainerJob) {
  const rss = rssSampler(kid.pid!);
  return new Promise<TrainerResult & { sampledPeakRssMb: Record<string, number> }>((resolve, reject) => {
    kid.on("message", (m: TrainerMsg) => {
      if ("phase" in m) rss.set(m.phase);
      else if ("done" in m) {
        rss.stop();
        resolve({ ...m.done, sampledPeakRssMb: Object.fromEntries(Object.entries(rss.peak).map(([k, v]) => [k, r1(v)])) });
      } else if ("error" in m) {
        rss.stop();
        reject(new Error(m.error));
      }
    });
    kid.once("exit", (code) => {
      rss.stop();
      reject(new Error(`the trainer process exited (${code}) before reporting`));
    });
    kid.send(job);
  });
}

// ————————————————————————————— the API's part —————————————————————————————

async function apiSection(tmp: string, minio: { endpoint: string; accessKey: string; secretKey: string }, bucket: string, file: string, baseModel: string) {
  const { startPostgres, stopPostgres } = await import("@studio/infra/postgres");
  const { runMigrations } = await import("@studio/db");
  const pgOpts = { dataDir: join(tmp, "postgres"), port: await freePort() };
  let api: ChildProcess | null = null;
  try {
    const pg = await startPostgres(pgOpts);
    await runMigrations(pg.url);
    const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", DATABASE_URL: pg.url };
    const team = await new Promise<{ secret: string }>((resolve, reject) => {
      const c = spawn(join(ROOT, "node_modules", ".bin", "tsx"), ["src/admin.cli.ts", "create-team", "--name", "bench", "--user", "bench", "--json"], {
        cwd: join(ROOT, "api"),
        env: base,
      });
      let out = "";
      c.stdout.on("data", (d: Buffer) => (out += d.toString()));
      c.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`create-team failed (${code})`))));
    });
    const port = await freePort();
    api = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: join(ROOT, "api"),
      env: {
        ...base,
        API_HOST: "127.0.0.1",
        API_PORT: String(port),
        S3_ENDPOINT: minio.endpoint,
        S3_ACCESS_KEY: minio.accessKey,
        S3_SECRET_KEY: minio.secretKey,
        S3_BUCKET: bucket,
        EVAL_MODELS_DIR: join(tmp, "no-eval-models"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    api.stdout!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-8000)));
    api.stderr!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-8000)));
    const deadline = Date.now() + 120_000;
    while (!/GraphQL ready at/.test(output)) {
      if (Date.now() > deadline || api.exitCode !== null) throw new Error(`the API did not start:\n${output}`);
      await sleep(100);
    }
    const url = `http://127.0.0.1:${port}/graphql`;
    const call = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${team.secret}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: { message: string }[] };
      if (body.errors?.length) throw new Error(`API: ${body.errors.map((e) => e.message).join("; ")}`);
      return body.data;
    };
    const size = statSync(file).size;
    // the client's own upload: one presigned POST up to 256 MiB, else presigned PUTs of parts (+ complete)
    let parts = 0;
    let t = performance.now();
    const uploadId = await new StudioClient({ url, apiKey: team.secret }).uploadImportFile(file, "CHECKPOINT", undefined, { onPart: (_done, total) => (parts = total) });
    const postSeconds = (performance.now() - t) / 1000;
    const rssBefore = procStatusMb(api.pid!, "VmRSS");
    const hwmBefore = procStatusMb(api.pid!, "VmHWM");
    const rss = rssSampler(api.pid!);
    rss.set("check");
    t = performance.now();
    const imp = (
      await call(`mutation ($i: ImportModelInput!) { importModel(input: $i) { id state } }`, {
        i: { name: "real-size bench", classNoun: "backpack", baseModel, checkpointUploadId: uploadId },
      })
    ).importModel;
    const checkSeconds = (performance.now() - t) / 1000;
    rss.stop();
    return {
      measured: true,
      bytes: size,
      path: `StudioClient.uploadImportFile (${parts ? `${parts} presigned PUT parts + completeModelImportUpload` : "one presigned POST"}) → importModel (server-side copy, bounded header check, streamed sha256)`,
      importState: imp.state,
      uploadParts: parts,
      uploadSeconds: r3(postSeconds),
      uploadMBps: r1(size / 1e6 / postSeconds),
      importCheckSeconds: r3(checkSeconds),
      apiRssMb: { beforeCheck: r1(rssBefore), peakDuringCheck: r1(rss.peak.check ?? 0), hwmBeforeCheck: r1(hwmBefore), hwmAfterCheck: r1(procStatusMb(api.pid!, "VmHWM")) },
    };
  } finally {
    if (api && api.exitCode === null) {
      api.kill("SIGTERM");
      await Promise.race([new Promise((r) => api!.once("exit", r)), sleep(10_000)]);
      if (api.exitCode === null) api.kill("SIGKILL");
    }
    await stopPostgres(pgOpts).catch(() => undefined);
  }
}

// ————————————————————————————— the bench —————————————————————————————

async function main(): Promise<number> {
  const model = process.env.BENCH_MODEL ?? "sd21-base-random";
  if (model !== "sd21-base-random" && model !== "tiny-random") throw new Error("BENCH_MODEL: sd21-base-random or tiny-random");
  const sd = model === "sd21-base-random";
  const modelId = sd ? "stable-diffusion-2-1-base" : "tiny-random";
  const encodings = (process.env.BENCH_ENCODINGS ?? "plain,delta").split(",");
  if (encodings[0] !== "plain" || encodings.some((e) => e !== "plain" && e !== "delta")) throw new Error("BENCH_ENCODINGS: plain first, then optionally delta");
  const sections = new Set((process.env.BENCH_SECTIONS ?? "checkpoint,minio,generate,export,api").split(","));
  const genSize = Number(process.env.BENCH_GEN_SIZE ?? (sd ? 256 : 64));
  const genSteps = Number(process.env.BENCH_GEN_STEPS ?? 2);
  if (!(genSize >= 64 && genSize <= 1024 && genSize % 8 === 0) || !(genSteps >= 1 && genSteps <= 50))
    throw new Error("BENCH_GEN_SIZE: a multiple of 8 from 64 to 1024; BENCH_GEN_STEPS: 1-50");
  const python = await enginePythonPath();
  const work = process.env.BENCH_WORK_DIR ?? join(tmpdir(), "studio-bench-real-size");
  await mkdir(work, { recursive: true });
  await chmod(work, 0o755);
  const tmp = await mkdtemp(join(work, "run-"));
  await chmod(tmp, 0o755); // PostgreSQL's own user must reach its folder
  const folderPath = join(work, "sd21-base-random");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    PYTHONPATH: join(ENGINE_DIR, "src"),
    PYTHONUNBUFFERED: "1",
    HF_HUB_OFFLINE: "1",
    TRANSFORMERS_OFFLINE: "1",
    STUDIO_CACHE_DIR: join(work, "studio-cache"),
    ...(sd && { STUDIO_SD21_BASE_DIR: folderPath }),
  };
  const t0 = performance.now();
  const out: Record<string, any> = {
    bench: "real-size",
    model,
    engineModelId: modelId,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memTotalGiB: r1(totalmem() / 2 ** 30), memFreeGiB: r1(freemem() / 2 ** 30), loadavg1: r1(loadavg()[0]!) },
    method: {
      delta: `checkpoint_bench.py's synthetic stage-2 delta: 400 AdamW steps at lr 5e-6 simulated on ${sd ? 262144 : 16384} parameters, fitted and drawn per UNet weight`,
      checkpoint: "engine CheckpointWriter (1 slot), buffers prepared before, one checkpoint per encoding; stall = what submit held the loop",
      minio:
        "StorageRepository.upload per file (default multipart tuning), from a Node process already running when the checkpoint became durable; durableInMinioSeconds = engine's checkpoint.saved → last file stat-confirmed",
      rss: "engine: the process's ru_maxrss; Node: maxRSS / VmHWM and VmRSS sampled every 100 ms",
    },
  };
  const errors: string[] = [];
  const partial = async () => {
    if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, JSON.stringify({ ...out, errors, partial: true }, null, 1)).catch(() => undefined);
  };
  const section = async <T>(name: string, fn: () => Promise<T>): Promise<T | null> => {
    if (!sections.has(name)) {
      out[name] = { skipped: "not in BENCH_SECTIONS" };
      return null;
    }
    say(`${name} …`);
    const t = performance.now();
    try {
      const r = await fn();
      say(`${name} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      await partial();
      return r;
    } catch (err) {
      errors.push(name);
      out[name] = { ...(out[name] ?? {}), error: String((err as Error).message ?? err).slice(0, 3000) };
      say(`${name} FAILED: ${(err as Error).message}`);
      await partial();
      return null;
    }
  };

  const { startMinio, stopMinio } = await import("@studio/infra/minio");
  const bucket = "studio-bench";
  const minioOpts = { dataDir: join(tmp, "minio"), port: await freePort(), consolePort: await freePort(), buckets: [bucket] };
  let trainer: ChildProcess | null = null;
  let checkpointer: ChildProcess | null = null;
  const cleanup = async () => {
    trainer?.kill("SIGKILL");
    checkpointer?.kill("SIGKILL");
    await stopMinio(minioOpts).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  try {
    say(`work folder ${work}; model ${model}`);
    const [minio, folder] = await Promise.all([startMinio(minioOpts), runPy(python, ["folder", "--model", model, "--folder", folderPath], env, 30 * 60_000)]);
    out.folder = folder;
    await partial();
    const s3 = { endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey, bucket };
    if (sections.has("minio")) trainer = await startTrainerChild();

    // 1 + 2: checkpoints, and the plain one to MinIO and back the moment it is durable
    const got: { plainDir?: string; cachedDir?: string } = {};
    await section("checkpoint", async () => {
      out.checkpoint = {};
      const args = ["checkpoint", "--model-id", modelId, "--folder", folder.folder, "--root", join(tmp, "checkpoints"), "--encodings", encodings.join(","), "--wait-stdin"];
      if (!sd) args.push("--fit-params", "16384"); // the smoke run: a smaller AdamW simulation (seconds, not tens)
      const p = spawn(python, [REAL_SIZE_PY, ...args], { cwd: ENGINE_DIR, env, stdio: ["pipe", "pipe", "pipe"] });
      checkpointer = p;
      let err = "";
      p.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      const exited = new Promise<number | null>((r) => p.on("close", r));
      for await (const line of createInterface({ input: p.stdout })) {
        if (!line.startsWith("{")) continue;
        const e = JSON.parse(line);
        if (e.type === "prepared") out.checkpoint.prepared = { ...e, type: undefined };
        else if (e.type === "done") out.checkpoint.engineProcessPeakRssMb = e.peakRssMb;
        else if (e.type === "fingerprint") out.checkpoint.baseFingerprintSeconds = e.baseFingerprintSeconds;
        else if (e.type === "saved") {
          const { files, path, durableAtMs, type: _t, ...figures } = e;
          out.checkpoint[e.encoding] = figures;
          say(`${e.encoding} checkpoint durable: ${JSON.stringify(figures)}`);
          await partial();
          if (e.encoding === "plain") {
            got.plainDir = path;
            if (trainer) {
              await section("minio", async () => {
                const r = await runTrainerJob(trainer!, {
                  s3,
                  files,
                  prefix: `teams/bench/runs/real-size/checkpoints/a1/${basename(path)}`,
                  cacheRoot: join(tmp, "checkpoint-cache"),
                  cacheKey: "bench-checkpoint",
                  durableAtMs,
                });
                const bytes = (files as EngineFile[]).reduce((n, f) => n + f.bytes, 0);
                got.cachedDir = r.dir;
                out.minio = {
                  bytes,
                  durableInMinioSeconds: r3(r.durableInMinioSeconds),
                  uploadSeconds: r3(r.uploadSeconds),
                  uploadMBps: r1(bytes / 1e6 / r.uploadSeconds),
                  downloadSeconds: r3(r.downloadSeconds),
                  downloadMBps: r1(bytes / 1e6 / r.downloadSeconds),
                  trainerPeakRssMb: { upload: r.maxRssMb.upload, download: r.maxRssMb.download, sampled: r.sampledPeakRssMb },
                };
              });
            }
          }
          if (e.encoding !== "plain") await rm(path, { recursive: true, force: true }); // measured; only disk from here on
          p.stdin.write("next\n");
        }
      }
      const code = await exited;
      checkpointer = null;
      if (code !== 0) throw new Error(`real_size.py checkpoint exited ${code}:\n${err}`);
    });
    trainer?.kill("SIGKILL");
    trainer = null;
    const ckpt = got.cachedDir ?? got.plainDir;
    out.checkpointUsed = got.cachedDir ? "downloaded from MinIO into the checkpoint cache" : "the engine's own folder (the MinIO round trip did not run)";

    // 3: one image from the (downloaded) checkpoint
    if (ckpt) {
      await section("generate", async () => {
        const images = join(tmp, "images");
        const r = await engineCmd(
          python,
          [
            "generate",
            "--model",
            modelId,
            "--checkpoint",
            ckpt,
            "--prompt",
            "a photo of <rare> backpack",
            "--steps",
            String(genSteps),
            "--width",
            String(genSize),
            "--height",
            String(genSize),
            "--device",
            "cpu",
            "--out",
            images,
          ],
          env,
          30 * 60_000,
        );
        const pngs = readdirSync(images).filter((f) => f.endsWith(".png"));
        out.generate = {
          seconds: r.seconds,
          engineProcessPeakRssMb: r.peakRssMb,
          width: genSize,
          height: genSize,
          steps: genSteps,
          images: pngs.length,
          pngBytes: pngs.length ? statSync(join(images, pngs[0]!)).size : 0,
        };
      });

      // 4: export single-file, import back, compare
      const exp: { file?: string } = {};
      await section("export", async () => {
        const dir = join(tmp, "export");
        const ex = await engineCmd(python, ["export", "--model", modelId, "--checkpoint", ckpt, "--format", "single-file", "--out", dir], env, 30 * 60_000);
        const exported = join(dir, "model.safetensors");
        exp.file = exported;
        const emb = readdirSync(dir).find((f) => f.endsWith(".safetensors") && f !== "model.safetensors");
        const imported = join(tmp, "imported");
        const im = await engineCmd(
          python,
          ["import", "--model", modelId, "--file", exported, ...(emb ? ["--embedding", join(dir, emb)] : []), "--out", imported],
          env,
          30 * 60_000,
        );
        const t = performance.now();
        const cmp = await runPy(python, ["compare", got.plainDir ?? ckpt, imported], env, 30 * 60_000);
        out.export = {
          singleFileBytes: statSync(exported).size,
          exportSeconds: ex.seconds,
          exportEngineProcessPeakRssMb: ex.peakRssMb,
          importSeconds: im.seconds,
          importEngineProcessPeakRssMb: im.peakRssMb,
          roundTrip: { ok: cmp.unetEqual && cmp.embeddingEqual && cmp.contentHashEqual, ...cmp, compareSeconds: r3((performance.now() - t) / 1000) },
        };
        await rm(imported, { recursive: true, force: true });
      });

      // 5: the API checks the exported file as an import
      if (sections.has("api") && !exp.file) out.api = { measured: false, why: "no exported file (the export section did not run or failed)" };
      else if (exp.file) {
        const file = exp.file;
        await section("api", async () => {
          out.api = await apiSection(tmp, minio, bucket, file, modelId);
        });
      }
    }

    const plain = out.checkpoint?.plain;
    const delta = out.checkpoint?.delta;
    const uploadRss = out.minio?.trainerPeakRssMb?.upload;
    out.goals = {
      stallPerCheckpointSeconds: {
        goal: 1,
        value: plain?.stallSeconds ?? null,
        delta: delta?.stallSeconds ?? null,
        met: plain ? plain.stallSeconds <= 1 && (!delta || delta.stallSeconds <= 1) : null,
      },
      storedRatioToFloat32: {
        goal: 0.6,
        plain: plain?.ratioToFloat32 ?? null,
        delta: delta?.ratioToFloat32 ?? null,
        // about the fewest bytes any lossless coder stores for this delta (codec.DeltaEntropy): below it, the goal needs a lossy format
        losslessLimit: out.checkpoint?.prepared?.losslessLimit?.ratioToFloat32 ?? null,
        met: delta ? delta.ratioToFloat32 <= 0.6 : null,
      },
      trainerRssDuringUploadMb: { goal: 512, value: uploadRss ?? null, met: uploadRss === undefined ? null : uploadRss <= 512 },
    };
    out.errors = errors;
    out.wallSeconds = r1((performance.now() - t0) / 1000);
    console.log(JSON.stringify(out));
    if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, JSON.stringify(out, null, 1));
    return errors.length ? 1 : 0;
  } finally {
    await cleanup();
  }
}

if (process.argv.includes("--trainer-child")) void trainerChild();
else
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exit(1);
    },
  );
