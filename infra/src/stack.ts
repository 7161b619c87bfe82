import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureDashboardBuild, dashboardDir } from "./dashboard.build.js";
import { prepareDatabase, type DbUrls } from "./db-roles.js";
import { ensureEngineEnv, engineDir } from "./engine-env.service.js";
import { ensureMinioServiceUsers, type S3Credentials } from "./minio-users.js";
import { minioRunning, startMinio, stopMinio, type MinioOptions } from "./minio.service.js";
import { repoRoot } from "./paths.js";
import { postgresRunning, startPostgres, stopPostgres, type PostgresOptions } from "./postgres.service.js";
import { pidAlive, run, sleep } from "./proc.js";
import type { StackConfig } from "./stack.config.js";
import { Supervisor } from "./supervisor.js";

const say = (m: string) => console.log(`studio: ${m}`);

export function pgOptions(c: StackConfig): PostgresOptions {
  return { dataDir: c.pgDir, port: c.POSTGRES_PORT };
}
export function minioOptions(c: StackConfig): MinioOptions {
  return { dataDir: c.minioDir, port: c.MINIO_PORT, consolePort: c.MINIO_CONSOLE_PORT, buckets: [c.S3_BUCKET] };
}

interface StackState {
  pid: number;
  dashboardUrl: string;
  graphqlUrl: string;
}

const stateFile = (c: StackConfig) => join(c.runDir, "stack.json");

async function readState(c: StackConfig): Promise<StackState | null> {
  if (!existsSync(stateFile(c))) return null;
  try {
    const s = JSON.parse(await readFile(stateFile(c), "utf8")) as StackState;
    return pidAlive(s.pid) ? s : null;
  } catch {
    return null;
  }
}

/** Storage: the root (or operator's) credentials for infra, and each service's own. */
export interface ServicesS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  api: S3Credentials;
  trainer: S3Credentials;
}

/**
 * Starts the data services only (PostgreSQL, MinIO), migrated, with the database roles and grants
 * (docs/security-privileges.md) and buckets. Idempotent. `databaseUrl` is the migration role's URL
 * (owner of the tables: migrations and the admin command); `db.api` / `db.trainer` the services' URLs.
 */
export async function servicesUp(c: StackConfig): Promise<{ databaseUrl: string; db: DbUrls; s3: ServicesS3 }> {
  const passwordsFile = join(c.STUDIO_DATA_DIR, "postgres-roles.json");
  await mkdir(c.STUDIO_DATA_DIR, { recursive: true });
  let db: DbUrls;
  if (!c.DATABASE_URL) {
    const pg = await startPostgres(pgOptions(c));
    say(`PostgreSQL listening on 127.0.0.1:${pg.port}; data in ${pg.dataDir}; log ${pg.logFile}`);
    db = await prepareDatabase({ superuserUrl: pg.url, passwordsFile });
  } else {
    say("PostgreSQL: using DATABASE_URL (the migration role)");
    db = await prepareDatabase({ databaseUrl: c.DATABASE_URL, apiUrl: c.DATABASE_URL_API, trainerUrl: c.DATABASE_URL_TRAINER, passwordsFile });
  }
  const databaseUrl = db.owner;
  say("database migrated; roles and grants applied");
  let s3: ServicesS3;
  if (!c.S3_ENDPOINT) {
    const m = await startMinio(minioOptions(c));
    say(`MinIO listening on ${m.endpoint} (console ${m.consoleUrl}); data in ${m.dataDir}; bucket "${c.S3_BUCKET}"`);
    const users = await ensureMinioServiceUsers({
      endpoint: m.endpoint,
      root: m,
      bucket: c.S3_BUCKET,
      secretsFile: join(c.STUDIO_DATA_DIR, "minio-service-users.json"),
    });
    say("MinIO: the API and the trainer have their own users, limited to their bucket and prefixes");
    s3 = { endpoint: m.endpoint, accessKey: m.accessKey, secretKey: m.secretKey, api: users.api, trainer: users.trainer };
  } else {
    say("object storage: using S3_ENDPOINT");
    const shared = { accessKey: c.S3_ACCESS_KEY!, secretKey: c.S3_SECRET_KEY! };
    s3 = {
      endpoint: c.S3_ENDPOINT,
      ...shared,
      api: c.S3_ACCESS_KEY_API ? { accessKey: c.S3_ACCESS_KEY_API, secretKey: c.S3_SECRET_KEY_API! } : shared,
      trainer: c.S3_ACCESS_KEY_TRAINER ? { accessKey: c.S3_ACCESS_KEY_TRAINER, secretKey: c.S3_SECRET_KEY_TRAINER! } : shared,
    };
  }
  return { databaseUrl, db, s3 };
}

