import { EventEmitter, on } from "node:events";
import { sql } from "drizzle-orm";
import pg from "pg";
import type { Executor } from "./client.tx.js";

/**
 * Every PostgreSQL NOTIFY channel of the product, with its payload. Payloads are small JSON objects:
 * a listener re-reads the rows they point at, so a lost or repeated notice changes nothing but
 * latency. The sender is always inside the transaction that made the change, so the notice is
 * delivered only when that transaction commits.
 */
export const CHANNELS = {
  /** run_events up to `seq` are committed. */
  runEvents: "studio_run_events",
  /** A trainer holding the run should stop its engine. */
  runControl: "studio_run_control",
  /** New work for trainers (they also poll). */
  work: "studio_work",
  /** A generation changed. */
  generations: "studio_generation",
  /** An evaluation changed (docs/evaluation-contract.md §5). */
  evaluations: "studio_evaluation",
  /** A credential, membership or share changed: open subscriptions re-check their access. */
  access: "studio_access",
  /** An export or import changed. */
  transfers: "studio_transfer",
  /** A worker (trainer) heartbeat. */
  worker: "studio_worker",
} as const;

export type ChannelName = (typeof CHANNELS)[keyof typeof CHANNELS];

/** The payload of each channel. */
export interface ChannelPayloads {
  studio_run_events: { runId: string; seq: number };
  studio_run_control: { runId: string; action: "cancel" };
  studio_work: { kind: "run" | "generation" | "evaluation" | "export" | "import"; id: string };
  studio_generation: { generationId: string; state?: string };
  studio_evaluation: { evaluationId: string; runId: string; state: string };
  studio_access: { teamId?: string | undefined; userId?: string; keyId?: string; shareId?: string };
  studio_transfer: { kind: "export" | "import"; id: string; state?: string };
  studio_worker: { workerId: string; at: string };
}

export type Payload<C extends ChannelName> = ChannelPayloads[C];

/** Sends a typed notice (delivered when the surrounding transaction commits). */
export async function notify<C extends ChannelName>(db: Executor, channel: C, payload: Payload<C>): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${JSON.stringify(payload)})`);
}

const RECONNECTED = Symbol("reconnected");

/**
 * The one LISTEN connection of a process (pooled connections cannot hold LISTEN), shared by every
 * subscriber in it: the API's live streams and access guard, the trainer's claim loops. When the
 * database goes away it is re-opened with backoff; subscribers stay attached meanwhile and are told
 * (`onReconnect`) so they re-read what they may have missed — notices sent while it was down are lost.
 */
export class PgListener {
  private readonly emitter = new EventEmitter();
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private connected = false;

  constructor(
    private readonly url: string,
    private readonly channels: readonly ChannelName[],
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
      let payload: unknown;
      try {
        payload = JSON.parse(n.payload);
      } catch {
        this.log(`listen: ignored a non-JSON payload on ${n.channel}`);
        return;
      }
      this.emitter.emit(n.channel, payload);
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
      if (attempt > 0) this.log("listen: connection restored");
      this.emitter.emit(RECONNECTED);
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

  /**
   * Calls `handler` with every payload on `channel` until the returned function is called. Register
   * before reading the state a notice would change, so nothing falls between the two.
   */
  subscribe<C extends ChannelName>(channel: C, handler: (payload: Partial<Payload<C>>) => void): () => void {
    const h = (p: Partial<Payload<C>>) => handler(p && typeof p === "object" ? p : {});
    this.emitter.on(channel, h);
    return () => this.emitter.off(channel, h);
  }

  /** Called after every (re)connect: a subscriber re-reads what it may have missed while disconnected. */
  onReconnect(handler: () => void): () => void {
    this.emitter.on(RECONNECTED, handler);
    return () => this.emitter.off(RECONNECTED, handler);
  }

  /** An async iterator of the payloads on `channel`; `return()` (unsubscribe) detaches it. */
  listen<C extends ChannelName>(channel: C, signal?: AbortSignal): AsyncIterableIterator<Payload<C>> {
    const it = on(this.emitter, channel, signal ? { signal } : {});
    const mapped: AsyncIterableIterator<Payload<C>> = {
      next: async () => {
        const r = await it.next();
        return r.done ? { done: true, value: undefined } : { done: false, value: (r.value as unknown[])[0] as Payload<C> };
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
    this.connected = false;
    if (c) await c.end().catch(() => undefined);
  }
}
