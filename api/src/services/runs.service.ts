import { randomInt } from "node:crypto";
import { badInput, conflict, forbidden, notFound, RateLimitedError } from "../errors.js";
import type { RateLimiter } from "../limits/rate-limiter.js";
import type { Principal, RunEventModel, RunModel } from "../models.js";
import type { ApiData } from "../data.js";
import { connection, decodeCursor, isUuid, pageSize } from "../lib/ids.js";
import { buildRunConfig, type StartRunInput } from "./run-config.js";
import { accessOf } from "./access.js";
import type { BaseModelsService } from "./base-models.service.js";
import { requireWriter, type SubjectsService } from "./subjects.service.js";
import { whileAllowed, type LiveFailure, type LiveHub, type SocketLike } from "./live-hub.js";

type RunState = RunModel["state"];
const RUN_STATES: RunState[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED"];
/** How often an open runEvents stream on another team's (shared) run re-checks that it is still shared. */
const SHARED_RECHECK_MS = 5000;

/** What RunsService reads and writes (service tests mock only this). */
export type RunsData = Pick<
  ApiData,
  "createRun" | "createRunWithin" | "getRun" | "cancelQueuedRun" | "requestRunCancel" | "listRuns" | "readableRunsByIds" | "readableCheckpointsByIds"
>;

/** Runs: validated start (runs.config per docs/platform-contract.md), cancel, reads, the live event log. */
export class RunsService {
  constructor(
    private readonly data: RunsData,
    private readonly subjects: SubjectsService,
    private readonly live: LiveHub,
    /** Rate limits and budgets (docs/security-rate-limits.md); none when absent. */
    private readonly limits?: RateLimiter,
    /** Refuses a base model no live trainer has (docs/base-models.md); no check when absent. */
    private readonly baseModels?: BaseModelsService,
  ) {}

  async start(p: Principal, input: StartRunInput & { subjectId: string }) {
    requireWriter(p);
    const subject = await this.subjects.get(p, input.subjectId);
    if (!subject) throw notFound("subject");
    const built = buildRunConfig(input, subject.classNoun, () => randomInt(0, 2 ** 31));
    if ((await this.subjects.countImages(p, subject.id)) < 1) throw badInput("subjectId", "the subject has no images; add 4–6 photos (at least 1) before training");
    await this.baseModels?.requireAvailable(built.baseModel);
    const r = {
      teamId: p.teamId,
      subjectId: subject.id,
      createdBy: p.userId,
      method: built.method,
      baseModel: built.baseModel,
      config: built.config as unknown as Record<string, unknown>,
      totalSteps: built.totalSteps,
    };
    const cfg = this.limits?.cfg;
    if (!cfg) return this.data.createRun(r);
    const max = cfg.BUDGET_TEAM_UNFINISHED_RUNS;
    const made = await this.data.createRunWithin(r, max);
    if (made.row) return made.row;
    throw new RateLimitedError(
      `your team already has ${made.unfinished} queued or running training runs (at most ${max}); retry when one finishes or cancel one`,
      "team-unfinished-runs",
      cfg.BUDGET_RETRY_AFTER_MS,
      max,
    );
  }

  async cancel(p: Principal, id: string) {
    requireWriter(p);
    const run = isUuid(id) ? await this.data.getRun(p.teamId, id) : null;
    if (!run) {
      // a run shared with the team is visible, but only its own team may change it
      if (await this.get(p, id)) throw forbidden("this run was shared with your team read-only: you cannot cancel it");
      throw notFound("run");
    }
    if (run.state === "QUEUED") {
      const canceled = await this.data.cancelQueuedRun(p.teamId, id);
      if (canceled) return canceled;
    } else if (run.state === "RUNNING") {
      const flagged = await this.data.requestRunCancel(p.teamId, id);
      if (flagged) return flagged;
    }
    // it changed meanwhile (or was final already): answer with what it is now
    const now = (await this.data.getRun(p.teamId, id))!;
    if (now.state === "CANCELED" || now.state === "RUNNING" || now.state === "QUEUED") return now;
    throw conflict(`the run already ${now.state === "SUCCEEDED" ? "succeeded" : "failed"}`);
  }

  /** A readable run: the team's own, one shared with the team, or a share link's run. */
  async get(p: Principal, id: string) {
    return isUuid(id) ? ((await this.data.readableRunsByIds(accessOf(p), [id]))[0] ?? null) : null;
  }

  async require(p: Principal, id: string) {
    const run = await this.get(p, id);
    if (!run) throw notFound("run");
    return run;
  }

  async list(p: Principal, a: { first?: number | null; after?: string | null; subjectId?: string | null; state?: RunState | null }) {
    const n = pageSize(a.first);
    if (a.state && !RUN_STATES.includes(a.state)) throw badInput("state", "unknown state");
    // an id that cannot exist (or another team's) simply matches nothing
    const subjectId = a.subjectId ? (isUuid(a.subjectId) ? a.subjectId : "00000000-0000-0000-0000-000000000000") : null;
    const rows = await this.data.listRuns(p.teamId, { limit: n + 1, after: decodeCursor(a.after), subjectId, state: a.state ?? null });
    return connection(rows, n);
  }

  async checkpoint(p: Principal, id: string) {
    return isUuid(id) ? ((await this.data.readableCheckpointsByIds(accessOf(p), [id]))[0] ?? null) : null;
  }

  /**
   * Replays every stored event after `afterSeq`, then streams new ones, through the live hub (one
   * read per committed batch for all subscribers of the run). Completes once the run's story ended
   * (docs/live-events.md). A run shared by another team can stop being readable while this is
   * open: it is re-checked on every access notice (revokeShare sends one) and every SHARED_RECHECK_MS.
   */
  async events(
    p: Principal,
    runId: string,
    afterSeq: number,
    io: { socket?: () => SocketLike | undefined; batched?: boolean } = {},
  ): Promise<AsyncIterableIterator<RunEventModel | RunEventModel[] | LiveFailure>> {
    if (!Number.isInteger(afterSeq) || afterSeq < 0) throw badInput("afterSeq", "afterSeq must be an integer ≥ 0");
    const run = await this.require(p, runId);
    // runEventBatches: one item per committed batch (live-hub.ts), runEvents: one per event
    const stream: AsyncIterableIterator<RunEventModel | RunEventModel[] | LiveFailure> = io.batched
      ? this.live.runEventBatches(runId, afterSeq, io)
      : this.live.runEvents(runId, afterSeq, io);
    if (run.teamId === p.teamId) return stream;
    return whileAllowed(stream, this.live.listener, SHARED_RECHECK_MS, async () => ((await this.get(p, runId)) ? null : forbidden("this run is no longer shared with your team")));
  }
}
