import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { prepareDatabase } from "@studio/infra/db-roles";
import { startMinio, stopMinio } from "@studio/infra/minio";
import { ensureMinioServiceUsers } from "@studio/infra/minio-users";
import { startPostgres, stopPostgres } from "@studio/infra/postgres";
import { freePort } from "./ports.js";

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
    };
  }
}

/** Real PostgreSQL + real MinIO for the whole run, in a throw-away folder, on free loopback ports. */
export default async function setup(project: TestProject) {
  const tmpDir = await mkdtemp(join(tmpdir(), "studio-test-"));
  await chmod(tmpDir, 0o755); // the PostgreSQL server's own user must reach its folder
  const pg = { dataDir: join(tmpDir, "postgres"), port: await freePort() };
  const minio = {
    dataDir: join(tmpDir, "minio"),
    port: await freePort(),
    consolePort: await freePort(),
    buckets: ["studio-test"],
  };
  const [pgInfo, minioInfo] = await Promise.all([startPostgres(pg), startMinio(minio)]);
  const users = await ensureMinioServiceUsers({
    endpoint: minioInfo.endpoint,
    root: minioInfo,
    bucket: "studio-test",
    secretsFile: join(tmpDir, "minio-service-users.json"),
  });
  const db = await prepareDatabase({ superuserUrl: pgInfo.url, passwordsFile: join(tmpDir, "postgres-roles.json") });
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
  });
  return async () => {
    await Promise.allSettled([stopPostgres(pg), stopMinio(minio)]);
    await rm(tmpDir, { recursive: true, force: true });
  };
}
