import type { apiQueries } from "@studio/db";
import type { ApiData } from "../data.js";
import { badInput } from "../errors.js";
import type { Principal } from "../models.js";
import { requireOwner } from "./access.js";

/** How long one computation of the whole queue serves every Run.queuePosition read (a list of runs reads it once). */
const QUEUE_CACHE_MS = 1000;

export interface QueueEstimateView {
  position: number;
  estimatedStartAt: Date | null;
}

/**
 * The fair-share queue as users see it (docs/scheduling.md): positions of QUEUED runs and estimated
 * start times, and the team's own run concurrency (OWNER). The claim itself is the trainers' (db
 * workerQueries.pickFairRun); both follow the same order.
 */
export class SchedulingService {
  private cache: { at: number; value: Promise<{ positions: Map<string, apiQueries.QueueEstimate>; medianRunMs: number | null; trainers: number }> } | null = null;

  constructor(
    private readonly data: Pick<ApiData, "runQueuePositions" | "queueThroughput" | "getTeamRunConcurrency" | "setTeamRunConcurrency">,
    private readonly defaultTeamConcurrency: number,
  ) {}

  private queue() {
    const now = Date.now();
    if (!this.cache || now - this.cache.at > QUEUE_CACHE_MS) {
      const value = (async () => {
        const [positions, t] = await Promise.all([this.data.runQueuePositions(this.defaultTeamConcurrency), this.data.queueThroughput()]);
        return { positions, ...t };
      })();
      value.catch(() => {
        if (this.cache?.value === value) this.cache = null;
      });
      this.cache = { at: now, value };
    }
    return this.cache.value;
  }

  /**
   * Null unless the run is QUEUED. The estimate: the run starts after max(its wave, ⌈position ÷
   * trainers⌉) run durations (median of recent runs); null while nothing has finished to measure.
   */
  async estimate(run: { id: string; state: string }): Promise<QueueEstimateView | null> {
    if (run.state !== "QUEUED") return null;
    const q = await this.queue();
    const e = q.positions.get(run.id);
    if (!e) return null;
    const rounds = Math.max(e.wave, Math.ceil(e.position / Math.max(1, q.trainers)) - 1);
    const estimatedStartAt = q.medianRunMs === null ? null : new Date(Date.now() + rounds * q.medianRunMs);
    return { position: e.position, estimatedStartAt };
  }

  /** The team's limit for an OWNER of it (its own setting, else the default); null for other roles. */
  async runConcurrency(p: Principal, team: { id: string; role?: string | null }): Promise<number | null> {
    if (p.link || team.role !== "OWNER") return null;
    return (await this.data.getTeamRunConcurrency(team.id)) ?? this.defaultTeamConcurrency;
  }

  /** OWNER: sets the caller's team's limit (1–1000) or returns it to the default (null). */
  async setRunConcurrency(p: Principal, limit: number | null | undefined): Promise<void> {
    requireOwner(p, "change the team's run concurrency");
    if (limit != null && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw badInput("limit", "limit must be an integer from 1 to 1000, or null for the default");
    await this.data.setTeamRunConcurrency(p.teamId, limit ?? null);
  }
}
