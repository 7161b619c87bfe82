import { randomUUID } from "node:crypto";
import { CHANNELS, type apiQueries, type PgListener } from "@studio/db";
import type { ApiData } from "../data.js";
import type { StorageRepository } from "../ports/storage.js";
import type { EvaluatorAvailability, ScoringEngine } from "../services/evaluation.engine.js";
import { imagesTotal, specFor } from "../services/evaluations.service.js";

type Log = (level: "info" | "warn" | "error", msg: string) => void;

export interface ScorerSettings {
  modelsDir: string;
  autoQuick: boolean;
  backfillHours: number;
  samplingSteps: number;
  driftThreshold: number;
  leaseMs: number;
  pollMs: number;
}

/** Largest object the scorer reads (subject photos are ≤ 25 MiB; generated PNGs are far smaller). */
const MAX_IMAGE_BYTES = 30 * 1024 * 1024;
/** How often to look at the folder again while the evaluator is unavailable (someone may install it). */
const RECHECK_MS = 30_000;
const RUN_EVENT_WAKE_MS = 1000;

/** What the scorer reads and writes: the scoring lease calls serve every team; the reads are scoped to the evaluation's team. */
export type ScorerData = Pick<
  ApiData,
  "claimScoring" | "checkpointsWithoutAutomaticEvaluation" | "insertEvaluations" | "heartbeatScoring" | "finishScoring" | "getRun" | "imagesBySubjectIds"
>;

/**
 * The API side of evaluation (docs/evaluation-contract.md §5): creates the automatic QUICK evaluation
 * of each new checkpoint, and scores evaluations whose images are ready. Scoring itself runs in the
 * evaluator's worker thread, so requests keep flowing meanwhile. Several API processes may run this:
 * the scoring lease and the automatic-evaluation unique index keep them from doing anything twice.
 */
export class EvaluationScorer {
  private readonly owner = `api-${randomUUID().slice(0, 8)}`;
  private engine: ScoringEngine | null = null;
  private availability: EvaluatorAvailability;
  private lastCheck = 0;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private offs: (() => void)[] = [];
  private readonly since: Date;

  constructor(
    private readonly data: ScorerData,
    private readonly storage: StorageRepository,
    private readonly notifications: PgListener,
    private readonly settings: ScorerSettings,
    private readonly evaluator: {
      status: (dir: string) => Promise<EvaluatorAvailability>;
      open: (dir: string) => Promise<ScoringEngine>;
    },
    private readonly log: Log,
  ) {
    this.availability = { available: false, message: "the evaluator has not been checked yet", modelsDir: settings.modelsDir, manifest: null };
    this.since = new Date(Date.now() - settings.backfillHours * 3_600_000);
  }

  status(): EvaluatorAvailability {
    return this.availability;
  }

  /** Looks at the encoder folder once, so the first `evaluator` query already knows (cheap: no model load). */
  async init(): Promise<void> {
    const status = await this.evaluator.status(this.settings.modelsDir);
    this.availability = status.available ? { ...status, message: `loading: ${status.message}` } : status;
    if (!status.available) {
      this.log("warn", `evaluator unavailable: ${status.message}`);
      this.lastCheck = Date.now();
    }
  }

  start(): void {
    // A new checkpoint shows up as a run event; images ready for scoring as an evaluation notice. Run
    // events arrive about once a second per training run (losses), so they wake at most one pass per second.
    this.offs.push(this.notifications.subscribe(CHANNELS.runEvents, () => this.wakeSoon()));
    this.offs.push(
      this.notifications.subscribe(CHANNELS.evaluations, (n) => {
        if (n.state === "SCORING") this.wake();
      }),
    );
    this.offs.push(this.notifications.onReconnect(() => this.wake()));
    this.wake();
    this.timer = setInterval(() => this.wake(), this.settings.pollMs);
  }

