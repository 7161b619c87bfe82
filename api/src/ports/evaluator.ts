import { Evaluator } from "../evaluation/evaluator.js";
import { evaluatorStatus, unavailableMessage } from "../evaluation/evaluator.status.js";
import type { EvaluatorAvailability, ScoringEngine } from "../services/evaluation.engine.js";

/**
 * The evaluator (api/src/evaluation: onnxruntime-node in a worker thread) as the scorer sees it: a
 * cheap availability check of the encoder folder, and an engine that scores off the event loop.
 */
export function evaluatorBackend(opts: { threads: number }) {
  return {
    async status(dir: string): Promise<EvaluatorAvailability> {
      const s = await evaluatorStatus(dir);
      return s.available
        ? {
            available: true,
            message: `scoring with ${s.manifest.clip.id} and ${s.manifest.dino.id}${s.manifest.tiny ? " (tiny random encoders: test scores only)" : ""}`,
            modelsDir: s.modelsDir,
            manifest: { ...s.manifest },
          }
        : { available: false, message: unavailableMessage(s.modelsDir, s.reason), modelsDir: s.modelsDir, manifest: null };
    },
    async open(dir: string): Promise<ScoringEngine> {
      const evaluator = await Evaluator.open(dir, { threads: opts.threads });
      return {
        score: (input) => evaluator.score(input),
        manifest: () => ({ ...evaluator.manifest }),
        close: () => evaluator.close(),
      };
    },
  };
}
