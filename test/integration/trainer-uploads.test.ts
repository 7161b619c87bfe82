import { createHash, randomBytes } from "node:crypto";
import { copyFile, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Minio from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageRepository } from "../../trainer/src/repositories/storage.repository.js";
import { services } from "../support/services.js";

/**
 * Issue 16 point 1 (docs/checkpoint-uploads.md): the trainer uploads large files as a parallel multipart
 * upload with bounded memory, against the real MinIO as the trainer's own MinIO user; a failure aborts
 * the upload and leaves neither parts nor an object.
 */
const MiB = 2 ** 20;

function rootClient(): Minio.Client {
  const s3 = services().s3;
  const url = new URL(s3.endpoint);
  return new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, region: "us-east-1", accessKey: s3.accessKey, secretKey: s3.secretKey });
}

/** The trainer's repository with small settings: multipart above 8 MiB, 5 MiB parts, 3 in flight. */
function trainerStorage(tuning: { attempts?: number; concurrency?: number } = {}): StorageRepository {
  const s3 = services().s3;
  return new StorageRepository(
    { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3.trainer.accessKey, S3_SECRET_KEY: s3.trainer.secretKey, S3_BUCKET: s3.bucket, S3_REGION: "us-east-1" },
    { thresholdBytes: 8 * MiB, partBytes: 5 * MiB, concurrency: 3, retryDelayMs: 10, ...tuning },
  );
}

/** The minio client inside a repository, whose uploadPart a test wraps to inject faults. */
type PartCall = (cfg: { partNumber: number }, body?: Buffer | string) => Promise<{ etag: string; key: string; part: number }>;
function partsOf(repo: StorageRepository): { client: { uploadPart: PartCall; putObject: (...a: unknown[]) => Promise<unknown> } } {
  return repo as unknown as { client: { uploadPart: PartCall; putObject: (...a: unknown[]) => Promise<unknown> } };
}

async function storedSha256(key: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of await rootClient().getObject(services().s3.bucket, key)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function incompleteUploads(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const u of rootClient().listIncompleteUploads(services().s3.bucket, prefix, true)) keys.push((u as { key: string }).key);
  return keys;
}

async function objectExists(key: string): Promise<boolean> {
  return rootClient()
    .statObject(services().s3.bucket, key)
    .then(
      () => true,
      () => false,
    );
}

