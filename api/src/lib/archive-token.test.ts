import { describe, expect, it } from "vitest";
import { ArchiveTokens } from "./archive-token.js";

const id = "7f1c2d3e-0000-4000-8000-000000000001";
const key = { kind: "key" as const, id: "0a1b2c3d-0000-4000-8000-00000000000a" };
const link = { kind: "link" as const, id: "0a1b2c3d-0000-4000-8000-00000000000b" };

describe("archive tokens", () => {
  it("verifies its own token for the same export until it expires, and says whom it was issued to", () => {
    const t = new ArchiveTokens(Buffer.from("k".repeat(32)), 60);
    const now = Date.UTC(2026, 0, 1);
    const { token, expiresAt } = t.issue(id, key, now);
    expect(expiresAt.getTime()).toBe(now + 60_000);
    expect(t.verify(id, token, now + 59_000)).toEqual(key);
    expect(t.verify(id, token, now + 61_000)).toBeNull();
    expect(t.verify(id, t.issue(id, link, now).token, now)).toEqual(link);
  });

  it("refuses another export's token, another secret's, a forged expiry or grant, and garbage", () => {
    const t = new ArchiveTokens(Buffer.from("k".repeat(32)), 60);
    const { token } = t.issue(id, key);
    expect(t.verify(id.replace(/1$/, "2"), token)).toBeNull();
    expect(new ArchiveTokens(Buffer.from("x".repeat(32)), 60).verify(id, token)).toBeNull();
    const [exp, grant, mac] = token.split(".");
    expect(t.verify(id, `${Number(exp) + 3600}.${grant}.${mac}`)).toBeNull();
    expect(t.verify(id, `${exp}.l${grant!.slice(1)}.${mac}`)).toBeNull(); // a key's token is not a link's
    expect(t.verify(id, `${exp}.k${link.id}.${mac}`)).toBeNull(); // nor another key's
    expect(t.verify(id, "")).toBeNull();
    expect(t.verify(id, "abc.def")).toBeNull();
  });
});
