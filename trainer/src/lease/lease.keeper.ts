import { workerQueries } from "@studio/db";
import type { TrainerConfig } from "../config.js";
import type { EngineProcess } from "../engine/engine.process.js";
import type { Log } from "../trainer.service.js";

export type Holder = workerQueries.Holder;

export interface LeaseKeeperOptions<T> {
  /** What is leased, for log lines ("run 123"). */
  name: string;
  leaseMs: number;
  /** Extends the lease in the database; null when this attempt no longer holds it. */
  beat: () => Promise<T | null>;
  /** Every successful beat (e.g. a cancel request read with it). */
  onBeat?: (r: T) => void;
  /**
   * Called once when the lease is gone — taken over, ended, or its deadline passed without a
   * successful heartbeat. The caller stops the engine at once and writes nothing more.
   */
  onLost: (why: "LOST" | "DEADLINE") => void;
  onError?: (err: Error) => void;
}

/**
 * The trainer side of a lease (one for every job kind): beats every third of the lease and keeps a
 * local deadline — the send time of the last successful beat plus the lease, less a margin. When that
 * deadline passes without a successful beat (database or network cut off), the lease counts as lost
 * here before it can expire in the database, so the engine is stopped before any successor's claim
 * could start (docs/scheduling.md "Fencing").
 */
export class LeaseKeeper<T> {
  private timer: NodeJS.Timeout | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private lostWhy: "LOST" | "DEADLINE" | null = null;
  private stopped = false;
  private inFlight = false;
  /** Local time (ms) after which this trainer must assume it no longer holds the lease. */
  deadline: number;

  constructor(
    private readonly o: LeaseKeeperOptions<T>,
    claimedAt = Date.now(),
  ) {
    this.deadline = claimedAt + o.leaseMs - LeaseKeeper.margin(o.leaseMs);
  }

  /** How long before the database's expiry the engine must be gone: a fifth of the lease, at most 5 s. */
  static margin(leaseMs: number): number {
    return Math.min(5000, Math.floor(leaseMs / 5));
  }

  get lost(): boolean {
    return this.lostWhy !== null;
  }

  start(): this {
    this.armDeadline();
    this.timer = setInterval(() => void this.beatNow(), Math.max(300, Math.floor(this.o.leaseMs / 3)));
    return this;
  }

  /** One heartbeat now (also used right after the claim). */
  async beatNow(): Promise<void> {
    if (this.stopped || this.lost || this.inFlight) return;
    this.inFlight = true;
    const sentAt = Date.now();
    try {
      const r = await this.o.beat();
      if (this.stopped || this.lost) return;
      if (r === null) return this.lose("LOST");
      this.deadline = sentAt + this.o.leaseMs - LeaseKeeper.margin(this.o.leaseMs);
      this.armDeadline();
      this.o.onBeat?.(r);
    } catch (err) {
      this.o.onError?.(err as Error);
    } finally {
      this.inFlight = false;
    }
  }

  /** Stops beating (the job ended or is being left for a successor). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
  }

  private armDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => {
        if (!this.stopped && !this.lost && Date.now() >= this.deadline) this.lose("DEADLINE");
        else if (!this.stopped && !this.lost) this.armDeadline();
      },
      Math.max(0, this.deadline - Date.now()),
    );
  }

  private lose(why: "LOST" | "DEADLINE"): void {
    if (this.lost) return;
    this.lostWhy = why;
    this.stop();
    this.o.onLost(why);
  }
}

/**
 * Holds the lease of one claimed job: heartbeats, and when the lease is lost or its local deadline
 * passes without a successful heartbeat, logs it and stops the job's own engine (`engine()`; null for
 * jobs on the shared `serve` engine, whose results are then simply not recorded). Past the deadline the
 * engine gets half the margin to exit before SIGKILL: a successor may claim once the margin is over.
 */
export function keepLease(
  config: Pick<TrainerConfig, "TRAINER_LEASE_MS" | "ENGINE_STOP_GRACE_MS">,
  name: string,
  beat: () => Promise<boolean>,
  engine: () => EngineProcess | null,
  log: Log,
): LeaseKeeper<true> {
  const margin = LeaseKeeper.margin(config.TRAINER_LEASE_MS);
  return new LeaseKeeper<true>({
    name,
    leaseMs: config.TRAINER_LEASE_MS,
    beat: async () => ((await beat()) ? true : null),
    onLost: (why) => {
      const e = engine();
      log("warn", `${name}: ${why === "DEADLINE" ? "lease deadline passed without a successful heartbeat" : "lease lost"}${e ? "; stopping the engine" : ""}`);
      e?.stop(why === "DEADLINE" ? Math.max(50, Math.floor(margin / 2)) : config.ENGINE_STOP_GRACE_MS);
    },
    onError: (err) => log("warn", `${name}: heartbeat failed (will retry): ${err.message}`),
  }).start();
}
