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
});
