import { join } from "node:path";
import { z } from "zod";
import { defaultDataDir } from "./paths.js";

/**
 * What `./studio up` needs. With no DATABASE_URL it runs its own PostgreSQL, with no S3_ENDPOINT its
 * own MinIO (both project-local, loopback only). Parsed once; a bad value names the variable.
 */
const port = z.coerce.number().int().min(1).max(65535);
const schema = z.object({
  STUDIO_DATA_DIR: z.string().min(1).default(defaultDataDir()),
  STUDIO_HOST: z.string().min(1).default("127.0.0.1"),
  POSTGRES_PORT: port.default(54320),
  MINIO_PORT: port.default(9100),
  MINIO_CONSOLE_PORT: port.default(9101),
  API_PORT: port.default(4000),
  DASHBOARD_PORT: port.default(3000),
  DATABASE_URL: z.string().url().optional(),
  /** With an external DATABASE_URL: the API's and the trainer's own roles (docs/security-privileges.md). */
  DATABASE_URL_API: z.string().url().optional(),
  DATABASE_URL_TRAINER: z.string().url().optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_ACCESS_KEY: z.string().optional(),
  S3_SECRET_KEY: z.string().optional(),
  /** With an external S3_ENDPOINT: the API's and the trainer's own credentials (default: S3_ACCESS_KEY for both). */
  S3_ACCESS_KEY_API: z.string().optional(),
  S3_SECRET_KEY_API: z.string().optional(),
  S3_ACCESS_KEY_TRAINER: z.string().optional(),
  S3_SECRET_KEY_TRAINER: z.string().optional(),
  S3_BUCKET: z.string().default("studio"),
  /** The evaluator's encoder folder (docs/evaluation-contract.md §1); the API's default when unset. */
  EVAL_MODELS_DIR: z.string().min(1).optional(),
});

export type StackConfig = z.infer<typeof schema> & { pgDir: string; minioDir: string; runDir: string };

export function parseStackConfig(env: Record<string, string | undefined>): StackConfig {
  const r = schema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const name = String(i.path[0]);
      const shown = /URL|KEY|SECRET/.test(name) ? "" : ` (got ${JSON.stringify(env[name] ?? null)})`;
      return `  - ${name}: ${i.message}${shown}`;
    });
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  const c = r.data;
  if (c.S3_ENDPOINT && (!c.S3_ACCESS_KEY || !c.S3_SECRET_KEY)) throw new Error("invalid configuration:\n  - S3_ACCESS_KEY, S3_SECRET_KEY: required when S3_ENDPOINT is set");
  for (const who of ["API", "TRAINER"] as const)
    if (!c[`S3_ACCESS_KEY_${who}`] !== !c[`S3_SECRET_KEY_${who}`] || (c[`S3_ACCESS_KEY_${who}`] && !c.S3_ENDPOINT))
      throw new Error(`invalid configuration:\n  - S3_ACCESS_KEY_${who}, S3_SECRET_KEY_${who}: set both, together with S3_ENDPOINT`);
  if ((c.DATABASE_URL_API || c.DATABASE_URL_TRAINER) && !(c.DATABASE_URL && c.DATABASE_URL_API && c.DATABASE_URL_TRAINER))
    throw new Error("invalid configuration:\n  - DATABASE_URL_API, DATABASE_URL_TRAINER: set both, together with DATABASE_URL");
  return {
    ...c,
    pgDir: join(c.STUDIO_DATA_DIR, "postgres"),
    minioDir: join(c.STUDIO_DATA_DIR, "minio"),
    runDir: join(c.STUDIO_DATA_DIR, "run"),
  };
}
