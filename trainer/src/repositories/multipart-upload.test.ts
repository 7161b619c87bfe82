import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PARTS, MIN_PART_BYTES, planParts, uploadFileMultipart, type MultipartClient } from "./multipart-upload.js";

const MiB = 2 ** 20;

describe("planParts keeps a multipart upload within S3's rules", () => {
  it("uses the wanted part size when the file fits in 10 000 parts (SD 2.1 UNet: 104 parts of 32 MiB)", () => {
    expect(planParts(3_463_732_322, 32 * MiB)).toEqual({ partBytes: 32 * MiB, count: 104 });
    expect(planParts(40 * MiB + 1, 5 * MiB)).toEqual({ partBytes: 5 * MiB, count: 9 });
  });

  it("never goes under S3's 5 MiB minimum part", () => {
    expect(planParts(100 * MiB, MiB)).toEqual({ partBytes: MIN_PART_BYTES, count: 20 });
  });

  it("raises the part size to whole MiB when a file would need more than 10 000 parts", () => {
    const size = 200 * 2 ** 30; // 200 GiB at 5 MiB would be 40 960 parts
    const plan = planParts(size, 5 * MiB);
    expect(plan.count).toBeLessThanOrEqual(MAX_PARTS);
    expect(plan.partBytes % MiB).toBe(0);
    expect(plan.partBytes * plan.count).toBeGreaterThanOrEqual(size);
    expect(plan.partBytes).toBe(21 * MiB);
  });

  it("refuses what S3 cannot hold (objects over 5 TiB); 5 TiB itself fits in 10 000 parts", () => {
    expect(() => planParts(6 * 2 ** 40, 5 * MiB)).toThrow(/exceed S3's largest object/);
    expect(planParts(5 * 2 ** 40, 5 * MiB)).toEqual({ partBytes: 525 * MiB, count: 9987 });
  });
});

/** A fake S3 that records what the uploader does: parts (and the memory they live in), completion, abort. */
function fakeStorage(failPart?: number) {
  const log: string[] = [];
  const stored = new Map<number, Buffer>();
  const memory = new Set<ArrayBufferLike>();
  let inFlight = 0;
  let maxInFlight = 0;
  const client = {
    initiateNewMultipartUpload: async () => (log.push("initiate"), "upload-1"),
    uploadPart: async (cfg: { partNumber: number; uploadID: string }, body?: Buffer | string) => {
      const buf = body as Buffer;
      memory.add(buf.buffer);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 1 + ((cfg.partNumber * 7) % 5)));
      inFlight--;
      if (cfg.partNumber === failPart) {
        log.push(`fail ${cfg.partNumber}`);
        throw Object.assign(new Error("Access Denied."), { code: "AccessDenied" });
      }
      stored.set(cfg.partNumber, Buffer.from(buf));
      log.push(`part ${cfg.partNumber}`);
      return { etag: `etag-${cfg.partNumber}`, key: "k", part: cfg.partNumber };
    },
    completeMultipartUpload: async (_b: string, _k: string, _id: string, etags: { part: number; etag?: string }[]) => {
      log.push(`complete ${etags.map((e) => e.part).join(",")}`);
      return { etag: "x", versionId: null };
    },
    abortMultipartUpload: async () => void log.push("abort"),
  };
  return { client: client as unknown as MultipartClient, log, stored, memory, maxInFlight: () => maxInFlight };
}

describe("uploadFileMultipart", () => {
  let dir: string;
  let file: string;
  const data = randomBytes(23 * MiB + 777); // 5 parts of 5 MiB, the last 3 MiB + 777 bytes
  const tuning = { thresholdBytes: 0, partBytes: 5 * MiB, concurrency: 2, attempts: 2, retryDelayMs: 1 };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "multipart-"));
    file = join(dir, "f");
    await writeFile(file, data);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("holds at most `concurrency` part buffers, hashes the whole file in order and completes with the parts in order", async () => {
    const s = fakeStorage();
    const sha = await uploadFileMultipart(s.client, "b", "k", file, data.length, "application/octet-stream", tuning);
    expect(sha).toBe(createHash("sha256").update(data).digest("hex"));
    expect(s.memory.size).toBeLessThanOrEqual(2);
    expect(s.maxInFlight()).toBe(2);
    expect(s.log.at(-1)).toBe("complete 1,2,3,4,5");
    expect(Buffer.concat([1, 2, 3, 4, 5].map((p) => s.stored.get(p)!)).equals(data)).toBe(true);
  });

  it("a permanent failure (AccessDenied: not retried) lets the parts in flight finish, then aborts; never completes", async () => {
    const s = fakeStorage(3);
    await expect(uploadFileMultipart(s.client, "b", "k", file, data.length, "application/octet-stream", tuning)).rejects.toThrow(/Access Denied/);
    expect(s.log.filter((l) => l === "fail 3")).toHaveLength(1);
    expect(s.log.at(-1)).toBe("abort");
    expect(s.log.some((l) => l.startsWith("complete"))).toBe(false);
    expect(s.log).not.toContain("part 5"); // nothing new started after the failure
  });
});
