import pg from "pg";

/**
 * A dedicated LISTEN connection for a trainer (pooled connections cannot hold LISTEN). NOTIFY is how
 * the api tells trainers about new work and cancel requests; when the database goes away the
 * connection is re-opened with backoff. Notices sent while it is down are lost, which is why the
 * trainer also polls and checks `cancel_requested_at` at each heartbeat.
 */
export class PgListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly channels: string[],
    private readonly onNotice: (channel: string, payload: Record<string, unknown>) => void,
    private readonly log: (msg: string) => void,
    /** Called after every (re)connect: notices may have been missed, so callers re-check their state. */
    private readonly onConnected: () => void = () => undefined,
  ) {}

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
        this.schedule(0);
      }
    });
    client.on("notification", (n) => {
      if (!n.payload) return;
      try {
        this.onNotice(n.channel, JSON.parse(n.payload) as Record<string, unknown>);
      } catch {
        this.log(`listen: ignored a non-JSON payload on ${n.channel}`);
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
      if (attempt > 0) this.log("listen: connection restored");
      this.onConnected();
    } catch (err) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      if (attempt === 0) this.log(`listen: cannot LISTEN (${(err as Error).message}); retrying`);
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

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
