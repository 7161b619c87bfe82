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

  it("defaults the front door's limits (docs/security-front.md) and bounds them", () => {
    const c = parseConfig(good);
    expect(c.API_INTROSPECTION).toBe(false);
    expect([c.API_MAX_QUERY_DEPTH, c.API_MAX_QUERY_ALIASES, c.API_MAX_QUERY_COST, c.API_MAX_QUERY_TOKENS]).toEqual([12, 30, 25_000, 5000]);
    expect(c.API_WS_MAX_PAYLOAD_BYTES).toBeLessThanOrEqual(1_048_576);
    expect(parseConfig({ ...good, API_INTROSPECTION: "1" }).API_INTROSPECTION).toBe(true);
    expect(() => parseConfig({ ...good, API_WS_MAX_PAYLOAD_BYTES: String(5 * 1024 * 1024) })).toThrow(/API_WS_MAX_PAYLOAD_BYTES/);
    expect(() => parseConfig({ ...good, API_MAX_QUERY_DEPTH: "0" })).toThrow(/API_MAX_QUERY_DEPTH/);
  });
});
