/**
 * A counting semaphore with a bounded wait: at most `limit` holders at once; a caller beyond that
 * queues (first come, first served) for at most `maxWaitMs`, then gets `null` (the caller answers a
 * retryable error). Used to bound memory- and I/O-heavy checks per API process.
 */
export class BoundedSemaphore {
  private active = 0;
  private readonly waiters: { grant: () => void; timer: NodeJS.Timeout | null }[] = [];
  /** Highest number of simultaneous holders seen (for tests and diagnostics). */
  peak = 0;

  constructor(
    readonly limit: number,
    readonly maxWaitMs: number,
  ) {}

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** A release function, or null when no slot freed up within maxWaitMs. */
  async acquire(): Promise<(() => void) | null> {
    if (this.active < this.limit && this.waiters.length === 0) return this.take();
    if (this.maxWaitMs <= 0) return null;
    return new Promise((resolve) => {
      const waiter = {
        grant: () => resolve(this.take()),
        timer: null as NodeJS.Timeout | null,
      };
      waiter.timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      }, this.maxWaitMs);
      this.waiters.push(waiter);
    });
  }

  /** Runs `fn` holding a slot; `onBusy()` is thrown when none frees up in time. */
  async run<T>(fn: () => Promise<T>, onBusy: () => Error): Promise<T> {
    const release = await this.acquire();
    if (!release) throw onBusy();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private take(): () => void {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const next = this.waiters.shift();
      if (next) {
        if (next.timer) clearTimeout(next.timer);
        next.grant();
      }
    };
  }
}
