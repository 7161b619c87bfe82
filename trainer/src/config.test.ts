import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";

describe("trainer config", () => {
  it("gives each process its own id and sane defaults", () => {
    const a = parseConfig({ DATABASE_URL: "postgres://x@h/d" });
    const b = parseConfig({ DATABASE_URL: "postgres://x@h/d" });
    expect(a.TRAINER_ID).not.toBe(b.TRAINER_ID);
    expect(a.TRAINER_HEARTBEAT_MS).toBe(5000);
  });

  it("names bad variables", () => {
    expect(() => parseConfig({ DATABASE_URL: "postgres://x@h/d", TRAINER_ID: "bad id!", TRAINER_HEARTBEAT_MS: "0" })).toThrow(
      /TRAINER_ID[\s\S]*TRAINER_HEARTBEAT_MS|TRAINER_HEARTBEAT_MS[\s\S]*TRAINER_ID/,
    );
    expect(() => parseConfig({})).toThrow(/DATABASE_URL/);
  });
});
