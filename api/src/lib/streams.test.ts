import { describe, expect, it } from "vitest";
import { wakeableStream } from "./streams.js";

describe("wakeableStream", () => {
  it("reads again every pollMs when nothing wakes it (a missed NOTIFY is not fatal)", async () => {
    let reads = 0;
    const it = wakeableStream<number>({
      pollMs: 20,
      listen: () => () => undefined,
      read: async () => {
        reads += 1;
        return reads < 3 ? [] : [reads];
      },
    });
    const started = Date.now();
    const first = await it.next();
    expect(first).toEqual({ done: false, value: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    await it.return!();
  });

  it("ends right after a final item, without another read", async () => {
    let reads = 0;
    const it = wakeableStream<string>({
      pollMs: 60_000,
      listen: () => () => undefined,
      read: async () => {
        reads += 1;
        return ["RUNNING", "SUCCEEDED"];
      },
      isLast: (s) => s === "SUCCEEDED",
    });
    expect(await it.next()).toEqual({ done: false, value: "RUNNING" });
    expect(await it.next()).toEqual({ done: false, value: "SUCCEEDED" });
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(reads).toBe(1);
  });

  it("reads at once when woken", async () => {
    let wake: () => void = () => undefined;
    let n = 0;
    const it = wakeableStream<number>({
      pollMs: 60_000,
      listen: (w) => {
        wake = w;
        return () => undefined;
      },
      read: async () => (n++ === 0 ? [] : [n]),
    });
    const next = it.next();
    setTimeout(() => wake(), 10);
    expect(await next).toEqual({ done: false, value: 2 });
    await it.return!();
  });
});
