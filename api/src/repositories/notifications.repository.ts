import { EventEmitter, on } from "node:events";
import pg from "pg";

const RECONNECTED = Symbol("reconnected");

/**
 * One LISTEN connection per API process, shared by every subscriber. PostgreSQL NOTIFY is how the
 * trainer reaches subscribers on any API replica (DESIGN §2). The connection is re-opened with
 * backoff when the database goes away; subscribers stay attached meanwhile.
 */
export class NotificationsRepository {
  private readonly emitter = new EventEmitter();
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private connected = false;

  constructor(
    private readonly url: string,
    private readonly channels: string[],
    private readonly log: (msg: string) => void,
  ) {
    this.emitter.setMaxListeners(0);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    void this.connect(0);
  }

  private async connect(attempt: number): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 3000 });
    client.on("error", () => {
      /* 'end' follows and schedules the reconnect */
    });
    client.on("end", () => {
      if (this.client === client) {
        this.client = null;
        this.connected = false;
        this.schedule(0);
      }
    });
    client.on("notification", (n) => {
      if (!n.payload) return;
      try {
        this.emitter.emit(n.channel, JSON.parse(n.payload));
      } catch {
        this.log(`notifications: ignored a non-JSON payload on ${n.channel}`);
      }
    });
    try {
      await client.connect();
      for (const ch of this.channels) await client.query(`LISTEN "${ch.replace(/"/g, '""')}"`);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
      this.connected = true;
      if (attempt > 0) this.log("notifications: LISTEN connection restored");
      this.emitter.emit(RECONNECTED);
    } catch (err) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      if (attempt === 0) this.log(`notifications: cannot LISTEN (${(err as Error).message}); retrying`);
      this.schedule(attempt + 1);
    }
  }

  private schedule(attempt: number): void {
    if (this.stopped || this.retryTimer) return;
    const delay = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect(attempt + 1);
    }, delay);
  }

  /**
   * Calls `handler` with every payload on `channel` until the returned function is called. Register
   * before reading the state a notification would change, so nothing falls between the two.
   */
  subscribe<T>(channel: string, handler: (payload: T) => void): () => void {
    const h = (p: T) => handler(p);
    this.emitter.on(channel, h);
    return () => this.emitter.off(channel, h);
  }

  /** Called after every (re)connect: a subscriber re-reads what it may have missed while disconnected. */
  onReconnect(handler: () => void): () => void {
    this.emitter.on(RECONNECTED, handler);
    return () => this.emitter.off(RECONNECTED, handler);
  }

  /** An async iterator of the payloads on `channel`; `return()` (unsubscribe) detaches it. */
  listen<T>(channel: string, signal?: AbortSignal): AsyncIterableIterator<T> {
    const it = on(this.emitter, channel, signal ? { signal } : {});
    const mapped: AsyncIterableIterator<T> = {
      next: async () => {
        const r = await it.next();
        return r.done ? { done: true, value: undefined } : { done: false, value: (r.value as unknown[])[0] as T };
      },
      return: async () => {
        await it.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return mapped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
