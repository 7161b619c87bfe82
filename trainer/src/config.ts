import { availableParallelism, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The trainer's whole configuration, parsed once from the environment; fails naming every bad variable. */
const schema = z.object({
  DATABASE_URL: z
    .string()
    .url()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), "must be a postgres:// URL"),
  ENGINE_PYTHON: z.string().min(1).default("python3"),
  ENGINE_DIR: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL("../engine", import.meta.url))),
  TRAINER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, "letters, digits, dot, dash and underscore only")
    .default(() => `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`),
  TRAINER_HEARTBEAT_MS: z.coerce.number().int().min(200).max(600_000).default(5000),
  ENGINE_READY_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(180_000),
  S3_ENDPOINT: z.string().url(),
  S3_ACCESS_KEY: z.string().min(1),
  S3_SECRET_KEY: z.string().min(1),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid bucket name")
    .default("studio"),
  S3_REGION: z.string().min(1).default("us-east-1"),
  /** Scratch space for a job's images, engine output and the generation checkpoint cache. */
  TRAINER_WORK_DIR: z.string().min(1).default(join(tmpdir(), "studio-trainer")),
  /**
   * Size budget of the checkpoint cache for generations (TRAINER_WORK_DIR/checkpoint-cache): least
   * recently used checkpoints are evicted down to it; one a generation or evaluation uses is kept
   * (docs/caches.md). At least 1 MiB.
   */
  TRAINER_CHECKPOINT_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1 << 20)
    .max(2 ** 52)
    .default(20 * 2 ** 30),
  /**
   * Size budget of the engine's DreamBooth class-image cache ($STUDIO_CACHE_DIR/class-images), passed
   * to the engine as STUDIO_CLASS_IMAGE_CACHE_MAX_BYTES; a set in use by a run is kept. At least 1 MiB.
   */
  TRAINER_CLASS_IMAGE_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1 << 20)
    .max(2 ** 52)
    .default(5 * 2 ** 30),
  /**
   * Checkpoint uploads (docs/checkpoint-uploads.md): a file above 64 MiB goes up as an S3 multipart upload
   * with this many parts in flight at once; the trainer holds at most concurrency × part size of it in
   * memory. Part size at least 5 MiB (S3's minimum), at most 1 GiB; raised automatically for a file that
   * would need more than 10 000 parts.
   */
  TRAINER_UPLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  TRAINER_UPLOAD_PART_BYTES: z.coerce
    .number()
    .int()
    .min(5 * 2 ** 20)
    .max(2 ** 30)
    .default(32 * 2 ** 20),
  /** A claim is held this long without a heartbeat; after that another trainer may take the job over. */
  TRAINER_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  /**
   * Fair share (docs/scheduling.md): at most this many RUNNING runs per team, unless the team's OWNER
   * set its own limit (team_run_limits). Other teams' queued runs are claimed first.
   */
  RUN_TEAM_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(1),
  /**
   * How often the trainer asks its engine which base models this machine has (`models list`) and records
   * them on its worker row: a model pulled while the trainer runs becomes available within this long.
   */
  TRAINER_MODELS_CHECK_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** How often to look for work when no NOTIFY arrives (NOTIFY can be missed while reconnecting). */
  TRAINER_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
  /** After SIGTERM the engine finishes its step; SIGKILL after this long. */
  ENGINE_STOP_GRACE_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /**
   * The warm engine (docs/architecture.md §7): while idle the trainer keeps one engine process with its
   * imports done and a base model loaded, and hands the next claimed run to it (a job then reaches its
   * first step in well under a second instead of the seconds of imports and load). `off`: every run
   * starts a cold engine process.
   */
  TRAINER_WARM_ENGINE: z.enum(["on", "off"]).default("on"),
  /**
   * The base model the warm engine loads before this trainer's first run (afterwards: the last run's).
   * Empty: imports only until the first run. A model this machine does not have is reported and skipped.
   */
  TRAINER_WARM_BASE_MODEL: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,100}$/, "a base model id: letters, digits, dot, dash and underscore")
    .default("stable-diffusion-2-1-base"),
  /** Hard limit on one training run's engine process (at most 20 days: Node timers overflow past 24.8). */
  RUN_DEADLINE_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(20 * 86_400_000)
    .default(86_400_000),
  /**
   * torch CPU threads of each engine process (docs/architecture.md §7): passed as OMP_NUM_THREADS,
   * MKL_NUM_THREADS and STUDIO_ENGINE_THREADS, which the engine applies at start-up. Default: the CPUs
   * shared by the engines this trainer may run at once, at least 1.
   */
  TRAINER_ENGINE_THREADS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(() => defaultEngineThreads(availableParallelism())),
});

