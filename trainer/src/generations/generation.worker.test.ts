import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@studio/db";
import type { StorageRepository } from "../repositories/storage.repository.js";
import { GenerationWorker } from "./generation.worker.js";

/** The worker's checkpoint cache, wired as in production, with a storage that writes `sizeBytes` bytes per file. */
describe("GenerationWorker checkpoint cache", () => {
  let work: string;
  const downloads: string[] = [];
  const storage = {
    download: async (objectKey: string, file: string, expected?: { sizeBytes: number }) => {
      downloads.push(objectKey);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, Buffer.alloc(expected?.sizeBytes ?? 0, 1));
    },
  } as unknown as StorageRepository;
  const worker = () =>
    new GenerationWorker(
      {} as Database,
      storage,
      {
        TRAINER_ID: "t",
        TRAINER_WORK_DIR: work,
        TRAINER_CHECKPOINT_CACHE_MAX_BYTES: 3 << 20,
        TRAINER_LEASE_MS: 30_000,
        ENGINE_PYTHON: "python3",
        ENGINE_DIR: ".",
        ENGINE_STOP_GRACE_MS: 1000,
        RUN_DEADLINE_MS: 60_000,
        ENGINE_ENV: {},
      },
      () => undefined,
    );
  const files = (id: string) => [
    { name: "checkpoint.json", objectKey: `${id}/checkpoint.json`, sizeBytes: 100, sha256: "x" },
    { name: "unet.safetensors", objectKey: `${id}/unet.safetensors`, sizeBytes: 1 << 20, sha256: "x" },
  ];

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), "gen-cache-"));
    downloads.length = 0;
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("downloads once, keeps to TRAINER_CHECKPOINT_CACHE_MAX_BYTES and never evicts the checkpoint in use", async () => {
    const w = worker();
    const inUse = await w.cachedCheckpoint("ck-0", files("ck-0")); // e.g. an evaluation still generating
    for (const id of ["ck-1", "ck-2", "ck-3", "ck-1"]) await (await w.cachedCheckpoint(id, files(id))).release();
    const cached = (await readdir(join(work, "checkpoint-cache"))).filter((n) => !n.includes(".pin-")).sort();
    expect(cached).toContain("ck-0");
    expect(cached.length).toBeLessThanOrEqual(2); // ≈ 1 MiB each, 3 MiB budget, one more being made room for
    expect(downloads.filter((k) => k.startsWith("ck-0/"))).toHaveLength(2);
    expect(downloads.filter((k) => k === "ck-1/unet.safetensors")).toHaveLength(2); // evicted by ck-2/ck-3, fetched again
    await inUse.release();
  });
});
