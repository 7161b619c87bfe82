import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { objectKeys, workerQueries, type Database, type schema } from "@studio/db";
import type { CacheLease } from "../cache/bounded-cache.js";
import type { TrainerConfig } from "../config.js";
import { GenerationError, type GenerationWorker } from "../generations/generation.worker.js";
import { keepLease } from "../lease/lease.keeper.js";
import type { StorageRepository } from "../repositories/storage.repository.js";
import type { Log } from "../trainer.service.js";

type Config = Pick<TrainerConfig, "TRAINER_ID" | "TRAINER_WORK_DIR" | "TRAINER_LEASE_MS" | "ENGINE_STOP_GRACE_MS">;
type ImageRecord = schema.EvaluationImageRecord;

/** At most this many images per `serve` request, so people's prompts never wait behind a long batch. */
const CHUNK = 8;

/** One `serve` request of an evaluation: a prompt (or the drift prompt) with consecutive seeds. */
interface Batch {
  group: ImageRecord["group"];
  promptIndex: number;
  prompt: string;
  /** Consecutive: `serve` gives image i the seed `seeds[0] + i`. */
  seeds: number[];
  withCheckpoint: boolean;
}

/**
 * The batches an evaluation needs (docs/evaluation-contract.md §4–5): every protocol prompt with its
 * fixed seeds through the checkpoint, then the drift prompt through the checkpoint and through the
 * base model alone. Images already recorded (a previous owner's work) are skipped.
 */
export function pendingBatches(spec: schema.EvaluationSpec, done: ImageRecord[]): Batch[] {
  const have = new Set(done.map((d) => `${d.group}/${d.promptIndex}/${d.seed}`));
  const out: Batch[] = [];
  const add = (group: ImageRecord["group"], promptIndex: number, prompt: string, seeds: number[], withCheckpoint: boolean) => {
    const missing = seeds.filter((s) => !have.has(`${group}/${promptIndex}/${s}`));
    // split into runs of consecutive seeds, at most CHUNK long
    let run: number[] = [];
    const flush = () => {
      if (run.length) out.push({ group, promptIndex, prompt, seeds: run, withCheckpoint });
      run = [];
    };
    for (const s of missing) {
      if (run.length && (s !== run[run.length - 1]! + 1 || run.length >= CHUNK)) flush();
      run.push(s);
    }
    flush();
  };
  for (const p of spec.prompts) add("SUBJECT", p.index, p.prompt, p.seeds, true);
  add("CLASS", -1, spec.drift.prompt, spec.drift.seeds, true);
  add("BASE_CLASS", -1, spec.drift.prompt, spec.drift.seeds, false);
  return out;
}

/**
 * Generates an evaluation's images on the trainer's `serve` engine, uploads them and hands the
 * evaluation to the API's evaluator (state SCORING). Progress is recorded after every batch, so a
 * trainer that dies loses at most one batch: the next owner continues from the recorded images.
 */
export class EvaluationGenerator {
  constructor(
    private readonly db: Database,
    private readonly storage: StorageRepository,
    private readonly generations: GenerationWorker,
    private readonly config: Config,
    private readonly log: Log,
  ) {}

  /** Claims and generates one evaluation; false when none is waiting. */
  async processNext(): Promise<boolean> {
    const e = await workerQueries.claimEvaluation(this.db, this.config.TRAINER_ID, this.config.TRAINER_LEASE_MS);
    if (!e) return false;
    await this.execute(e);
    return true;
  }

  private async execute(e: workerQueries.ClaimedEvaluation): Promise<void> {
    const owner = { owner: this.config.TRAINER_ID, attempt: e.attempt };
    const lease = keepLease(
      this.config,
      `evaluation ${e.id}`,
      () => workerQueries.heartbeatEvaluation(this.db, e.id, owner, this.config.TRAINER_LEASE_MS),
      () => null,
      this.log,
    );
    const outputDir = join(this.config.TRAINER_WORK_DIR, "evaluations", e.id);
    let cached: CacheLease | null = null; // pinned in the checkpoint cache while the evaluation runs
    try {
      const inputs = await workerQueries.generationInputs(this.db, e.checkpointId);
      if (!inputs) throw new GenerationError("CHECKPOINT_NOT_FOUND", `checkpoint ${e.checkpointId} does not exist`);
      cached = await this.generations.cachedCheckpoint(inputs.checkpointId, inputs.files);
      const checkpoint = cached.dir;
      const batches = pendingBatches(e.spec, e.images);
      this.log("info", `evaluation ${e.id} (${e.protocol}): ${batches.reduce((n, b) => n + b.seeds.length, 0)} images to generate`);
      for (const [i, b] of batches.entries()) {
        if (lease.lost) return void this.log("warn", `evaluation ${e.id}: lease lost; leaving it to its new owner`);
        const dir = join(outputDir, String(i));
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
        const images = await this.generations.request({
          id: `${e.id}:${i}:${e.attempt}`,
          baseModel: e.spec.baseModel,
          ...(b.withCheckpoint ? { checkpoint } : {}),
          prompt: b.prompt,
          seed: b.seeds[0]!,
          steps: e.spec.steps,
          guidanceScale: e.spec.guidanceScale,
          count: b.seeds.length,
          outputDir: dir,
        });
        const stored: ImageRecord[] = [];
        for (const img of images.sort((x, y) => x.index - y.index)) {
          const key = objectKeys.evaluationImage({ teamId: e.teamId, evaluationId: e.id, group: b.group, promptIndex: b.promptIndex, seed: img.seed });
          await this.storage.upload(img.path, key, "image/png");
          stored.push({ group: b.group, promptIndex: b.promptIndex, seed: img.seed, objectKey: key });
        }
        await workerQueries.addEvaluationImages(this.db, e.id, owner, stored);
        await rm(dir, { recursive: true, force: true });
      }
      await workerQueries.evaluationGenerated(this.db, e.id, owner);
      this.log("info", `evaluation ${e.id}: images ready for scoring`);
    } catch (err) {
      if (err instanceof workerQueries.LeaseLostError || lease.lost) {
        this.log("warn", `evaluation ${e.id}: lease lost; leaving it to its new owner`);
        return;
      }
      const code = (err as { code?: unknown }).code;
      const errorCode = typeof code === "string" ? code : "EVALUATION_GENERATION_FAILED";
      // The trainer stopping (engine killed) is not the evaluation's fault: the lease lets another trainer finish it.
      if (errorCode === "ENGINE_CRASHED" || errorCode === "ENGINE_UNAVAILABLE") {
        this.log("warn", `evaluation ${e.id}: ${(err as Error).message}; it will be retried`);
        return;
      }
      await workerQueries
        .failEvaluationGeneration(this.db, e.id, owner, errorCode, (err as Error).message)
        .catch((inner: Error) => this.log("warn", `evaluation ${e.id}: cannot record the failure: ${inner.message}`));
      this.log("warn", `evaluation ${e.id}: FAILED (${errorCode}: ${(err as Error).message})`);
    } finally {
      lease.stop();
      await cached?.release();
      await rm(outputDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
