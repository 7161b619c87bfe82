/**
 * The three ONNX encoders of the evaluator folder (docs/evaluation-contract.md §1), run with
 * onnxruntime-node on the CPU. Outputs come back L2-normalised, one Float32Array per input, so every
 * metric downstream is a plain dot product.
 */
import { join } from "node:path";
import { availableParallelism } from "node:os";
import * as ort from "onnxruntime-node";
import type { PixelBatch, TokenBatch } from "./preprocess.js";

export interface EncoderOptions {
  /** intra-op threads per session; default half the cores (the API keeps the rest), at least 1. */
  threads?: number;
}

export function defaultThreads(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

/** The contract's tensor names: what `export-eval-models` writes. */
const IO = {
  clipVision: { file: "clip/vision.onnx", input: "pixel_values", output: "image_embeds" },
  clipText: { file: "clip/text.onnx", input: "input_ids", output: "text_embeds" },
  dinoVision: { file: "dino/vision.onnx", input: "pixel_values", output: "image_embeds" },
} as const;
type EncoderName = keyof typeof IO;

export class Encoders {
  private constructor(private readonly sessions: Record<EncoderName, ort.InferenceSession>) {}

  static async load(modelsDir: string, opts: EncoderOptions = {}): Promise<Encoders> {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: ["cpu"],
      intraOpNumThreads: opts.threads ?? defaultThreads(),
      // Sessions run one at a time in the worker; inter-op parallelism would only oversubscribe.
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    };
    const names = Object.keys(IO) as EncoderName[];
    const sessions = await Promise.all(names.map((n) => ort.InferenceSession.create(join(modelsDir, IO[n].file), options)));
    return new Encoders(Object.fromEntries(names.map((n, i) => [n, sessions[i]!])) as Record<EncoderName, ort.InferenceSession>);
  }

  imageEmbeddings(kind: "clip" | "dino", batch: PixelBatch): Promise<Float32Array[]> {
    return this.run(kind === "clip" ? "clipVision" : "dinoVision", new ort.Tensor("float32", batch.data, batch.dims));
  }

  textEmbeddings(batch: TokenBatch): Promise<Float32Array[]> {
    return this.run("clipText", new ort.Tensor("int64", batch.data, batch.dims));
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }

  private async run(name: EncoderName, input: ort.Tensor): Promise<Float32Array[]> {
    const io = IO[name];
    const result = await this.sessions[name].run({ [io.input]: input });
    const out = result[io.output];
    if (!out || out.dims.length !== 2) throw new Error(`${io.file}: expected output ${io.output} [N, D]`);
    const [n, d] = out.dims as [number, number];
    const data = out.data as Float32Array;
    return Array.from({ length: n }, (_, i) => l2Normalise(data.subarray(i * d, (i + 1) * d)));
  }
}

/** Unit-length copy, norm accumulated in float64 (cosines of near-identical vectors need the digits). */
export function l2Normalise(v: Float32Array): Float32Array {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  const norm = Math.sqrt(sq);
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}
