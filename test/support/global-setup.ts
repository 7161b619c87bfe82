import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { prepareDatabase } from "@studio/infra/db-roles";
import { startMinio, stopMinio } from "@studio/infra/minio";
import { ensureMinioServiceUsers } from "@studio/infra/minio-users";
import { startPostgres, stopPostgres } from "@studio/infra/postgres";
import { applyGrants, ensureLoginRoles, openDb, urlForRole } from "@studio/db";
import { freePort } from "./ports.js";
import { TEST_WORKERS } from "./workers.js";

/** What differs from one worker to the next (test/support/services.ts). */
interface WorkerServices {
  databaseUrl: string;
  databaseUrlApi: string;
  databaseUrlTrainer: string;
  databaseSuperuserUrl: string;
  s3: { bucket: string; api: { accessKey: string; secretKey: string }; trainer: { accessKey: string; secretKey: string } };
}

declare module "vitest" {
  export interface ProvidedContext {
    services: {
      tmpDir: string;
      /** The migration role (owner of the tables): fixtures and the admin command use it. */
      databaseUrl: string;
      /** The restricted roles the API and the trainer run as (db/src/roles.ts). */
      databaseUrlApi: string;
      databaseUrlTrainer: string;
      /** The server's superuser (tests of the roles themselves). */
      databaseSuperuserUrl: string;
      pg: { dataDir: string; port: number };
      /** accessKey/secretKey: MinIO's root (fixtures); api/trainer: the services' own users (infra/src/minio-users.ts). */
      s3: {
        endpoint: string;
        accessKey: string;
        secretKey: string;
        bucket: string;
        api: { accessKey: string; secretKey: string };
        trainer: { accessKey: string; secretKey: string };
      };
      /** One database and bucket per vitest worker: read through services(), not directly. */
      workers: WorkerServices[];
    };
  }
}

/** Real PostgreSQL + real MinIO for the whole run, in a throw-away folder, on free loopback ports. */
export default async function setup(project: TestProject) {
  const workerIds = Array.from({ length: TEST_WORKERS }, (_, i) => i + 1);
  const tmpDir = await mkdtemp(join(tmpdir(), "studio-test-"));
  await chmod(tmpDir, 0o755); // the PostgreSQL server's own user must reach its folder
  const pg = { dataDir: join(tmpDir, "postgres"), port: await freePort() };
  const minio = {
    dataDir: join(tmpDir, "minio"),
    port: await freePort(),
    consolePort: await freePort(),
    buckets: ["studio-test", ...workerIds.map((i) => `studio-test-w${i}`)],
  };
  const [pgInfo, minioInfo] = await Promise.all([startPostgres(pg), startMinio(minio)]);
  const users = await ensureMinioServiceUsers({
    endpoint: minioInfo.endpoint,
    root: minioInfo,
    bucket: "studio-test",
    secretsFile: join(tmpDir, "minio-service-users.json"),
  });
  const db = await prepareDatabase({ superuserUrl: pgInfo.url, passwordsFile: join(tmpDir, "postgres-roles.json") });
  // Every worker's database is a copy of the migrated one (tables, types, the owner's objects), with its own
  // API and trainer roles (roles are cluster-wide: a test that locks out "the trainer role" must not lock out
  // another worker's trainers) granted as db/src/roles.ts says, and its bucket has its own service users, as a
  // separate deployment would.
  const workers: WorkerServices[] = [];
  const template = new URL(pgInfo.url).pathname.slice(1);
  const su = openDb(withDatabase(pgInfo.url, "postgres"), { max: 1 });
  try {
    for (const i of workerIds) {
      const name = `studio_w${i}`;
      const roles = { api: `studio_api_w${i}`, trainer: `studio_trainer_w${i}` };
      const pw = { api: randomBytes(18).toString("base64url"), trainer: randomBytes(18).toString("base64url") };
      await ensureLoginRoles(pgInfo.url, [
        { name: roles.api, password: pw.api },
        { name: roles.trainer, password: pw.trainer },
      ]);
      await su.pool.query(`create database ${name} template ${template} owner ${new URL(db.owner).username}`);
      const owner = withDatabase(db.owner, name);
      await applyGrants(owner, roles);
      const bucket = `studio-test-w${i}`;
      const wUsers = await ensureMinioServiceUsers({ endpoint: minioInfo.endpoint, root: minioInfo, bucket, secretsFile: join(tmpDir, `minio-service-users-w${i}.json`) });
      const server = withDatabase(pgInfo.url, name);
      workers.push({
        databaseUrl: owner,
        databaseUrlApi: urlForRole(server, roles.api, pw.api),
        databaseUrlTrainer: urlForRole(server, roles.trainer, pw.trainer),
        databaseSuperuserUrl: server,
        s3: { bucket, api: wUsers.api, trainer: wUsers.trainer },
      });
    }
  } finally {
    await su.close();
  }
  project.provide("services", {
    tmpDir,
    databaseUrl: db.owner,
    databaseUrlApi: db.api,
    databaseUrlTrainer: db.trainer,
    databaseSuperuserUrl: pgInfo.url,
    pg,
    s3: {
      endpoint: minioInfo.endpoint,
      accessKey: minioInfo.accessKey,
      secretKey: minioInfo.secretKey,
      bucket: "studio-test",
      api: users.api,
      trainer: users.trainer,
    },
    workers,
  });
  return async () => {
    await Promise.allSettled([stopPostgres(pg), stopMinio(minio)]);
    await rm(tmpDir, { recursive: true, force: true });
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
