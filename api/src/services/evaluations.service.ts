import { CHANNELS, type schema } from "@studio/db";
import { DomainError, badInput, notFound } from "../errors.js";
import type { CheckpointModel, CompareRowModel, EvaluationModel, Principal, RecommendationModel, RunModel } from "../models.js";
import type { Loaders } from "../loaders.js";
import type { ApiData } from "../data.js";
import type { LiveFailure, LiveHub } from "./live-hub.js";
import { buildEvaluationSpec } from "../evaluation/dreambooth-prompts.js";
import type { EvaluatorAvailability } from "./evaluation.engine.js";
import { isUuid } from "../lib/ids.js";
import { recommend, type ScoredCheckpoint } from "./recommendation.js";
import { METHOD_FACTS } from "@studio/protocol";
import { METHOD_TOKEN, type RunMethod } from "./run-config.js";
import type { RunsService } from "./runs.service.js";
import { requireWriter } from "./subjects.service.js";

type Protocol = EvaluationModel["protocol"];
const PROTOCOLS: Protocol[] = ["QUICK", "DIVERSE", "SIMPLE"];

export interface EvaluationSettings {
  pollMs: number;
  samplingSteps: number;
  clipTMargin: number;
  /** The scorer's view of the encoder folder, kept current by EvaluationScorer. */
  availability: () => EvaluatorAvailability;
}

/** The paper's Table 1 (SD 2.1 base), shown beside a team's own comparison. */
export const PAPER_TABLE_1 = [{ method: "Ours (paper)", diverseClipI: 0.8, diverseDino: 0.629, simpleClipI: 0.859, simpleDino: 0.718 }];

/** What an evaluation of a checkpoint generates (docs/evaluation-contract.md §4): fixed at creation. */
export function specFor(
  protocol: Protocol,
  run: { method: RunMethod; baseModel: string },
  subject: { classNoun: string; kind: "OBJECT" | "LIVE" },
  samplingSteps: number,
): schema.EvaluationSpec {
  return buildEvaluationSpec({
    protocol,
    subjectKind: subject.kind,
    token: METHOD_TOKEN[run.method],
    tokenIsNoun: METHOD_FACTS.methods[run.method].tokenRole === "NOUN",
    classNoun: subject.classNoun,
    baseModel: run.baseModel,
    steps: samplingSteps,
    guidanceScale: 7.5,
  });
}

export function imagesTotal(spec: schema.EvaluationSpec): number {
  return spec.prompts.reduce((n, p) => n + p.seeds.length, 0) + 2 * spec.drift.seeds.length;
}

/** What EvaluationsService reads and writes (service tests mock only this). */
export type EvaluationsData = Pick<ApiData, "activeEvaluation" | "insertEvaluations" | "getEvaluation">;

/** Checkpoint scoring: evaluateCheckpoint, reads, the recommended checkpoint and the comparison table. */
export class EvaluationsService {
  constructor(
    private readonly data: EvaluationsData,
    private readonly runs: RunsService,
    private readonly live: LiveHub,
    private readonly settings: EvaluationSettings,
  ) {}

  status(): EvaluatorAvailability {
    return this.settings.availability();
  }

  async evaluate(p: Principal, loaders: Loaders, checkpointId: string, protocol: Protocol): Promise<EvaluationModel> {
    requireWriter(p);
    if (!PROTOCOLS.includes(protocol)) throw badInput("protocol", `protocol must be one of ${PROTOCOLS.join(", ")}`);
    const checkpoint = await this.runs.checkpoint(p, checkpointId);
    if (!checkpoint) throw notFound("checkpoint");
    const status = this.settings.availability();
    if (!status.available) throw new DomainError("EVALUATOR_UNAVAILABLE", status.message);
    const existing = await this.data.activeEvaluation(p.teamId, checkpoint.id, protocol);
    if (existing) return existing;
    const run = (await loaders.run.load(checkpoint.runId))!;
    const subject = (await loaders.subject.load(run.subjectId))!;
    const spec = specFor(protocol, run, subject, this.settings.samplingSteps);
    const [row] = await this.data.insertEvaluations([
      {
        teamId: p.teamId,
        runId: run.id,
        checkpointId: checkpoint.id,
        protocol,
        automatic: false,
        requestedBy: p.userId,
        spec,
        imagesTotal: imagesTotal(spec),
      },
    ]);
    // a concurrent identical request may have won the insert race; answer with that one
    return row ?? (await this.data.activeEvaluation(p.teamId, checkpoint.id, protocol))!;
  }

