import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";

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
  });

  it("names bad variables", () => {
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", TRAINER_ID: "bad id!", TRAINER_HEARTBEAT_MS: "0" })).toThrow(
      /TRAINER_ID[\s\S]*TRAINER_HEARTBEAT_MS|TRAINER_HEARTBEAT_MS[\s\S]*TRAINER_ID/,
    );
    expect(() => parseConfig({})).toThrow(/DATABASE_URL/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d" })).toThrow(/S3_ENDPOINT[\s\S]*S3_ACCESS_KEY[\s\S]*S3_SECRET_KEY/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", ...S3, TRAINER_LEASE_MS: "10" })).toThrow(/TRAINER_LEASE_MS/);
  });

  it("lets the engine see model, cache and GPU settings but no secrets", () => {
    const c = parseConfig({
      DATABASE_URL: "postgres://u:hunter2@h/d",
      ...S3,
      PATH: "/opt/bin:/usr/bin",
      STUDIO_SD21_BASE_DIR: "/models/sd21",
      CUDA_VISIBLE_DEVICES: "1",
      LD_LIBRARY_PATH: "/usr/local/nvidia/lib64",
      STUDIO_ENGINE_SPEED: "compile=off",
    });
    expect(c.ENGINE_ENV).toMatchObject({
      PATH: "/opt/bin:/usr/bin",
      STUDIO_SD21_BASE_DIR: "/models/sd21",
      CUDA_VISIBLE_DEVICES: "1",
      LD_LIBRARY_PATH: "/usr/local/nvidia/lib64",
      STUDIO_ENGINE_SPEED: "compile=off",
    });
    expect(JSON.stringify(c.ENGINE_ENV)).not.toMatch(/hunter2|S3_SECRET_KEY|DATABASE_URL/);
  });
});
