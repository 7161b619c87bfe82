/**
 * Checkpoint upload benchmark (README "Performance" → "Checkpoint uploads"; docs/checkpoint-uploads.md).
 *
 *   pnpm --filter @studio/test run bench:upload                       # one SD 2.1 UNet (3 463 732 322 bytes)
 *   BENCH_UPLOAD_BYTES=1073741824 pnpm --filter @studio/test run bench:upload
 *   BENCH_UPLOAD_MODES=multipart BENCH_UPLOAD_CONCURRENCY=8 BENCH_UPLOAD_PART_BYTES=16777216 ...
 *
 * Starts a real MinIO on a free loopback port in a throw-away folder, writes a file of BENCH_UPLOAD_BYTES
 * (a random 64 MiB block repeated), then per mode forks one child process that does what a trainer does:
 * `StorageRepository.upload()` of the file (the sha256 it returns is checked against the file's), then
 * `download()` of the object with that size and sha256 expected. The parent samples the child's VmRSS every
 * 100 ms per phase, so the peak is the trainer-side cost of each. Modes: `multipart` (the trainer's path
 * for large files: TRAINER_UPLOAD_CONCURRENCY parts of TRAINER_UPLOAD_PART_BYTES in flight) and `single`
 * (the previous path: one stream through minio's putObject, sequential multipart of 64 MiB parts).
 * Prints one JSON line. Everything it wrote (file, download, MinIO's data) is deleted at the end.
 */
import { fork } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../support/ports.js";

const MiB = 2 ** 20;

interface ChildJob {
  mode: "multipart" | "single";
  s3: { endpoint: string; accessKey: string; secretKey: string; bucket: string };
  file: string;
  downloadTo: string;
  sha256: string;
  size: number;
  concurrency: number;
  partBytes: number;
}
type ChildMsg = { phase: "upload" | "download" } | { done: { uploadS: number; downloadS: number } } | { error: string };

// ————————————————————————————— the trainer side (a forked process) —————————————————————————————

async function child(): Promise<void> {
  const { StorageRepository } = await import("../../trainer/src/repositories/storage.repository.js");
  const job = await new Promise<ChildJob>((r) => process.once("message", (m) => r(m as ChildJob)));
  const send = (m: ChildMsg) => new Promise<void>((r) => process.send!(m, () => r()));
  try {
    const repo = new StorageRepository(
      { S3_ENDPOINT: job.s3.endpoint, S3_ACCESS_KEY: job.s3.accessKey, S3_SECRET_KEY: job.s3.secretKey, S3_BUCKET: job.s3.bucket, S3_REGION: "us-east-1" },
      job.mode === "single" ? { thresholdBytes: Number.MAX_SAFE_INTEGER } : { thresholdBytes: 64 * MiB, concurrency: job.concurrency, partBytes: job.partBytes },
    );
    const key = `teams/bench/runs/${job.mode}/checkpoints/unet.safetensors`;
    await send({ phase: "upload" });
    let t = performance.now();
    const up = await repo.upload(job.file, key, "application/octet-stream");
    const uploadS = (performance.now() - t) / 1000;
    if (up.sha256 !== job.sha256 || up.sizeBytes !== job.size) throw new Error(`upload returned ${up.sizeBytes} bytes / ${up.sha256}, the file is ${job.size} / ${job.sha256}`);
    await send({ phase: "download" });
    t = performance.now();
    await repo.download(key, job.downloadTo, { sizeBytes: job.size, sha256: job.sha256 });
    const downloadS = (performance.now() - t) / 1000;
    await repo.remove(key);
    await send({ done: { uploadS, downloadS } });
  } catch (err) {
    await send({ error: (err as Error).stack ?? String(err) });
  }
  process.exit(0);
}

