import { describe, expect, it } from "vitest";
import { LeaseKeeper } from "./lease.keeper.js";

describe("LeaseKeeper", () => {
  it("declares the lease lost at its local deadline when heartbeats hang (database cut off), once", async () => {
    const lost: string[] = [];
    const k = new LeaseKeeper({ name: "run r", leaseMs: 1000, beat: () => new Promise<true | null>(() => undefined), onLost: (w) => lost.push(w) }).start();
    await new Promise((r) => setTimeout(r, 1300));
    expect(lost).toEqual(["DEADLINE"]);
    expect(k.lost).toBe(true);
    // the deadline is a margin before the database's expiry: a fifth of the lease, at most 5 s
    expect(LeaseKeeper.margin(1000)).toBe(200);
    expect(LeaseKeeper.margin(60_000)).toBe(5000);
  });

  it("keeps the lease while beats succeed, reports each beat, and stops at a null beat (taken over)", async () => {
    const lost: string[] = [];
    let beats = 0;
    let answer: true | null = true;
    const k = new LeaseKeeper<true>({ name: "run r", leaseMs: 1000, beat: async () => answer, onBeat: () => beats++, onLost: (w) => lost.push(w) }).start();
    await new Promise((r) => setTimeout(r, 1500));
    expect(lost).toEqual([]);
    expect(beats).toBeGreaterThanOrEqual(2);
    answer = null;
    await new Promise((r) => setTimeout(r, 600));
    expect(lost).toEqual(["LOST"]);
    k.stop();
  });

  it("failing beats (errors) do not extend the deadline", async () => {
    const lost: string[] = [];
    const errors: string[] = [];
    new LeaseKeeper<true>({
      name: "run r",
      leaseMs: 1000,
      beat: async () => {
        throw new Error("connection refused");
      },
      onLost: (w) => lost.push(w),
      onError: (e) => errors.push(e.message),
    }).start();
    await new Promise((r) => setTimeout(r, 1300));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(lost).toEqual(["DEADLINE"]);
  });
});