async function waitHttp(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return true;
    } catch {
      /* not yet */
    }
    await sleep(300);
  }
  return false;
}

/** `./studio up`: everything, in the foreground; Ctrl-C stops the app processes. */
export async function stackUp(c: StackConfig): Promise<number> {
  const running = await readState(c);
  if (running) {
    say(`already running (pid ${running.pid}).`);
    say(`  dashboard: ${running.dashboardUrl}`);
    say(`  GraphQL:   ${running.graphqlUrl}`);
    say("stop it with ./studio down (or Ctrl-C in its terminal).");
    return 0;
  }
  await mkdir(c.runDir, { recursive: true });
  const python = await ensureEngineEnv(say);
  const { databaseUrl, db, s3 } = await servicesUp(c);
  const firstKey = await ensureFirstTeam(c, databaseUrl);
  await ensureDashboardBuild(say);

  const host = c.STUDIO_HOST;
  const graphqlUrl = `http://${host}:${c.API_PORT}/graphql`;
  const dashboardUrl = `http://${host}:${c.DASHBOARD_PORT}`;
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
  const next = join(dashboardDir, "node_modules", ".bin", "next");
  const logDir = join(c.STUDIO_DATA_DIR, "logs");
  await mkdir(logDir, { recursive: true });
  const sup = new Supervisor();
  sup.start(
    {
      name: "api",
      cmd: tsx,
      args: ["src/main.ts"],
      cwd: join(repoRoot, "api"),
      logFile: join(logDir, "api.log"),
      env: {
        ...base,
        API_HOST: host,
        API_PORT: String(c.API_PORT),
        DATABASE_URL: db.api,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY: s3.api.accessKey,
        S3_SECRET_KEY: s3.api.secretKey,
        S3_BUCKET: c.S3_BUCKET,
        API_CORS_ORIGINS: [dashboardUrl, `http://localhost:${c.DASHBOARD_PORT}`, `http://127.0.0.1:${c.DASHBOARD_PORT}`].join(","),
        ...(c.EVAL_MODELS_DIR ? { EVAL_MODELS_DIR: c.EVAL_MODELS_DIR } : {}),
        // rate limits and budgets (docs/security-rate-limits.md), from the environment or .env; the API checks them
        ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => /^(RATE_|BUDGET_|TRUST_PROXY$)/.test(e[0]) && e[1] !== undefined)),
      },
    },
    0,
  );
  sup.start(
    {
      name: "trainer",
      cmd: tsx,
      args: ["src/main.ts"],
      cwd: join(repoRoot, "trainer"),
      logFile: join(logDir, "trainer.log"),
      env: {
        ...base,
        DATABASE_URL: db.trainer,
        ENGINE_PYTHON: python,
        ENGINE_DIR: engineDir,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY: s3.trainer.accessKey,
        S3_SECRET_KEY: s3.trainer.secretKey,
        S3_BUCKET: c.S3_BUCKET,
      },
    },
    1,
  );
  sup.start(
    {
      name: "dashboard",
      cmd: next,
      args: ["start", "-p", String(c.DASHBOARD_PORT), "-H", host],
      cwd: dashboardDir,
      logFile: join(logDir, "dashboard.log"),
      env: { ...base, DASHBOARD_API_URL: graphqlUrl, DASHBOARD_STORAGE_URL: s3.endpoint },
    },
    2,
  );
  await writeFile(stateFile(c), JSON.stringify({ pid: process.pid, dashboardUrl, graphqlUrl } satisfies StackState));

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    say(`${why}: stopping api, trainer and dashboard ...`);
    await sup.stopAll();
    await rm(stateFile(c), { force: true });
    say("stopped. PostgreSQL and MinIO keep running; ./studio down stops them too.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  const apiUp = await waitHttp(`http://${host}:${c.API_PORT}/livez`, 120_000);
  const dashUp = await waitHttp(dashboardUrl, 120_000);
  if (!apiUp || !dashUp) say(`warning: ${!apiUp ? "the API" : "the dashboard"} is not answering yet; see ${logDir}`);
  say("ready.");
  say(`  dashboard: ${dashboardUrl}`);
  say(`  GraphQL:   ${graphqlUrl}   (subscriptions: ${graphqlUrl.replace("http", "ws")})`);
  say(`  try:       curl -s ${graphqlUrl} -H 'content-type: application/json' -d '{"query":"{ health { status } }"}'`);
  say(`             (each service's details need a key: add -H "authorization: Bearer $(jq -r .secret ${firstKeyFile(c)})" and ask for postgres { status message } …)`);
  if (firstKey) {
    say(`first start: created team "${firstKey.teamName}" with an OWNER and an API key (also saved in ${firstKeyFile(c)}):`);
    say(`  API key:   ${firstKey.secret}`);
    say(`  use it as: curl -H 'authorization: Bearer ${firstKey.secret}' ... (README: "Use the API")`);
  } else say(`API key of the first team: see ${firstKeyFile(c)}; more with ./studio admin create-team`);
  say("Ctrl-C stops the app; ./studio down stops everything.");
  return new Promise<number>(() => undefined); // runs until a signal
}