  async get(p: Principal, id: string) {
    return isUuid(id) ? this.data.getEvaluation(p.teamId, id) : null;
  }

  /** The recommended checkpoint of a run (docs/evaluation-contract.md §6), or null until something is scored. */
  async recommendation(loaders: Loaders, run: RunModel): Promise<RecommendationModel | null> {
    const [evaluations, checkpoints] = await Promise.all([loaders.evaluationsByRun.load(run.id), loaders.checkpointsByRun.load(run.id)]);
    const byId = new Map(checkpoints.map((c) => [c.id, c]));
    const scored: ScoredCheckpoint[] = evaluations
      .filter((e) => byId.has(e.checkpointId))
      .map((e) => ({
        checkpointId: e.checkpointId,
        step: byId.get(e.checkpointId)!.step,
        stage: byId.get(e.checkpointId)!.stage,
        evaluation: {
          id: e.id,
          protocol: e.protocol,
          state: e.state,
          clipI: e.clipI,
          clipT: e.clipT,
          dino: e.dino,
          driftFlagged: e.drift?.flagged ?? false,
          finishedAt: e.finishedAt,
        },
      }));
    const r = recommend(scored, { clipTMargin: this.settings.clipTMargin });
    if (!r) return null;
    return {
      checkpoint: byId.get(r.checkpointId)!,
      evaluation: evaluations.find((e) => e.id === r.evaluationId)!,
      protocol: r.protocol,
      reason: r.reason,
    };
  }

  /** Rows of the paper's Table 1 for 2–4 of the team's runs, in the order given. */
  async compare(p: Principal, loaders: Loaders, runIds: readonly string[]): Promise<CompareRowModel[]> {
    if (runIds.length < 2 || runIds.length > 4) throw badInput("runIds", "compare 2 to 4 runs");
    if (new Set(runIds).size !== runIds.length) throw badInput("runIds", "a run appears twice");
    const runs = await Promise.all(runIds.map((id) => (isUuid(id) ? loaders.run.load(id) : Promise.resolve(null))));
    const rows: CompareRowModel[] = [];
    for (const run of runs) {
      if (!run) throw notFound("run");
      const recommended = await this.recommendation(loaders, run);
      const checkpoints = await loaders.checkpointsByRun.load(run.id);
      const checkpoint: CheckpointModel | null = recommended?.checkpoint ?? [...checkpoints].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0] ?? null;
      const evaluations = checkpoint ? (await loaders.evaluationsByCheckpoint.load(checkpoint.id)).filter((e) => e.state === "SUCCEEDED") : [];
      // newest first already: the first succeeded one per protocol
      const pick = (protocol: Protocol) => evaluations.find((e) => e.protocol === protocol) ?? null;
      rows.push({ run, checkpoint, diverse: pick("DIVERSE"), simple: pick("SIMPLE"), quick: pick("QUICK") });
    }
    void p;
    return rows;
  }

  /** The evaluation now, then after every change, ending after SUCCEEDED or FAILED. */
  async updates(p: Principal, id: string): Promise<AsyncIterableIterator<EvaluationModel | LiveFailure>> {
    if (!(await this.get(p, id))) throw notFound("evaluation");
    return this.live.follow({
      key: `evaluation:${id}`,
      channel: CHANNELS.evaluations,
      matches: (n) => n.evaluationId === id,
      read: () => this.data.getEvaluation(p.teamId, id),
      fingerprint: (e) => JSON.stringify([e.state, e.imagesDone, e.imagesScored, e.errorCode]),
      isFinal: (e) => e.state === "SUCCEEDED" || e.state === "FAILED",
    });
  }
}
