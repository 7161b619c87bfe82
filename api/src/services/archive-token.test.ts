import { describe, expect, it } from "vitest";
import { ArchiveTokens } from "./archive-token.js";

const id = "7f1c2d3e-0000-4000-8000-000000000001";

describe("archive tokens", () => {
  it("verifies its own token for the same export until it expires", () => {
    const t = new ArchiveTokens(Buffer.from("k".repeat(32)), 60);
    const now = Date.UTC(2026, 0, 1);
    const { token, expiresAt } = t.issue(id, now);
    expect(expiresAt.getTime()).toBe(now + 60_000);
    expect(t.verify(id, token, now + 59_000)).toBe(true);
    expect(t.verify(id, token, now + 61_000)).toBe(false);
  });

  it("refuses another export's token, another secret's, a forged expiry and garbage", () => {
    const t = new ArchiveTokens(Buffer.from("k".repeat(32)), 60);
    const { token } = t.issue(id);
    expect(t.verify(id.replace(/1$/, "2"), token)).toBe(false);
    expect(new ArchiveTokens(Buffer.from("x".repeat(32)), 60).verify(id, token)).toBe(false);
    const [exp, mac] = token.split(".");
    expect(t.verify(id, `${Number(exp) + 3600}.${mac}`)).toBe(false);
    expect(t.verify(id, "")).toBe(false);
    expect(t.verify(id, "abc.def")).toBe(false);
  });
});