  /** Wakes once within RUN_EVENT_WAKE_MS however many run events arrive meanwhile. */
  private wakeSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.wake();
    }, RUN_EVENT_WAKE_MS);
  }

  /** Runs one pass now, or right after the current one. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: Error) => this.log("warn", `evaluator: ${err.message}`))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pass(): Promise<void> {
    if (!(await this.ensureEngine())) return;
    if (this.settings.autoQuick) await this.createAutomatic();
    for (;;) {
      if (this.stopped) return;
      const e = await this.data.claimScoring(this.owner, this.settings.leaseMs);
      if (!e) return;
      await this.score(e);
    }
  }

  /** Opens the evaluator once the folder is usable; re-checks a missing folder every RECHECK_MS. */
  private async ensureEngine(): Promise<boolean> {
    if (this.engine) return true;
    if (Date.now() - this.lastCheck < RECHECK_MS && this.lastCheck > 0) return false;
    this.lastCheck = Date.now();
    const status = await this.evaluator.status(this.settings.modelsDir);
    if (!status.available) {
      if (status.message !== this.availability.message) this.log("warn", `evaluator unavailable: ${status.message}`);
      this.availability = status;
      return false;
    }
    try {
      this.engine = await this.evaluator.open(this.settings.modelsDir);
      this.availability = { ...status, available: true };
      this.log("info", `evaluator ready (${this.settings.modelsDir})`);
      return true;
    } catch (err) {
      this.availability = { ...status, available: false, message: (err as Error).message };
      this.log("warn", `evaluator unavailable: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * Checkpoints made after this get an automatic QUICK evaluation from this process (null: none
   * will be queued now: automatic evaluations are off or the evaluator is unavailable). runEvents
   * waits for them before it completes (docs/live-events.md).
   */
  automaticSince(): Date | null {
    return this.settings.autoQuick && this.engine ? this.since : null;
  }

  /** One QUICK evaluation per checkpoint made since the API started (minus the backfill window). */
  private async createAutomatic(): Promise<void> {
    const missing = await this.data.checkpointsWithoutAutomaticEvaluation(this.since);
    if (missing.length === 0) return;
    const rows = missing.map((c) => {
      const spec = specFor("QUICK", c, c, this.settings.samplingSteps);
      return {
        teamId: c.teamId,
        runId: c.runId,
        checkpointId: c.checkpointId,
        protocol: "QUICK" as const,
        automatic: true,
        spec,
        imagesTotal: imagesTotal(spec),
      };
    });
    const created = await this.data.insertEvaluations(rows);
    if (created.length) this.log("info", `evaluator: queued ${created.length} automatic QUICK evaluation(s)`);
  }

  private async score(e: apiQueries.EvaluationRow): Promise<void> {
    const started = Date.now();
    let scored = 0;
    let leaseLost = false;
    const beat = async () => {
      const held = await this.data.heartbeatScoring(e.id, this.owner, this.settings.leaseMs, scored).catch(() => true);
      if (!held) leaseLost = true;
    };
    const timer = setInterval(() => void beat(), Math.max(500, Math.floor(this.settings.leaseMs / 3)));
    let lastReport = 0;
    try {
      const run = await this.data.getRun(e.teamId, e.runId);
      if (!run) throw Object.assign(new Error("the run no longer exists"), { code: "RUN_NOT_FOUND" });
      const photos = await this.data.imagesBySubjectIds(e.teamId, [run.subjectId]);
      if (photos.length === 0) throw Object.assign(new Error("the subject has no photos to compare with"), { code: "NO_SUBJECT_IMAGES" });
      const read = (key: string) => this.storage.get(key, MAX_IMAGE_BYTES);
      const real = await Promise.all(photos.map((p) => read(p.objectKey)));
      const prompts = new Map(e.spec.prompts.map((p) => [p.index, p]));
      const subjectImages = e.images.filter((i) => i.group === "SUBJECT");
      const generated = await Promise.all(
        subjectImages.map(async (i) => {
          const p = prompts.get(i.promptIndex)!;
          return { bytes: await read(i.objectKey), promptIndex: i.promptIndex, prompt: p.prompt, scoringPrompt: p.scoringPrompt };
        }),
      );
      const bySeed = (group: "CLASS" | "BASE_CLASS") => e.images.filter((i) => i.group === group).sort((a, b) => a.seed - b.seed);
      const [checkpointClass, baseClass] = [bySeed("CLASS"), bySeed("BASE_CLASS")];
      const drift =
        checkpointClass.length > 0 && checkpointClass.length === baseClass.length
          ? {
              checkpoint: await Promise.all(checkpointClass.map((i) => read(i.objectKey))),
              base: await Promise.all(baseClass.map((i) => read(i.objectKey))),
              prompt: e.spec.drift.prompt,
              threshold: this.settings.driftThreshold,
            }
          : undefined;
      const out = await this.engine!.score({
        real,
        generated,
        ...(drift ? { drift } : {}),
        onProgress: (n) => {
          scored = n;
          if (Date.now() - lastReport > 1000) {
            lastReport = Date.now();
            void beat();
          }
        },
      });
      if (leaseLost) return void this.log("warn", `evaluation ${e.id}: scoring lease lost; another API process finishes it`);
      const promptText = (i: number) => prompts.get(i)!;
      await this.data.finishScoring(e.id, this.owner, {
        state: "SUCCEEDED",
        clipI: out.clipI,
        clipT: out.clipT,
        dino: out.dino,
        perPrompt: out.perPrompt.map((p) => ({
          ...p,
          prompt: promptText(p.promptIndex).prompt,
          scoringPrompt: promptText(p.promptIndex).scoringPrompt,
        })),
        drift: out.drift ? { prompt: e.spec.drift.prompt, threshold: this.settings.driftThreshold, ...out.drift } : null,
        scoredWith: { encoders: this.engine!.manifest(), subjectImages: photos.map((p) => p.sha256) },
        imagesScored: e.images.length,
      });
      this.log(
        "info",
        `evaluation ${e.id} (${e.protocol}): CLIP-I ${out.clipI.toFixed(4)} CLIP-T ${out.clipT.toFixed(4)} DINO ${out.dino.toFixed(4)} in ${Date.now() - started} ms`,
      );
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const errorCode = typeof code === "string" && /^[A-Z_]+$/.test(code) ? code : "SCORING_FAILED";
      this.log("warn", `evaluation ${e.id}: scoring failed (${errorCode}: ${(err as Error).message})`);
      if (!leaseLost) await this.data.finishScoring(e.id, this.owner, { state: "FAILED", errorCode, errorMessage: (err as Error).message }).catch(() => undefined);
    } finally {
      clearInterval(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    for (const off of this.offs) off();
    await this.running?.catch(() => undefined);
    await this.engine?.close().catch(() => undefined);
  }
}
