import { randomInt } from "node:crypto";
import { CHANNELS } from "@studio/db";
import { badInput, notFound, RateLimitedError } from "../errors.js";
import type { RateLimiter } from "../limits/rate-limiter.js";
import type { GenerationModel, Principal } from "../models.js";
import type { ApiData } from "../data.js";
import type { LiveFailure, LiveHub } from "./live-hub.js";
import type { RunsService } from "./runs.service.js";
import { isUuid } from "../lib/ids.js";
import { BASE_MODELS } from "./run-config.js";

export interface GenerateInput {
  checkpointId: string;
  prompt: string;
  negativePrompt?: string | null;
  seed?: number | null;
  steps?: number | null;
  guidanceScale?: number | null;
  count?: number | null;
  width?: number | null;
  height?: number | null;
  scheduler?: GenerationScheduler | null;
}

export type GenerationScheduler = "DDIM" | "DPM_SOLVER" | "EULER_ANCESTRAL";

/**
 * The sizes a base model generates well (`sizeRange`): multiples of 8 from half its resolution to twice it
 * (at most 1024). A share link's anonymous callers spend the owner team's compute: no more pixels than the
 * native size.
 */
export function sizeRange(resolution: number): { min: number; max: number } {
  return { min: Math.max(64, Math.ceil(resolution / 2 / 8) * 8), max: Math.min(1024, resolution * 2) };
}

function checkSize(field: "width" | "height", v: number, range: { min: number; max: number }): number {
  if (!Number.isInteger(v) || v < range.min || v > range.max || v % 8 !== 0)
    throw badInput(field, `${field} must be a multiple of 8 from ${range.min} to ${range.max} for this checkpoint's base model`);
  return v;
}

function intIn(field: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw badInput(field, `${field} must be an integer from ${lo} to ${hi}`);
  return v;
}

/** What GenerationsService reads and writes. */
export type GenerationsData = Pick<ApiData, "createGeneration" | "createGenerationWithin" | "generationsOfCheckpoint" | "getGeneration" | "getGenerationViaShare">;

/** Prompts against a checkpoint; a trainer's engine serves them. */
export class GenerationsService {
  constructor(
    private readonly data: GenerationsData,
    private readonly runs: RunsService,
    private readonly live: LiveHub,
    /** Rate limits and budgets (docs/security-rate-limits.md); none when absent. */
    private readonly limits?: RateLimiter,
  ) {}

  /**
   * Every role may prompt (VIEWER included), from any checkpoint it can read: the team's own, one
   * shared with the team (the generation belongs to the requesting team), or a share link's (then
   * it is recorded under the owner team with createdBy null and share_id set).
   */
  async generate(p: Principal, input: GenerateInput) {
    const checkpoint = await this.runs.checkpoint(p, input.checkpointId);
    if (!checkpoint) throw notFound("checkpoint");
    if (input.prompt.trim().length < 1 || input.prompt.length > 2000) throw badInput("prompt", "prompt must be 1–2000 characters");
    const neg = input.negativePrompt ?? null;
    if (neg !== null && neg.length > 2000) throw badInput("negativePrompt", "negativePrompt must be at most 2000 characters");
    const steps = intIn("steps", input.steps ?? 30, 1, 200);
    const count = intIn("count", input.count ?? 1, 1, 16);
    const seed = intIn("seed", input.seed ?? randomInt(0, 2 ** 31), 0, 4294967295);
    const guidanceScale = input.guidanceScale ?? 7.5;
    if (!Number.isFinite(guidanceScale) || guidanceScale < 0 || guidanceScale > 50) throw badInput("guidanceScale", "guidanceScale must be a number from 0 to 50");
    const cfg = this.limits?.cfg;
    if (p.link && cfg) {
      // an anonymous link caller spends the owner team's compute: smaller generations only
      if (count > cfg.BUDGET_LINK_MAX_IMAGES) throw badInput("count", `a share link may ask for at most ${cfg.BUDGET_LINK_MAX_IMAGES} images per generation`);
      if (steps > cfg.BUDGET_LINK_MAX_STEPS) throw badInput("steps", `a share link may ask for at most ${cfg.BUDGET_LINK_MAX_STEPS} steps per generation`);
    }
    let width: number | null = null;
    let height: number | null = null;
    if (input.width != null || input.height != null) {
      const run = await this.runs.get(p, checkpoint.runId);
      const resolution = BASE_MODELS.find((m) => m.id === run?.baseModel)?.resolution ?? 512;
      const range = sizeRange(resolution);
      width = checkSize("width", input.width ?? resolution, range);
      height = checkSize("height", input.height ?? resolution, range);
      if (p.link && width * height > resolution * resolution)
        throw badInput("width", `a share link may ask for at most ${resolution}×${resolution} pixels (the base model's resolution)`);
    }
    const giveBack = p.link && this.limits ? await this.limits.takeLinkGeneration(p.link.shareId) : null;
    const g = {
      teamId: p.link ? p.link.ownerTeamId : p.teamId,
      checkpointId: checkpoint.id,
      createdBy: p.link ? null : p.userId,
      shareId: p.link?.shareId ?? null,
      prompt: input.prompt,
      negativePrompt: neg,
      seed,
      steps,
      guidanceScale,
      count,
      width,
      height,
      scheduler: input.scheduler ?? "DDIM",
    };
    if (!cfg) return this.data.createGeneration(g);
    const max = cfg.BUDGET_TEAM_UNFINISHED_GENERATIONS;
    const made = await this.data.createGenerationWithin(g, max);
    if (made.row) return made.row;
    await giveBack?.();
    throw new RateLimitedError(
      `${p.link ? "the owner team" : "your team"} already has ${made.unfinished} unfinished generations (at most ${max}); retry when some finish`,
      "team-unfinished-generations",
      cfg.BUDGET_RETRY_AFTER_MS,
      max,
    );
  }

  /** The team's history for one checkpoint, newest first (the checkpoint itself was authorized by the caller). */
  history(p: Principal, checkpointId: string, first: number) {
    if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput("first", "first must be an integer from 1 to 100");
    return this.data.generationsOfCheckpoint(p.teamId, checkpointId, first);
  }

  /** The team's generation; with a share link, only the ones made through that link. */
  async get(p: Principal, id: string) {
    if (!isUuid(id)) return null;
    return p.link ? this.data.getGenerationViaShare(p.link.shareId, id) : this.data.getGeneration(p.teamId, id);
  }

  /** The generation now, then each time it changes, ending after SUCCEEDED or FAILED. */
  async updates(p: Principal, id: string): Promise<AsyncIterableIterator<GenerationModel | LiveFailure>> {
    if (!(await this.get(p, id))) throw notFound("generation");
    return this.live.follow({
      key: `generation:${id}`,
      channel: CHANNELS.generations,
      matches: (n) => n.generationId === id,
      read: () => this.get(p, id),
      fingerprint: (g) => JSON.stringify([g.state, g.stepsDone, g.images, g.errorCode, g.errorMessage]),
      isFinal: (g) => g.state === "SUCCEEDED" || g.state === "FAILED",
    });
  }
}
