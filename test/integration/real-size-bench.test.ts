import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@studio/infra/paths";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The real-size rehearsal (test/bench/real-size.bench.ts) end to end on tiny-random: every section runs
 * through the product's own code (engine writer, trainer StorageRepository + checkpoint cache, engine
 * generate/export/import, a real API's import check) and the JSON carries every figure the README quotes.
 * The figures themselves are not judged here (a benchmark, not a timed test); their presence and the
 * round trip's bit-exactness are.
 */
describe("bench:real-size (tiny-random smoke run)", () => {
  let work = "";
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("prints one JSON with every section's figures and an exact export/import round trip", async () => {
    work = await mkdtemp(join(tmpdir(), "studio-real-size-"));
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(join(repoRoot, "node_modules", ".bin", "tsx"), ["bench/real-size.bench.ts"], {
        cwd: join(repoRoot, "test"),
        env: { ...process.env, BENCH_MODEL: "tiny-random", BENCH_WORK_DIR: work },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      p.stdout.on("data", (d: Buffer) => (out += d.toString()));
      p.stderr.on("data", (d: Buffer) => (err += d.toString()));
      p.on("close", (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    expect(code, stderr.slice(-3000)).toBe(0);
    const r = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(r.errors).toEqual([]);
    for (const enc of ["plain", "delta"]) {
      const c = r.checkpoint[enc];
      expect(c.stallSeconds).toBeGreaterThan(0);
      expect(c.secondsToDurable).toBeGreaterThanOrEqual(c.stallSeconds);
      expect(c.float32Bytes).toBe(r.checkpoint.prepared.float32Bytes);
      expect(c.ratioToFloat32).toBeCloseTo(c.unetStoredBytes / c.float32Bytes, 3);
    }
    expect(r.checkpoint.delta.unetStoredBytes).toBeLessThan(r.checkpoint.plain.unetStoredBytes);
    // the lossless limit of this delta: a fraction of float32 that the codec's stored bytes do not beat
    const limit = r.checkpoint.prepared.losslessLimit;
    expect(limit.ratioToFloat32).toBeGreaterThan(0);
    expect(limit.ratioToFloat32).toBeLessThan(1);
    expect(r.checkpoint.delta.ratioToFloat32).toBeGreaterThanOrEqual(limit.ratioToFloat32 - 0.01);
    expect(r.goals.storedRatioToFloat32.losslessLimit).toBe(limit.ratioToFloat32);
    expect(r.checkpoint.engineProcessPeakRssMb).toBeGreaterThan(0);
    expect(r.checkpointUsed).toMatch(/downloaded from MinIO/);
    expect(r.minio.bytes).toBeGreaterThan(r.checkpoint.plain.unetStoredBytes);
    expect(r.minio.durableInMinioSeconds).toBeGreaterThanOrEqual(r.minio.uploadSeconds);
    for (const k of ["uploadMBps", "downloadMBps"]) expect(r.minio[k]).toBeGreaterThan(0);
    expect(r.minio.trainerPeakRssMb.upload).toBeGreaterThan(0);
    expect(r.generate).toMatchObject({ images: 1, width: 64, height: 64, steps: 2 });
    expect(r.generate.engineProcessPeakRssMb).toBeGreaterThan(0);
    expect(r.export.exportSeconds).toBeGreaterThan(0);
    expect(r.export.importSeconds).toBeGreaterThan(0);
    expect(r.export.roundTrip).toMatchObject({ ok: true, unetEqual: true, embeddingEqual: true, contentHashEqual: true, unetTensors: r.checkpoint.prepared.unetTensors });
    expect(r.api).toMatchObject({ measured: true, importState: "QUEUED", bytes: r.export.singleFileBytes });
    expect(r.api.apiRssMb.peakDuringCheck).toBeGreaterThan(0);
    expect(Object.keys(r.goals)).toEqual(["stallPerCheckpointSeconds", "storedRatioToFloat32", "trainerRssDuringUploadMb"]);
    expect(r.goals.trainerRssDuringUploadMb.value).toBe(r.minio.trainerPeakRssMb.upload);
  });
});
