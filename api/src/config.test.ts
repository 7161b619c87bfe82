import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config.js";

const good = {
  DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db",
  S3_ENDPOINT: "http://127.0.0.1:9000",
  S3_ACCESS_KEY: "a",
  S3_SECRET_KEY: "s3cr3t",
};

describe("api config", () => {
  it("applies defaults", () => {
    const c = parseConfig(good);
    expect(c.API_PORT).toBe(4000);
    expect(c.S3_BUCKET).toBe("studio");
    expect(c.API_CORS_ORIGINS).toEqual(["http://localhost:3000", "http://127.0.0.1:3000"]);
  });

  it("names a non-numeric port", () => {
    expect(() => parseConfig({ ...good, API_PORT: "abc" })).toThrow(/API_PORT: .*\(got "abc"\)/);
  });

  it("lists every bad variable and hides secret values", () => {
    try {
      parseConfig({ ...good, API_PORT: "70000", S3_SECRET_KEY: "", DATABASE_URL: "mysql://root:hunter2@h/d" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).problems.map((p) => p.split(":")[0]);
      expect(names.sort()).toEqual(["API_PORT", "DATABASE_URL", "S3_SECRET_KEY"]);
      expect((err as Error).message).not.toContain("hunter2");
    }
  });
});
