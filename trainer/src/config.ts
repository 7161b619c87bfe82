import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The trainer's whole configuration, parsed once from the environment; fails naming every bad variable. */
const schema = z.object({
  DATABASE_URL: z.string().url().refine((u) => /^postgres(ql)?:\/\//.test(u), "must be a postgres:// URL"),
  ENGINE_PYTHON: z.string().min(1).default("python3"),
  ENGINE_DIR: z.string().min(1).default(fileURLToPath(new URL("../engine", import.meta.url))),
  TRAINER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, "letters, digits, dot, dash and underscore only")
    .default(() => `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`),
  TRAINER_HEARTBEAT_MS: z.coerce.number().int().min(200).max(600_000).default(5000),
  ENGINE_READY_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(180_000),
});

export type TrainerConfig = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function parseConfig(env: Record<string, string | undefined>): TrainerConfig {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  throw new ConfigError(
    r.error.issues.map((i) => {
      const name = String(i.path[0]);
      const shown = /URL|KEY|SECRET|PASSWORD/.test(name) ? "" : ` (got ${JSON.stringify(env[name] ?? null)})`;
      return `${name}: ${i.message}${shown}`;
    }),
  );
}
