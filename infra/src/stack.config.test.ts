import { describe, expect, it } from "vitest";
import { parseStackConfig } from "./stack.config.js";

describe("stack config", () => {
  it("uses embedded services by default, with project-local data", () => {
    const c = parseStackConfig({ STUDIO_DATA_DIR: "/tmp/x" });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.pgDir).toBe("/tmp/x/postgres");
    expect(c.API_PORT).toBe(4000);
  });

  it("names a bad port", () => {
    expect(() => parseStackConfig({ DASHBOARD_PORT: "abc" })).toThrow(/DASHBOARD_PORT: .*"abc"/);
  });

  it("requires S3 credentials with an external endpoint", () => {
    expect(() => parseStackConfig({ S3_ENDPOINT: "https://s3.example.com" })).toThrow(/S3_ACCESS_KEY/);
  });

  it("takes the services' own database roles and storage credentials only complete and with external services", () => {
    const db = "postgres://owner:pw@db.example.com/studio";
    const api = "postgres://studio_api:pw@db.example.com/studio";
    const trainer = "postgres://studio_trainer:pw@db.example.com/studio";
    expect(() => parseStackConfig({ DATABASE_URL_API: api, DATABASE_URL_TRAINER: trainer })).toThrow(/DATABASE_URL_API, DATABASE_URL_TRAINER/);
    expect(() => parseStackConfig({ DATABASE_URL: db, DATABASE_URL_API: api })).toThrow(/set both/);
    expect(parseStackConfig({ DATABASE_URL: db, DATABASE_URL_API: api, DATABASE_URL_TRAINER: trainer }).DATABASE_URL_TRAINER).toBe(trainer);
    const s3 = { S3_ENDPOINT: "https://s3.example.com", S3_ACCESS_KEY: "a", S3_SECRET_KEY: "b" };
    expect(() => parseStackConfig({ ...s3, S3_ACCESS_KEY_API: "x" })).toThrow(/S3_ACCESS_KEY_API, S3_SECRET_KEY_API/);
    expect(() => parseStackConfig({ S3_ACCESS_KEY_TRAINER: "x", S3_SECRET_KEY_TRAINER: "y" })).toThrow(/S3_ACCESS_KEY_TRAINER/);
    expect(parseStackConfig({ ...s3, S3_ACCESS_KEY_API: "x", S3_SECRET_KEY_API: "y" }).S3_ACCESS_KEY_API).toBe("x");
  });
});