export const firstKeyFile = (c: StackConfig) => join(c.STUDIO_DATA_DIR, "first-api-key.json");

/**
 * A fresh install has no team, and every API call needs a key: create the first team, its OWNER and
 * a key, and keep the key (mode 0600, git-ignored) so the newcomer can find it again.
 */
async function ensureFirstTeam(c: StackConfig, databaseUrl: string): Promise<{ teamName: string; secret: string } | null> {
  const out = await runAdmin(["create-team", "--name", "My team", "--user", "admin", "--if-no-teams", "--json"], databaseUrl);
  const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { created?: boolean; teamName?: string; secret?: string };
  if (!result.created || !result.secret) return null;
  await writeFile(firstKeyFile(c), JSON.stringify(result, null, 2) + "\n", { mode: 0o600 });
  return { teamName: result.teamName ?? "My team", secret: result.secret };
}

/** Runs the API's admin command (api/src/admin.cli.ts) against the given database. */
export function runAdmin(args: string[], databaseUrl: string): Promise<string> {
  return run(join(repoRoot, "node_modules", ".bin", "tsx"), ["src/admin.cli.ts", ...args], {
    cwd: join(repoRoot, "api"),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", DATABASE_URL: databaseUrl },
  });
}

/** `./studio down`: stops a running `up`, then MinIO and PostgreSQL. Idempotent. */
export async function stackDown(c: StackConfig): Promise<void> {
  const running = await readState(c);
  if (running) {
    process.kill(running.pid, "SIGTERM");
    const deadline = Date.now() + 20_000;
    while (pidAlive(running.pid) && Date.now() < deadline) await sleep(200);
    say(`stopped the app (pid ${running.pid})`);
  }
  if (!c.S3_ENDPOINT) say((await stopMinio(minioOptions(c))) ? "stopped MinIO" : "MinIO was not running");
  if (!c.DATABASE_URL) say((await stopPostgres(pgOptions(c))) ? "stopped PostgreSQL" : "PostgreSQL was not running");
}

export async function stackStatus(c: StackConfig): Promise<void> {
  const running = await readState(c);
  say(running ? `app running (pid ${running.pid}): ${running.dashboardUrl} ${running.graphqlUrl}` : "app not running");
  if (!c.DATABASE_URL) {
    const on = await postgresRunning(pgOptions(c));
    say(`PostgreSQL ${on ? "running" : "stopped"} on 127.0.0.1:${c.POSTGRES_PORT}, data ${c.pgDir}`);
  }
  if (!c.S3_ENDPOINT) {
    const on = await minioRunning(minioOptions(c));
    say(`MinIO ${on ? "running" : "stopped"} on http://127.0.0.1:${c.MINIO_PORT}, data ${c.minioDir}`);
  }
}
