import { EventEmitter } from "node:events";
import { CHANNELS, type PgListener } from "@studio/db";
import { describe, expect, it } from "vitest";
import { recheckWith } from "./access-guard.js";
import type { Principal } from "./models.js";

/** A PgListener with only what recheckWith uses; `notify` delivers a studio_access notice. */
function fakeListener() {
  const e = new EventEmitter();
  const listener = {
    subscribe: (channel: string, h: (p: unknown) => void) => (e.on(channel, h), () => e.off(channel, h)),
    onReconnect: (h: () => void) => (e.on("reconnect", h), () => e.off("reconnect", h)),
  } as unknown as PgListener;
  return { listener, notify: () => e.emit(CHANNELS.access, {}), reconnect: () => e.emit("reconnect") };
}

const principal: Principal = { keyId: "k1", userId: "u1", teamId: "t1", role: "MEMBER" } as Principal;

describe("recheckWith: one answer per credentials shared by every subscription", () => {
  function setup(answer: () => Promise<Principal | null>) {
    let queries = 0;
    const services = {
      apiKeys: { authenticate: () => (queries++, answer()) },
      sharing: { authenticateLink: async () => null },
    };
    const f = fakeListener();
    return { recheck: recheckWith(services, f.listener, 60_000), queries: () => queries, ...f };
  }

  it("1 000 rechecks of one key within the share window cost one query; all see the same answer", async () => {
    const s = setup(async () => principal);
    const answers = await Promise.all(Array.from({ length: 1000 }, () => s.recheck("Bearer sk_x", principal)));
    expect(s.queries()).toBe(1);
    expect(answers.every((a) => a === null)).toBe(true);
  });

  it("a studio_access notice forgets the shared answer: a revocation after it is seen by the next recheck", async () => {
    let revoked = false;
    const s = setup(async () => (revoked ? null : principal));
    expect(await s.recheck("Bearer sk_x", principal)).toBeNull();
    revoked = true;
    expect(await s.recheck("Bearer sk_x", principal)).toBeNull(); // still shared: no notice yet
    s.notify();
    const err = await s.recheck("Bearer sk_x", principal);
    expect(err?.extensions.code).toBe("UNAUTHENTICATED");
    expect(s.queries()).toBe(2);
    s.reconnect(); // notices may have been missed while the LISTEN connection was down
    await s.recheck("Bearer sk_x", principal);
    expect(s.queries()).toBe(3);
  });

  it("a failed check (database busy) is not shared: the next recheck queries again", async () => {
    let fail = true;
    const s = setup(async () => {
      if (fail) throw new Error("pool timeout");
      return principal;
    });
    await expect(s.recheck("Bearer sk_x", principal)).rejects.toThrow("pool timeout");
    fail = false;
    expect(await s.recheck("Bearer sk_x", principal)).toBeNull();
    expect(s.queries()).toBe(2);
  });

  it("different credentials are never answered from each other's check", async () => {
    const s = setup(async () => principal);
    await s.recheck("Bearer sk_x", principal);
    await s.recheck("Bearer sk_y", principal);
    expect(s.queries()).toBe(2);
  });
});
