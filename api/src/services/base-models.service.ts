import type { BaseModelAvailability } from "@studio/db";
import type { ApiData } from "../data.js";
import { DomainError } from "../errors.js";
import { sizeRange } from "./generations.service.js";
import { BASE_MODELS } from "./run-config.js";

/** The command that puts a base model on a trainer's machine (docs/base-models.md). */
export const pullCommand = (modelId: string) => `./studio models pull ${modelId}`;

/**
 * Which base models live trainers have (each trainer records its engine's `models list` on its worker
 * row), and startRun's availability rule (docs/base-models.md):
 * a run is refused at once when at least one live trainer is registered, every live trainer has
 * reported its models, and none has this one. With no live trainer the run is accepted and waits in
 * the queue (as it always did: a trainer may be starting); a live trainer that has not reported (older
 * than this rule) may have any model.
 */
export class BaseModelsService {
  constructor(
    data: Pick<ApiData, "baseModelAvailability">,
    staleAfterMs: number,
    /** Which live trainers have which model; service tests pass their own. */
    private readonly availability: () => Promise<BaseModelAvailability> = () => data.baseModelAvailability(staleAfterMs),
  ) {}

  async list() {
    const a = await this.availability();
    return BASE_MODELS.map((m) => {
      const trainers = a.trainersByModel.get(m.id) ?? [];
      return { ...m, available: trainers.length > 0, trainers: trainers.length, pullCommand: pullCommand(m.id), generationSizes: { ...sizeRange(m.resolution), multipleOf: 8 } };
    });
  }

  /** Throws BASE_MODEL_UNAVAILABLE (field baseModel, extensions.fix: the command) per the rule above. */
  async requireAvailable(modelId: string): Promise<void> {
    const a = await this.availability();
    if (a.liveTrainers === 0 || a.unreportedTrainers > 0 || (a.trainersByModel.get(modelId)?.length ?? 0) > 0) return;
    const err = new DomainError(
      "BASE_MODEL_UNAVAILABLE",
      `no live trainer has the base model ${modelId} (${a.liveTrainers} live trainer${a.liveTrainers === 1 ? "" : "s"} checked); ` +
        `run \`${pullCommand(modelId)}\` on a trainer's machine (it is seen within a minute), or choose a model from baseModels with available: true`,
      "baseModel",
    );
    Object.assign(err.extensions, { fix: pullCommand(modelId), liveTrainers: a.liveTrainers });
    throw err;
  }
}