describe("trainer uploads: parallel multipart with bounded memory", () => {
  let dir: string;
  let bigFile: string;
  let bigSha: string;
  const size = 40 * MiB + 12_345; // 9 parts of 5 MiB, the last one short
  const prefix = `teams/t-upload/runs/r-${randomBytes(4).toString("hex")}/checkpoints/`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "trainer-uploads-"));
    bigFile = join(dir, "unet.safetensors");
    const data = randomBytes(size);
    bigSha = createHash("sha256").update(data).digest("hex");
    await writeFile(bigFile, data);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("uploads a 40 MiB file in 5 MiB parts, 3 at a time, in order: stored bytes, returned sha256 and size match the file", async () => {
    const repo = trainerStorage();
    const seen: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const real = partsOf(repo).client.uploadPart.bind(partsOf(repo).client);
    partsOf(repo).client.uploadPart = async (cfg, body) => {
      seen.push(cfg.partNumber);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await real(cfg, body);
      } finally {
        inFlight--;
      }
    };
    const key = `${prefix}ok/unet.safetensors`;
    const up = await repo.upload(bigFile, key, "application/octet-stream");
    expect(up).toEqual({ objectKey: key, sizeBytes: size, sha256: bigSha });
    expect(await storedSha256(key)).toBe(bigSha);
    expect(seen.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(await incompleteUploads(prefix)).toEqual([]);
  });

  it("retries a part that fails transiently and still stores the exact bytes", async () => {
    const repo = trainerStorage();
    const real = partsOf(repo).client.uploadPart.bind(partsOf(repo).client);
    const tries = new Map<number, number>();
    partsOf(repo).client.uploadPart = async (cfg, body) => {
      const n = (tries.get(cfg.partNumber) ?? 0) + 1;
      tries.set(cfg.partNumber, n);
      if (cfg.partNumber === 4 && n <= 2) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      return real(cfg, body);
    };
    const key = `${prefix}retried/unet.safetensors`;
    const up = await repo.upload(bigFile, key, "application/octet-stream");
    expect(up.sha256).toBe(bigSha);
    expect(tries.get(4)).toBe(3);
    expect(await storedSha256(key)).toBe(bigSha);
  });

  it("a part that keeps failing aborts the multipart upload: STORAGE_UNAVAILABLE, no incomplete upload, no object", async () => {
    const repo = trainerStorage();
    const real = partsOf(repo).client.uploadPart.bind(partsOf(repo).client);
    let calls = 0;
    partsOf(repo).client.uploadPart = async (cfg, body) => {
      calls++;
      if (cfg.partNumber === 5) throw Object.assign(new Error("We encountered an internal error"), { code: "InternalError" });
      return real(cfg, body);
    };
    const key = `${prefix}failed/unet.safetensors`;
    const err = await repo.upload(bigFile, key, "application/octet-stream").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "STORAGE_UNAVAILABLE" });
    expect((err as Error).message).toContain("internal error");
    expect(calls).toBeLessThan(9 + 3); // no new parts after the failure beyond those in flight
    expect(await incompleteUploads(`${prefix}failed/`)).toEqual([]);
    expect(await objectExists(key)).toBe(false);
  });

  it("a file truncated while uploading aborts the upload (no parts left, no object)", async () => {
    const copy = join(dir, "shrinking.safetensors");
    await copyFile(bigFile, copy);
    const repo = trainerStorage({ concurrency: 1 });
    const real = partsOf(repo).client.uploadPart.bind(partsOf(repo).client);
    partsOf(repo).client.uploadPart = async (cfg, body) => {
      if (cfg.partNumber === 2) await truncate(copy, 12 * MiB); // part 3 starts at 10 MiB: only 2 of its 5 MiB remain
      return real(cfg, body);
    };
    const key = `${prefix}truncated/unet.safetensors`;
    const err = await repo.upload(copy, key, "application/octet-stream").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "STORAGE_UNAVAILABLE" });
    expect((err as Error).message).toMatch(/ended at byte 12582912/);
    expect(await incompleteUploads(`${prefix}truncated/`)).toEqual([]);
    expect(await objectExists(key)).toBe(false);
  });

  it("files up to the threshold keep the single PUT (no multipart calls)", async () => {
    const repo = trainerStorage();
    let parts = 0;
    let puts = 0;
    const c = partsOf(repo).client;
    const realPart = c.uploadPart.bind(c);
    const realPut = c.putObject.bind(c);
    c.uploadPart = async (cfg, body) => (parts++, realPart(cfg, body));
    c.putObject = async (...a: unknown[]) => (puts++, realPut(...a));
    const small = join(dir, "samples.png");
    const data = randomBytes(3 * MiB);
    await writeFile(small, data);
    const key = `${prefix}small/sample.png`;
    const up = await repo.upload(small, key, "image/png");
    expect(up).toEqual({ objectKey: key, sizeBytes: data.length, sha256: createHash("sha256").update(data).digest("hex") });
    expect([parts, puts]).toEqual([0, 1]);
    expect(await storedSha256(key)).toBe(up.sha256);
  });

  it("refuses settings that cannot work (parts under S3's 5 MiB minimum, no concurrency)", () => {
    expect(() => trainerStorage({ concurrency: 0 })).toThrow(/invalid upload settings/);
    const s3 = services().s3;
    expect(
      () => new StorageRepository({ S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: "k", S3_SECRET_KEY: "s", S3_BUCKET: s3.bucket, S3_REGION: "us-east-1" }, { partBytes: MiB }),
    ).toThrow(/partBytes/);
  });
});
