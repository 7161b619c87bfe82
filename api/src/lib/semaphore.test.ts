import { describe, expect, it } from "vitest";
import { BoundedSemaphore } from "./semaphore.js";

const gate = () => {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
};

describe("BoundedSemaphore", () => {
  it("never lets more than `limit` run, queues the rest in order, and refuses when the wait is over", async () => {
    const s = new BoundedSemaphore(2, 60_000);
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      s.run(
        async () => (started.push(i), await g.p, i),
        () => new Error("busy"),
      ),
    );
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(s.inUse).toBe(2);
    expect(s.queued).toBe(1);
    gates[1]!.open();
    await runs[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open();
    gates[2]!.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(s.peak).toBe(2);
    expect(s.inUse).toBe(0);
  });

  it("with no wait allowed, a caller beyond the limit is refused at once and nothing of it runs", async () => {
    const s = new BoundedSemaphore(1, 0);
    const g = gate();
    const first = s.run(
      () => g.p,
      () => new Error("busy"),
    );
    let ran = false;
    await expect(
      s.run(
        async () => void (ran = true),
        () => new Error("busy"),
      ),
    ).rejects.toThrow("busy");
    expect(ran).toBe(false);
    g.open();
    await first;
    await expect(
      s.run(
        async () => "free again",
        () => new Error("busy"),
      ),
    ).resolves.toBe("free again");
  });

  it("a queued caller whose wait ends is dropped from the queue and refused; a slot is released even when fn throws", async () => {
    const s = new BoundedSemaphore(1, 20);
    const g = gate();
    const first = s.run(
      () => g.p,
      () => new Error("busy"),
    );
    await expect(
      s.run(
        async () => 1,
        () => new Error("busy"),
      ),
    ).rejects.toThrow("busy");
    expect(s.queued).toBe(0);
    g.open();
    await first;
    await expect(
      s.run(
        async () => {
          throw new Error("boom");
        },
        () => new Error("busy"),
      ),
    ).rejects.toThrow("boom");
    expect(s.inUse).toBe(0);
  });
});
