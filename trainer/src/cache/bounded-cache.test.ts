import { mkdtemp, readdir, rm, stat, utimes, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BoundedCache } from "./bounded-cache.js";

const KiB = 1024;
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "bounded-cache-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fill that writes one file of `bytes` bytes and counts its calls. */
function filler(bytes: number, calls: { n: number }) {
  return async (tmp: string) => {
    calls.n++;
    await writeFile(join(tmp, "model.safetensors"), Buffer.alloc(bytes, 7));
  };
}

async function keys(): Promise<string[]> {
  return (await readdir(root)).filter((n) => !n.includes(".pin-")).sort();
}

async function age(key: string, secondsAgo: number): Promise<void> {
  const t = new Date(Date.now() - secondsAgo * 1000);
  await utimes(join(root, key), t, t);
}

describe("BoundedCache", () => {
  it("fills an entry once and reuses it", async () => {
    const cache = new BoundedCache({ root, budgetBytes: 100 * KiB });
    const calls = { n: 0 };
    const a = await cache.acquire("ck1", filler(10 * KiB, calls));
    await a.release();
    const b = await cache.acquire("ck1", filler(10 * KiB, calls));
    expect(calls.n).toBe(1);
    expect((await stat(join(b.dir, "model.safetensors"))).size).toBe(10 * KiB);
    await b.release();
  });

  it("evicts least recently used entries down to its budget", async () => {
    const cache = new BoundedCache({ root, budgetBytes: 30 * KiB });
    const calls = { n: 0 };
    for (const [i, k] of ["a", "b", "c"].entries()) {
      await (await cache.acquire(k, filler(10 * KiB, calls))).release();
      await age(k, 100 - i * 10); // a oldest, then b, then c
    }
    // using `a` makes it the most recent: `b` is now the least recently used
    await (await cache.acquire("a", filler(10 * KiB, calls))).release();
    await (await cache.acquire("d", filler(10 * KiB, calls), 10 * KiB)).release();
    expect(await keys()).toEqual(["a", "c", "d"]);
    const total = (await cache.entries()).reduce((n, e) => n + e.bytes, 0);
    expect(total).toBeLessThanOrEqual(30 * KiB);
    // a bigger entry pushes out as many as it needs
    await (await cache.acquire("e", filler(25 * KiB, calls), 25 * KiB)).release();
    expect(await keys()).toEqual(["e"]);
  });

  it("never evicts an entry in use, even over budget, and evicts it once released", async () => {
    const cache = new BoundedCache({ root, budgetBytes: 15 * KiB });
    const calls = { n: 0 };
    const inUse = await cache.acquire("busy", filler(10 * KiB, calls));
    await age("busy", 1000); // the oldest: first in line were it not pinned
    await (await cache.acquire("next", filler(10 * KiB, calls), 10 * KiB)).release();
    expect(await keys()).toEqual(["busy"]); // `next` went instead; `busy` stays whole
    expect((await stat(join(inUse.dir, "model.safetensors"))).size).toBe(10 * KiB);
    await inUse.release();
    await (await cache.acquire("last", filler(10 * KiB, calls), 10 * KiB)).release();
    expect(await keys()).toEqual(["last"]);
  });

  it("keeps an entry another live process pins, and drops a dead process's pin and partial fill", async () => {
    const alive = new Set([424242]);
    const cache = new BoundedCache({ root, budgetBytes: 5 * KiB, isAlive: (pid) => alive.has(pid) });
    for (const k of ["theirs", "stale"]) {
      await mkdir(join(root, k));
      await writeFile(join(root, k, "f"), Buffer.alloc(4 * KiB));
    }
    await writeFile(join(root, "theirs.pin-424242"), "");
    await writeFile(join(root, "stale.pin-515151"), ""); // its process is gone
    await mkdir(join(root, "half.partial-515151-abcdef"));
    await writeFile(join(root, "half.partial-515151-abcdef", "f"), Buffer.alloc(4 * KiB));
    // a fill of the live process: never touched, even though the key holds an all-digit segment
    await mkdir(join(root, "a-1111-b.partial-424242-abcdef"));
    await cache.evict(5 * KiB);
    expect((await readdir(root)).sort()).toEqual(["a-1111-b.partial-424242-abcdef", "theirs", "theirs.pin-424242"]);
    alive.clear();
    await cache.evict(0);
    expect(await readdir(root)).toEqual([]);
  });

  it("shares one fill between concurrent users of the same entry and counts both pins", async () => {
    const cache = new BoundedCache({ root, budgetBytes: 10 * KiB });
    const calls = { n: 0 };
    const [x, y] = await Promise.all([cache.acquire("k", filler(8 * KiB, calls)), cache.acquire("k", filler(8 * KiB, calls))]);
    expect(calls.n).toBe(1);
    await x.release();
    await cache.evict(0);
    expect(await keys()).toEqual(["k"]); // y still holds it
    await y.release();
    await cache.evict(0);
    expect(await keys()).toEqual([]);
  });

  it("leaves nothing under the key when a fill fails", async () => {
    const cache = new BoundedCache({ root, budgetBytes: 10 * KiB });
    await expect(
      cache.acquire("bad", async (tmp) => {
        await writeFile(join(tmp, "part"), "x");
        throw new Error("download failed");
      }),
    ).rejects.toThrow(/download failed/);
    expect(await readdir(root)).toEqual([]);
  });
});