/** Engine processes one trainer may run at once: a training run, the `serve` engine (generations and evaluations), an export, an import. */
export const ENGINES_AT_ONCE = 4;

/** Each engine's share of `cpus` CPUs when all of them run at once (at least one thread). */
export function defaultEngineThreads(cpus: number): number {
  return Math.max(1, Math.floor(cpus / ENGINES_AT_ONCE));
}

/**
 * What the engine process may see of this process's environment: the system basics and the
 * variables that choose models, caches and GPUs. Nothing else (no database URL, no S3 secrets).
 */
const ENGINE_PASSTHROUGH = [
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "TMPDIR",
  "STUDIO_CACHE_DIR",
  "XDG_CACHE_HOME",
  "STUDIO_SD21_BASE_DIR",
  "HF_HOME",
  "HF_HUB_CACHE",
  "CUDA_VISIBLE_DEVICES",
  "NVIDIA_VISIBLE_DEVICES",
  "PYTORCH_CUDA_ALLOC_CONF",
  // Where some Kubernetes GPU setups mount the NVIDIA driver (e.g. /usr/local/nvidia/lib64): PyTorch
  // finds libcuda through it (docs/deploy-kubernetes.md).
  "LD_LIBRARY_PATH",
  // checkpoint storage (trainer/engine/README.md "Checkpoints"): delta-encoded UNets, writer memory bound
  "STUDIO_CHECKPOINT_ENCODING",
  "STUDIO_CHECKPOINT_MAX_IN_FLIGHT",
  // engine speed options of this machine (trainer/engine/README.md "Speed options"); a job spec's `speed` wins
  "STUDIO_ENGINE_SPEED",
  // fault injection for the resume tests only (trainer/engine/README.md): unset in production
  "STUDIO_ENGINE_KILL_AT",
  "STUDIO_ENGINE_PAUSE_AT",
];

export type TrainerConfig = z.infer<typeof schema> & { ENGINE_ENV: Record<string, string> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function parseConfig(env: Record<string, string | undefined>): TrainerConfig {
  const r = schema.safeParse(env);
  if (r.success) {
    const engineEnv: Record<string, string> = { PATH: "/usr/bin:/bin", HOME: "/tmp" };
    for (const k of ENGINE_PASSTHROUGH) if (env[k] !== undefined) engineEnv[k] = env[k]!;
    // The thread budget, not the trainer's own OMP_NUM_THREADS: one figure for every engine it starts.
    const threads = String(r.data.TRAINER_ENGINE_THREADS);
    Object.assign(engineEnv, { OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads, STUDIO_ENGINE_THREADS: threads });
    engineEnv.STUDIO_CLASS_IMAGE_CACHE_MAX_BYTES = String(r.data.TRAINER_CLASS_IMAGE_CACHE_MAX_BYTES);
    return { ...r.data, ENGINE_ENV: engineEnv };
  }
  throw new ConfigError(
    r.error.issues.map((i) => {
      const name = String(i.path[0]);
      const shown = /URL|KEY|SECRET|PASSWORD/.test(name) ? "" : ` (got ${JSON.stringify(env[name] ?? null)})`;
      return `${name}: ${i.message}${shown}`;
    }),
  );
}
