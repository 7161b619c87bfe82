import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { prepareDatabase } from "@studio/infra/db-roles";
import { startMinio, stopMinio } from "@studio/infra/minio";
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
      s3: { endpoint: string; accessKey: string; secretKey: string; bucket: string };
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
  const db = await prepareDatabase({ superuserUrl: pgInfo.url, passwordsFile: join(tmpDir, "postgres-roles.json") });
  project.provide("services", {
    tmpDir,
    databaseUrl: db.owner,
    databaseUrlApi: db.api,
    databaseUrlTrainer: db.trainer,
    databaseSuperuserUrl: pgInfo.url,
    pg,
    s3: { endpoint: minioInfo.endpoint, accessKey: minioInfo.accessKey, secretKey: minioInfo.secretKey, bucket: "studio-test" },
  });
  return async () => {
    await Promise.allSettled([stopPostgres(pg), stopMinio(minio)]);
    await rm(tmpDir, { recursive: true, force: true });
  };
}
