import { CHANNELS, type PgListener } from "@studio/db";
import type { ApiData } from "../data.js";
import type { StorageRepository } from "../ports/storage.js";
import { API_VERSION } from "../version.js";

export type ServiceStatus = "OK" | "DOWN" | "UNKNOWN";

export interface ServiceHealth {
  name: string;
  status: ServiceStatus;
  latencyMs: number | null;
  message: string;
  details: unknown;
}

export interface HealthReport {
  status: ServiceStatus;
  checkedAt: Date;
  postgres: ServiceHealth;
  storage: ServiceHealth;
  engine: ServiceHealth;
  version: string;
}

export interface WorkerHeartbeat {
  workerId: string;
  at: string;
}

const CHECK_TIMEOUT_MS = 3000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]);
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { errors?: unknown[]; cause?: unknown };
  // drizzle wraps driver errors as "Failed query: ..." with the real reason as `cause`
  if (e?.cause && String(e.message).startsWith("Failed query")) return describeError(e.cause);
  // pg reports ECONNREFUSED as an AggregateError with an empty message
  if (!e?.message && e?.errors?.length) return describeError(e.errors[0]);
  return e?.code && !String(e.message).includes(e.code) ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

/** Checks every dependency concurrently; never throws, so a broken dependency cannot break `health`. */
export class HealthService {
  constructor(
    /** A round trip to PostgreSQL (its version; throws when unreachable) and the live trainers. */
    private readonly data: Pick<ApiData, "serverVersion" | "liveWorkers">,
    private readonly storage: StorageRepository,
    private readonly notifications: PgListener,
    private readonly workerStaleAfterMs: number,
    /** One report serves every caller for this long (1 000 aliases or requests cost one check). */
    private readonly cacheMs = 0,
    /** The live hub's counters (and the process's SQL statement count with API_COUNT_SQL), shown in postgres.details.live. */
    private readonly liveStats: () => Record<string, unknown> = () => ({}),
  ) {}

  private last: { at: number; report: HealthReport } | null = null;
  private inFlight: Promise<HealthReport> | null = null;

  /** The health report: concurrent callers share one check, and a finished one serves everyone for `cacheMs`. */
  report(): Promise<HealthReport> {
    if (this.inFlight) return this.inFlight;
    if (this.last && performance.now() - this.last.at < this.cacheMs) return Promise.resolve(this.last.report);
    const p = this.check()
      .then((r) => {
        this.last = { at: performance.now(), report: r };
        return r;
      })
      .finally(() => {
        if (this.inFlight === p) this.inFlight = null;
      });
    this.inFlight = p;
    return p;
  }

  private async check(): Promise<HealthReport> {
    const [postgres, storage] = await Promise.all([this.checkPostgres(), this.checkStorage()]);
    const engine = postgres.status === "OK" ? await this.checkEngine() : this.engineUnknown();
    const all = [postgres, storage, engine];
    const status: ServiceStatus = all.every((s) => s.status === "OK") ? "OK" : "DOWN";
    return { status, checkedAt: new Date(), postgres, storage, engine, version: API_VERSION };
  }

  heartbeats(signal?: AbortSignal): AsyncIterableIterator<WorkerHeartbeat> {
    return this.notifications.listen(CHANNELS.worker, signal) as AsyncIterableIterator<WorkerHeartbeat>;
  }

  private async timed(name: string, check: () => Promise<{ message: string; details?: unknown }>): Promise<ServiceHealth> {
    const t0 = performance.now();
    try {
      const r = await withTimeout(check(), CHECK_TIMEOUT_MS, name);
      return { name, status: "OK", latencyMs: performance.now() - t0, message: r.message, details: r.details ?? null };
    } catch (err) {
      return { name, status: "DOWN", latencyMs: performance.now() - t0, message: describeError(err), details: null };
    }
  }

  private checkPostgres(): Promise<ServiceHealth> {
    return this.timed("postgres", async () => {
      const version = await this.data.serverVersion();
      return {
        message: `PostgreSQL ${version}`,
        details: { version, listening: this.notifications.isConnected, live: this.liveStats() },
      };
    });
  }

  private checkStorage(): Promise<ServiceHealth> {
    return this.timed("storage", async () => {
      if (!(await this.storage.bucketExists())) throw new Error(`bucket "${this.storage.bucket}" does not exist`);
      return { message: `bucket "${this.storage.bucket}" reachable`, details: { bucket: this.storage.bucket } };
    });
  }

  private checkEngine(): Promise<ServiceHealth> {
    return this.timed("engine", async () => {
      const workers = await this.data.liveWorkers(this.workerStaleAfterMs);
      if (workers.length === 0) throw new Error(`no trainer has reported an engine in the last ${Math.round(this.workerStaleAfterMs / 1000)} s`);
      const first = workers[0]!.engine as { engineVersion?: string; torch?: string; device?: { type?: string; name?: string } };
      const device = first.device?.name ?? first.device?.type ?? "unknown device";
      return {
        message: `${workers.length} trainer${workers.length > 1 ? "s" : ""}; engine ${first.engineVersion}, torch ${first.torch}, ${device}`,
        details: workers.map((w) => ({ id: w.id, hostname: w.hostname, heartbeatAt: w.heartbeatAt, engine: w.engine })),
      };
    });
  }

  private engineUnknown(): ServiceHealth {
    return { name: "engine", status: "UNKNOWN", latencyMs: null, message: "unknown while PostgreSQL is down", details: null };
  }
}
