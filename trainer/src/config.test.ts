import { describe, expect, it } from "vitest";
import { availableParallelism } from "node:os";
import { defaultEngineThreads, ENGINES_AT_ONCE, parseConfig } from "./config.js";

const S3 = { S3_ENDPOINT: "http://127.0.0.1:9000", S3_ACCESS_KEY: "a", S3_SECRET_KEY: "b" };

describe("trainer config", () => {
  it("gives each process its own id and sane defaults", () => {
    const a = parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3 });
    const b = parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3 });
    expect(a.TRAINER_ID).not.toBe(b.TRAINER_ID);
    expect(a.TRAINER_HEARTBEAT_MS).toBe(5000);
    expect(a.S3_BUCKET).toBe("studio");
    expect(a.TRAINER_LEASE_MS).toBe(30_000);
    expect(a.RUN_DEADLINE_MS).toBe(86_400_000);
    expect(a.TRAINER_WARM_ENGINE).toBe("on");
    expect(a.TRAINER_WARM_BASE_MODEL).toBe("stable-diffusion-2-1-base");
  });

  it("names bad variables", () => {
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", TRAINER_ID: "bad id!", TRAINER_HEARTBEAT_MS: "0" })).toThrow(
      /TRAINER_ID[\s\S]*TRAINER_HEARTBEAT_MS|TRAINER_HEARTBEAT_MS[\s\S]*TRAINER_ID/,
    );
    expect(() => parseConfig({})).toThrow(/DATABASE_URL/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d" })).toThrow(/S3_ENDPOINT[\s\S]*S3_ACCESS_KEY[\s\S]*S3_SECRET_KEY/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_LEASE_MS: "10" })).toThrow(/TRAINER_LEASE_MS/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_CHECKPOINT_CACHE_MAX_BYTES: "1000" })).toThrow(/TRAINER_CHECKPOINT_CACHE_MAX_BYTES/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_WARM_ENGINE: "yes" })).toThrow(/TRAINER_WARM_ENGINE/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_WARM_BASE_MODEL: "../etc" })).toThrow(/TRAINER_WARM_BASE_MODEL/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_CLASS_IMAGE_CACHE_MAX_BYTES: "lots" })).toThrow(/TRAINER_CLASS_IMAGE_CACHE_MAX_BYTES/);
  });

  it("gives the caches budgets and hands the class-image budget to the engine", () => {
    const d = parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3 });
    expect(d.TRAINER_CHECKPOINT_CACHE_MAX_BYTES).toBe(20 * 2 ** 30);
    const c = parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_CLASS_IMAGE_CACHE_MAX_BYTES: "2097152" });
    expect(c.TRAINER_CLASS_IMAGE_CACHE_MAX_BYTES).toBe(2_097_152);
    expect(c.ENGINE_ENV.STUDIO_CLASS_IMAGE_CACHE_MAX_BYTES).toBe("2097152");
  });

  it("bounds checkpoint uploads: 4 parts of 32 MiB in flight by default; parts of 5 MiB to 1 GiB, 1-32 at once", () => {
    const d = parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3 });
    expect([d.TRAINER_UPLOAD_CONCURRENCY, d.TRAINER_UPLOAD_PART_BYTES]).toEqual([4, 32 * 2 ** 20]);
    const c = parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_UPLOAD_CONCURRENCY: "8", TRAINER_UPLOAD_PART_BYTES: String(5 * 2 ** 20) });
    expect([c.TRAINER_UPLOAD_CONCURRENCY, c.TRAINER_UPLOAD_PART_BYTES]).toEqual([8, 5 * 2 ** 20]);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_UPLOAD_PART_BYTES: "1048576" })).toThrow(/TRAINER_UPLOAD_PART_BYTES/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_UPLOAD_CONCURRENCY: "0" })).toThrow(/TRAINER_UPLOAD_CONCURRENCY/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_UPLOAD_CONCURRENCY: "33" })).toThrow(/TRAINER_UPLOAD_CONCURRENCY/);
  });

  it("lets the engine see model, cache and GPU settings but no secrets", () => {
    const c = parseConfig({
      DATABASE_URL: "postgres://u:hunter2@h/d",
      ...S3,
      PATH: "/opt/bin:/usr/bin",
      STUDIO_SD21_BASE_DIR: "/models/sd21",
      CUDA_VISIBLE_DEVICES: "1",
      LD_LIBRARY_PATH: "/usr/local/nvidia/lib64",
      STUDIO_CHECKPOINT_ENCODING: "delta",
      STUDIO_ENGINE_SPEED: "compile=off",
    });
    expect(c.ENGINE_ENV).toMatchObject({
      STUDIO_CHECKPOINT_ENCODING: "delta",
      PATH: "/opt/bin:/usr/bin",
      STUDIO_SD21_BASE_DIR: "/models/sd21",
      CUDA_VISIBLE_DEVICES: "1",
      LD_LIBRARY_PATH: "/usr/local/nvidia/lib64",
      STUDIO_ENGINE_SPEED: "compile=off",
    });
    expect(JSON.stringify(c.ENGINE_ENV)).not.toMatch(/hunter2|S3_SECRET_KEY|DATABASE_URL/);
  });

  it("budgets each engine's CPU threads: the CPUs shared by the engines it may run at once, at least 1", () => {
    expect(ENGINES_AT_ONCE).toBe(4);
    expect([1, 2, 4, 7, 8, 16, 64].map(defaultEngineThreads)).toEqual([1, 1, 1, 1, 2, 4, 16]);
    const c = parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, OMP_NUM_THREADS: "16" });
    const n = String(defaultEngineThreads(availableParallelism()));
    expect(c.TRAINER_ENGINE_THREADS).toBe(Number(n));
    // the budget replaces the trainer's own OMP_NUM_THREADS in what the engine sees
    expect(c.ENGINE_ENV).toMatchObject({ OMP_NUM_THREADS: n, MKL_NUM_THREADS: n, STUDIO_ENGINE_THREADS: n });
    const set = parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_ENGINE_THREADS: "3" });
    expect(set.TRAINER_ENGINE_THREADS).toBe(3);
    expect(set.ENGINE_ENV).toMatchObject({ OMP_NUM_THREADS: "3", MKL_NUM_THREADS: "3", STUDIO_ENGINE_THREADS: "3" });
  });

  it.each(["0", "-2", "1.5", "two", "1025"])("refuses TRAINER_ENGINE_THREADS=%s, naming it", (value) => {
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_ENGINE_THREADS: value })).toThrow(
      new RegExp(`TRAINER_ENGINE_THREADS: .*\\(got "${value.replace(".", "\\.")}"\\)`),
    );
  });
});
