import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { rateLimitEnv } from "./limits/config.js";

/**
 * The API's whole configuration, parsed once from the environment at start. Nothing else reads
 * `process.env`. A bad value stops the process with a message naming every bad variable.
 */
const port = z.coerce.number().int().min(1).max(65535);

const schema = z.object({
  API_HOST: z.string().min(1).default("127.0.0.1"),
  API_PORT: port.default(4000),
  DATABASE_URL: z
    .string()
    .url()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), "must be a postgres:// URL"),
  S3_ENDPOINT: z.string().url(),
  S3_ACCESS_KEY: z.string().min(1),
  S3_SECRET_KEY: z.string().min(1),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid bucket name")
    .default("studio"),
  S3_REGION: z.string().min(1).default("us-east-1"),
  API_CORS_ORIGINS: z
    .string()
    .default("http://localhost:3000,http://127.0.0.1:3000")
    .transform((s) =>
      s
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  /** Endpoint browsers reach storage at, when it differs from S3_ENDPOINT; presigned URLs are signed for it. */
  S3_PUBLIC_ENDPOINT: z.string().url().optional(),
  /** Largest photo accepted (the database allows at most 25 MiB). */
  UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(26_214_400).default(26_214_400),
  /** Most photos one subject may hold (the method wants 4–6; the cost analysis counts lists of them as 200). */
  SUBJECT_MAX_IMAGES: z.coerce.number().int().min(1).max(200).default(50),
  /**
   * Lifetime of every presigned download URL (uploads: UPLOAD_URL_EXPIRY_SECONDS). Short by default: a URL
   * keeps working after its caller lost access (a revoked share or key) until it expires (docs/security-privileges.md).
   */
  PRESIGN_EXPIRY_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** How often a runEvents subscriber re-reads the log when no NOTIFY arrives (a fallback). */
  RUN_EVENTS_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  /** Fair share: RUNNING runs per team without its own limit; the trainers' RUN_TEAM_CONCURRENCY (queue positions use it). */
  RUN_TEAM_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(1),
  /** Live events waiting for one subscriber's socket before it is cut with close code 4290 (docs/live-events.md). */
  LIVE_MAX_QUEUED_EVENTS: z.coerce.number().int().min(10).max(1_000_000).default(2000),
  /** Connections of the live hub's own pool (topic reads never wait behind requests). */
  LIVE_DB_POOL_MAX: z.coerce.number().int().min(1).max(20).default(2),
  /** Bytes waiting in one subscriber's socket before it is cut with close code 4290. */
  LIVE_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).max(1_073_741_824).default(4_194_304),
  /**
   * Debug: count SQL statements. `1`/`true`: per request too (`extensions.sqlQueries`; this tracks
   * async context, which costs every promise); `total`: only the process total reported by `health`
   * (what the live fan-out bench reads, without slowing the process it measures).
   */
  API_COUNT_SQL: z
    .enum(["0", "1", "true", "false", "total"])
    .default("0")
    .transform((v) => (v === "1" || v === "true" ? ("requests" as const) : v === "total" ? ("total" as const) : null)),
  WORKER_STALE_AFTER_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  /**
   * The ONNX encoder folder the evaluator scores with (docs/evaluation-contract.md §1). Missing → no
   * scores, everything else works. Default: ~/.cache/rare-studio/eval-models/clip-vit-b32-dino-vits16.
   */
  EVAL_MODELS_DIR: z
    .string()
    .min(1)
    .default(join(homedir(), ".cache", "rare-studio", "eval-models", "clip-vit-b32-dino-vits16")),
  /** Create a QUICK evaluation for every new checkpoint (when the evaluator is available). */
  EVAL_AUTO_QUICK: z
    .enum(["0", "1", "true", "false"])
    .default("1")
    .transform((v) => v === "1" || v === "true"),
  /** Checkpoints older than this when the API starts are not evaluated automatically. */
  EVAL_AUTO_BACKFILL_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .default(24),
  /** Denoising steps of evaluation images (stored on each evaluation). */
  EVAL_SAMPLING_STEPS: z.coerce.number().int().min(1).max(200).default(30),
  /** Drift is flagged when the paired DINO similarity to the base model's class images falls below this. */
  EVAL_DRIFT_DINO_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
  /** Recommendation guard: candidates more than this below the best CLIP-T are dropped. */
  EVAL_CLIP_T_MARGIN: z.coerce.number().min(0).max(2).default(0.02),
  /** onnxruntime intra-op threads for the evaluator's worker (0: half the cores). */
  EVAL_THREADS: z.coerce.number().int().min(0).max(256).default(0),
  /** Largest model file accepted for import (docs/platform-contract.md, "Exports and imports"); default 8 GiB. */
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(2 ** 45)
    .default(8 * 2 ** 30),
  /**
   * Import files over this size upload in parts (createModelImportMultipartUpload): one form POST of a
   * multi-gigabyte file is slow to fail and MinIO refused a 5.16 GB one (503 RequestTimeout); default 1 GiB.
   */
  IMPORT_SINGLE_POST_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(5 * 2 ** 30)
    .default(2 ** 30),
  /** Part size of a multipart import upload (S3: 5 MiB to 5 GiB, at most 10 000 parts); default 64 MiB. */
  IMPORT_PART_BYTES: z.coerce
    .number()
    .int()
    .min(5 * 2 ** 20)
    .max(5 * 2 ** 30)
    .default(64 * 2 ** 20),
  /** How long a multipart import's part URLs may be started (a large file takes a while); default 1 h. */
  IMPORT_PART_URL_EXPIRY_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(3600),
  /**
   * Uploads (docs/security-uploads.md): how long a presigned upload POST may be started. Size and type
   * are bound into its policy; a short life limits how long one can be replayed.
   */
  UPLOAD_URL_EXPIRY_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** After its URL expired, how long an upload may still be added/imported before it counts as abandoned. */
  UPLOAD_STAGING_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3600),
  /** How often this API deletes abandoned uploads (rows and staging objects); 0 turns the sweeper off. */
  UPLOAD_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** Backstop: a storage lifecycle rule deletes staging objects (prefix uploads/) after this many days. */
  UPLOAD_LIFECYCLE_DAYS: z.coerce.number().int().min(0).max(365).default(1),
  /** Largest safetensors header an import may declare (real Stable Diffusion headers are a few hundred KB). */
  SAFETENSORS_HEADER_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100_000_000)
    .default(4 * 2 ** 20),
  /** Import checks (header read + parse, server-side copy, sha256) running at once in this process. */
  IMPORT_CHECKS_CONCURRENT: z.coerce.number().int().min(1).max(64).default(2),
  /** How long an import waits for a check slot before it is answered SERVER_BUSY (retryable). */
  IMPORT_CHECKS_QUEUE_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  /**
   * HMAC key of export archive URLs (`/exports/{id}.tar?token=…`). Unset: a random key per process, so
   * archive URLs work only on the replica that issued them — set one shared value behind a load balancer.
   */
  EXPORT_URL_SECRET: z.string().min(32).optional(),
  /** Lifetime of an export archive URL (the download also re-checks the key or share link it was issued to). */
  EXPORT_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  /** Base URL browsers reach this API at (for archive URLs); default: the address it listens on. */
  API_PUBLIC_URL: z.string().url().optional(),
  /** Scoring lease: another API process takes over an evaluation whose scorer went silent this long. */
  EVAL_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** How often to look for evaluations to score and checkpoints to evaluate when no NOTIFY arrives. */
  EVAL_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  // ---- the API's front door (docs/security-front.md) ----
  /** Most lexical tokens in one GraphQL document (the parser stops there). */
  API_MAX_QUERY_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(5000),
  /** Deepest nesting of field selections in one operation. */
  API_MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(100).default(12),
  /** Most aliased fields in one operation (fragments expanded). */
  API_MAX_QUERY_ALIASES: z.coerce.number().int().min(0).max(10_000).default(30),
  /** Field-cost budget of one operation: object fields count 1 plus their selection, times list sizes. */
  API_MAX_QUERY_COST: z.coerce.number().int().min(100).max(10_000_000).default(25_000),
  /** Most mutation fields at the root of one request. */
  API_MAX_ROOT_MUTATIONS: z.coerce.number().int().min(1).max(100).default(5),
  /** Schema introspection (`__schema`, `__type`); off unless enabled (nothing in the product needs it). */
  API_INTROSPECTION: z
    .enum(["0", "1", "true", "false"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
  /** Largest graphql-ws message; a bigger one closes the socket with 1009 (at most 1 MiB). */
  API_WS_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(262_144),
  /** Open graphql-ws connections from one client address (refused at upgrade with HTTP 429). */
  API_WS_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(500),
  /** Open graphql-ws connections of one API key or share link (closed with 4430). */
  API_WS_MAX_CONNECTIONS_PER_KEY: z.coerce.number().int().min(1).max(1_000_000).default(500),
  /** Concurrent operations on one graphql-ws connection (more: TOO_MANY_SUBSCRIPTIONS). */
  API_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).max(10_000).default(50),
  /**
   * Slow clients (slowloris): a request whose headers are not complete after API_HEADERS_TIMEOUT_MS, or
   * whose headers and body are not complete after API_REQUEST_TIMEOUT_MS, is answered 408 and closed.
   * Responses (archive downloads, subscriptions over websockets) are not limited by these.
   */
  API_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(500).max(300_000).default(10_000),
  API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** How long one health report is reused (1 000 health requests cost one check); 0: never reused. */
  API_HEALTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1500),
  /** Rate limits and budgets (limits/config.ts, docs/security-rate-limits.md). */
  ...rateLimitEnv,
});

export type ApiConfig = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function parseConfig(env: Record<string, string | undefined>): ApiConfig {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => {
      const name = String(i.path[0]);
      // Never echo secrets (DATABASE_URL carries a password).
      const shown = /KEY|SECRET|PASSWORD|URL/.test(name) ? "" : ` (got ${JSON.stringify(env[name] ?? null)})`;
      return `${name}: ${i.message}${shown}`;
    }),
  );
}

/** The admin CLI needs only the database. */
const adminSchema = schema.pick({ DATABASE_URL: true });
export type AdminConfig = z.infer<typeof adminSchema>;

export function parseAdminConfig(env: Record<string, string | undefined>): AdminConfig {
  const result = adminSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`));
}
