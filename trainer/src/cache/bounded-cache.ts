import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A folder of immutable entries (one sub-folder each) held under a size budget, least recently used
 * evicted first (docs/caches.md). An entry appears whole or not at all: it is filled in a `.partial-`
 * folder beside it and renamed into place. Use refreshes the entry folder's mtime, so recency survives
 * a restart.
 *
 * An entry in use is pinned and never evicted: by a count in this process, and by a pin file
 * `<key>.pin-<pid>` beside it, so another trainer process sharing the folder (same TRAINER_WORK_DIR)
 * does not evict it either. A pin file whose process is gone is stale and removed.
 */
export interface CacheLease {
  readonly dir: string;
  /** Unpins the entry (idempotent); it may be evicted from now on, and is at once if the cache is over budget. */
  release(): Promise<void>;
}

export interface BoundedCacheOptions {
  root: string;
  budgetBytes: number;
  log?: (level: "info" | "warn", msg: string) => void;
  /** Whether process `pid` lives (tests replace it). */
  isAlive?: (pid: number) => boolean;
}

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;
const PIN = /^(.+)\.pin-(\d+)$/;
const PARTIAL = /\.(partial|evict)-/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else
      total += await stat(p).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}

export class BoundedCache {
  private readonly pins = new Map<string, number>();
  private readonly filling = new Map<string, Promise<void>>();
  private evicting: Promise<void> = Promise.resolve();
  private readonly isAlive: (pid: number) => boolean;

  constructor(private readonly opts: BoundedCacheOptions) {
    this.isAlive = opts.isAlive ?? processAlive;
  }

  get root(): string {
    return this.opts.root;
  }

  /**
   * Pins entry `key` and returns its folder, filling it first with `fill(tmpDir)` when it is not there
   * (`expectedBytes` makes room before the fill). Callers must `release()` the lease when done.
   */
  async acquire(key: string, fill: (tmpDir: string) => Promise<void>, expectedBytes = 0): Promise<CacheLease> {
    if (!KEY.test(key)) throw new Error(`bad cache key ${JSON.stringify(key)}`);
    const dir = join(this.opts.root, key);
    await this.pin(key);
    let released = false;
    const lease: CacheLease = {
      dir,
      release: async () => {
        if (released) return;
        released = true;
        if (await this.unpin(key)) await this.evict(this.opts.budgetBytes);
      },
    };
    try {
      if (await this.present(dir)) {
        await this.touch(dir);
        return lease;
      }
      let inFlight = this.filling.get(key);
      if (!inFlight) {
        inFlight = this.fill(dir, fill, expectedBytes).finally(() => this.filling.delete(key));
        this.filling.set(key, inFlight);
      }
      await inFlight;
      return lease;
    } catch (err) {
      await lease.release();
      throw err;
    }
  }

  private async fill(dir: string, fill: (tmpDir: string) => Promise<void>, expectedBytes: number): Promise<void> {
    await this.evict(Math.max(0, this.opts.budgetBytes - expectedBytes));
    const tmp = `${dir}.partial-${process.pid}-${randomBytes(3).toString("hex")}`;
    try {
      await mkdir(tmp, { recursive: true });
      await fill(tmp);
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    }
    await this.evict(this.opts.budgetBytes);
  }

  private async present(dir: string): Promise<boolean> {
    return stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  private async touch(dir: string): Promise<void> {
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined);
  }

  private pinFile(key: string): string {
    return join(this.opts.root, `${key}.pin-${process.pid}`);
  }

  private async pin(key: string): Promise<void> {
    const n = this.pins.get(key) ?? 0;
    this.pins.set(key, n + 1);
    if (n === 0) {
      await mkdir(this.opts.root, { recursive: true });
      await writeFile(this.pinFile(key), "");
    }
  }

  /** True when this was the entry's last pin in this process. */
  private async unpin(key: string): Promise<boolean> {
    const n = (this.pins.get(key) ?? 1) - 1;
    if (n > 0) {
      this.pins.set(key, n);
      return false;
    }
    this.pins.delete(key);
    await unlink(this.pinFile(key)).catch(() => undefined);
    return true;
  }

  /** Entries with their size, recency and whether something pins them; leftovers of dead processes are removed. */
  async entries(): Promise<{ key: string; bytes: number; usedAt: number; pinned: boolean }[]> {
    const names = await readdir(this.opts.root, { withFileTypes: true }).catch(() => []);
    const pinnedElsewhere = new Set<string>();
    for (const e of names) {
      const m = PIN.exec(e.name);
      if (!m) continue;
      const pid = Number(m[2]);
      if (pid === process.pid) continue; // our own pins are counted in memory
      if (this.isAlive(pid)) pinnedElsewhere.add(m[1]!);
      else await unlink(join(this.opts.root, e.name)).catch(() => undefined);
    }
    const out = [];
    for (const e of names) {
      if (!e.isDirectory()) continue;
      if (PARTIAL.test(e.name)) {
        // a fill or eviction of a process that died: never a complete entry
        const pid = Number(/\.(?:partial|evict)-(\d+)/.exec(e.name)?.[1] ?? NaN);
        if (pid !== process.pid && !(pid > 0 && this.isAlive(pid))) await rm(join(this.opts.root, e.name), { recursive: true, force: true });
        continue;
      }
      const dir = join(this.opts.root, e.name);
      const s = await stat(dir).catch(() => null);
      if (!s) continue;
      out.push({
        key: e.name,
        bytes: await folderBytes(dir),
        usedAt: s.mtimeMs,
        pinned: (this.pins.get(e.name) ?? 0) > 0 || pinnedElsewhere.has(e.name),
      });
    }
    return out;
  }

  /** Evicts least recently used, unpinned entries until the cache holds at most `targetBytes`. */
  evict(targetBytes: number): Promise<void> {
    const run = this.evicting.then(() => this.evictNow(targetBytes));
    this.evicting = run.catch(() => undefined);
    return run;
  }

  private async evictNow(targetBytes: number): Promise<void> {
    const all = await this.entries();
    let total = all.reduce((n, e) => n + e.bytes, 0);
    for (const e of all.filter((x) => !x.pinned).sort((a, b) => a.usedAt - b.usedAt)) {
      if (total <= targetBytes) break;
      if ((this.pins.get(e.key) ?? 0) > 0) continue; // pinned since the listing
      // Rename first: a crash mid-delete leaves an `.evict-` folder, never a half entry under its key.
      const doomed = join(this.opts.root, `${e.key}.evict-${process.pid}-${randomBytes(3).toString("hex")}`);
      const moved = await rename(join(this.opts.root, e.key), doomed).then(
        () => true,
        () => false,
      );
      if (!moved) continue;
      await rm(doomed, { recursive: true, force: true });
      total -= e.bytes;
      this.opts.log?.("info", `cache ${this.opts.root}: evicted ${e.key} (${e.bytes} bytes)`);
    }
    if (total > targetBytes) {
      this.opts.log?.("warn", `cache ${this.opts.root}: ${total} bytes in use exceed the budget of ${targetBytes} (entries in use are kept)`);
    }
  }
}
