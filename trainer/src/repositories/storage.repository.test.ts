import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageError, StorageRepository } from "./storage.repository.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A repository whose storage serves `objects` (the minio client replaced by a fake getObject). */
function repoServing(objects: Record<string, Buffer>): StorageRepository {
  const repo = new StorageRepository({ S3_ENDPOINT: "http://127.0.0.1:9", S3_ACCESS_KEY: "k", S3_SECRET_KEY: "s", S3_BUCKET: "b", S3_REGION: "us-east-1" });
  (repo as unknown as { client: unknown }).client = {
    getObject: async (_bucket: string, key: string) => {
      const body = objects[key];
      if (!body) throw Object.assign(new Error("Not Found"), { code: "NoSuchKey" });
      // in several chunks, as storage streams it
      return Readable.from([body.subarray(0, 5), body.subarray(5)]);
    },
  };
  return repo;
}

describe("StorageRepository.download verifies inputs against what was recorded", () => {
  let dir: string;
  const validated = Buffer.from("the validated photo bytes");
  const replaced = Buffer.from("bytes written after validation!!");
  beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), "trainer-storage-"))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("keeps a download whose size and sha256 match", async () => {
    const repo = repoServing({ a: validated });
    await repo.download("a", join(dir, "ok"), { sizeBytes: validated.length, sha256: sha(validated) });
    expect(await readFile(join(dir, "ok"))).toEqual(validated);
  });

  it("refuses other bytes of the same size (sha256 differs) with INPUT_VERIFY_FAILED and deletes the file", async () => {
    const same = Buffer.from(validated.toString().replace("photo", "PHOTO"));
    const repo = repoServing({ a: same });
    const err = await repo.download("a", join(dir, "tampered"), { sizeBytes: validated.length, sha256: sha(validated) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ code: "INPUT_VERIFY_FAILED" });
    expect((err as Error).message).toContain(sha(validated));
    await expect(stat(join(dir, "tampered"))).rejects.toThrow();
  });

  it("refuses a larger object as soon as it passes the recorded size, and a smaller one at the end", async () => {
    const repo = repoServing({ big: replaced, small: validated.subarray(0, 10) });
    await expect(repo.download("big", join(dir, "big"), { sizeBytes: 10, sha256: sha(validated) })).rejects.toMatchObject({ code: "INPUT_VERIFY_FAILED" });
    await expect(repo.download("small", join(dir, "small"), { sizeBytes: validated.length, sha256: sha(validated) })).rejects.toMatchObject({ code: "INPUT_VERIFY_FAILED" });
    await expect(stat(join(dir, "big"))).rejects.toThrow();
    await expect(stat(join(dir, "small"))).rejects.toThrow();
  });

  it("checks the size alone when no sha256 was recorded (imports queued before hashes were kept)", async () => {
    const repo = repoServing({ a: validated });
    await repo.download("a", join(dir, "sized"), { sizeBytes: validated.length });
    await expect(repo.download("a", join(dir, "sized2"), { sizeBytes: validated.length + 1 })).rejects.toMatchObject({ code: "INPUT_VERIFY_FAILED" });
  });

  it("a missing object is STORAGE_UNAVAILABLE (not the input's fault)", async () => {
    await expect(repoServing({}).download("gone", join(dir, "gone"), { sizeBytes: 1 })).rejects.toMatchObject({ code: "STORAGE_UNAVAILABLE" });
  });
});