// ————————————————————————————— the bench —————————————————————————————

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Writes `size` bytes (a random 64 MiB block repeated) and returns their sha256. */
async function writeFile(file: string, size: number): Promise<string> {
  const block = randomBytes(Math.min(64 * MiB, size));
  const hash = createHash("sha256");
  const out = createWriteStream(file);
  for (let left = size; left > 0;) {
    const chunk = block.subarray(0, Math.min(block.length, left));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
    left -= chunk.length;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest("hex");
}

async function runMode(job: ChildJob) {
  const kid = fork(fileURLToPath(import.meta.url), ["--child"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const peak = { idle: 0, upload: 0, download: 0 };
  let phase: keyof typeof peak = "idle";
  const sampler = setInterval(() => (peak[phase] = Math.max(peak[phase], rssMb(kid.pid!))), 100);
  try {
    const result = await new Promise<{ uploadS: number; downloadS: number }>((resolve, reject) => {
      kid.on("message", (m: ChildMsg) => {
        if ("phase" in m) {
          peak[phase] = Math.max(peak[phase], rssMb(kid.pid!));
          phase = m.phase;
        } else if ("done" in m) resolve(m.done);
        else reject(new Error(`${job.mode}: ${m.error}`));
      });
      kid.on("exit", (code) => reject(new Error(`${job.mode}: the child exited (${code}) before reporting`)));
      kid.send(job);
    });
    const mbps = (s: number) => Math.round((job.size / 1e6 / s) * 10) / 10;
    const r1 = (n: number) => Math.round(n * 10) / 10;
    return {
      uploadSeconds: Math.round(result.uploadS * 100) / 100,
      uploadMBps: mbps(result.uploadS),
      downloadSeconds: Math.round(result.downloadS * 100) / 100,
      downloadMBps: mbps(result.downloadS),
      peakRssMb: { beforeUpload: r1(peak.idle), upload: r1(peak.upload), download: r1(peak.download) },
      ...(job.mode === "multipart" ? { concurrency: job.concurrency, partBytes: job.partBytes } : { partBytes: 64 * MiB, concurrency: 1 }),
    };
  } finally {
    clearInterval(sampler);
    if (kid.exitCode === null) kid.kill("SIGKILL");
    await rm(job.downloadTo, { force: true });
  }
}

async function main(): Promise<void> {
  const { startMinio, stopMinio } = await import("@studio/infra/minio");
  const size = Number(process.env.BENCH_UPLOAD_BYTES ?? 3_463_732_322);
  const concurrency = Number(process.env.BENCH_UPLOAD_CONCURRENCY ?? 4);
  const partBytes = Number(process.env.BENCH_UPLOAD_PART_BYTES ?? 32 * MiB);
  const modes = (process.env.BENCH_UPLOAD_MODES ?? "multipart,single").split(",") as ChildJob["mode"][];
  if (!(Number.isInteger(size) && size > 64 * MiB && size <= 64 * 2 ** 30)) throw new Error("BENCH_UPLOAD_BYTES must be an integer above 64 MiB and at most 64 GiB");
  if (!(concurrency >= 1 && concurrency <= 32 && partBytes >= 5 * MiB && partBytes <= 2 ** 30))
    throw new Error("BENCH_UPLOAD_CONCURRENCY must be 1-32, BENCH_UPLOAD_PART_BYTES 5 MiB-1 GiB");
  if (modes.some((m) => m !== "multipart" && m !== "single")) throw new Error("BENCH_UPLOAD_MODES: multipart and/or single");

  const tmp = await mkdtemp(join(tmpdir(), "studio-bench-upload-"));
  await chmod(tmp, 0o755);
  const minioOpts = { dataDir: join(tmp, "minio"), port: await freePort(), consolePort: await freePort(), buckets: ["studio-bench"] };
  const cleanup = async () => {
    await Promise.allSettled([stopMinio(minioOpts)]);
    await rm(tmp, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  const say = (m: string) => process.stderr.write(`[bench:upload] ${m}\n`);
  try {
    say(`starting MinIO in ${tmp}`);
    const minio = await startMinio(minioOpts);
    const file = join(tmp, "unet.safetensors");
    let t = performance.now();
    const sha256 = await writeFile(file, size);
    say(`wrote ${size} bytes in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const results: Record<string, unknown> = {};
    for (const mode of modes) {
      t = performance.now();
      results[mode] = await runMode({
        mode,
        s3: { endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey, bucket: "studio-bench" },
        file,
        downloadTo: join(tmp, `download-${mode}`),
        sha256,
        size,
        concurrency,
        partBytes,
      });
      say(`${mode}: ${JSON.stringify(results[mode])}`);
    }
    console.log(
      JSON.stringify({
        bench: "upload",
        bytes: size,
        ...results,
        goal: { uploadPeakRssMb: 512 },
        cpus: cpus().length,
        loadavg1: Math.round(loadavg()[0]! * 100) / 100,
        date: new Date().toISOString(),
      }),
    );
  } finally {
    await cleanup();
  }
}

if (process.argv.includes("--child")) void child();
else
  main().then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exit(1);
    },
  );
