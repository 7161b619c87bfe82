/**
 * worker_threads entry of the evaluator: decoding, preprocessing and ONNX inference all happen here, so
 * the API's event loop keeps answering GraphQL and WebSocket traffic while a checkpoint is scored.
 * Protocol: one request → progress messages → one reply, matched by id (see evaluator.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { Encoders } from "./encoders.js";
import { decodeRgb, ImageDecodeError } from "./image.decode.js";
import { Preprocessor, type ImageEncoderKind } from "./preprocess.js";

export interface WorkerInit {
  modelsDir: string;
  threads: number;
  batchSize: number;
}

export type WorkerRequest =
  | { id: number; op: "embedImages"; kinds: ImageEncoderKind[]; images: Uint8Array[] }
  | { id: number; op: "embedTexts"; texts: string[] }
  /** Decode + preprocess only: the model input, for parity checks against the Python processors. */
  | { id: number; op: "pixels"; kind: ImageEncoderKind; images: Uint8Array[] };

export type WorkerMessage =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "progress"; id: number; done: number }
  | { type: "result"; id: number; embeddings: Partial<Record<ImageEncoderKind | "text" | "pixels", Float32Array[]>> }
  | { type: "error"; id: number; code: string; message: string };

const init = workerData as WorkerInit;
const port = parentPort!;

async function main(): Promise<void> {
  let models: { pre: Preprocessor; enc: Encoders };
  try {
    const [pre, enc] = await Promise.all([Preprocessor.load(init.modelsDir), Encoders.load(init.modelsDir, { threads: init.threads })]);
    models = { pre, enc };
  } catch (err) {
    port.postMessage({ type: "failed", message: (err as Error).message } satisfies WorkerMessage);
    return;
  }
  port.on("message", (req: WorkerRequest) => {
    // Requests are handled strictly one after another: the sessions already use the threads we were given.
    queue = queue.then(() => handle(models, req));
  });
  port.postMessage({ type: "ready" } satisfies WorkerMessage);
}

let queue: Promise<void> = Promise.resolve();

async function handle(models: { pre: Preprocessor; enc: Encoders }, req: WorkerRequest): Promise<void> {
  try {
    const embeddings =
      req.op === "embedImages"
        ? await embedImages(models, req)
        : req.op === "pixels"
          ? { pixels: await pixels(models.pre, req.kind, req.images) }
          : { text: await embedTexts(models, req.texts) };
    port.postMessage({ type: "result", id: req.id, embeddings } satisfies WorkerMessage);
  } catch (err) {
    const code = err instanceof ImageDecodeError ? err.code : "EVALUATION_FAILED";
    port.postMessage({ type: "error", id: req.id, code, message: (err as Error).message } satisfies WorkerMessage);
  }
}

/** Batches of `batchSize`: each image is decoded once and fed to every requested encoder. */
async function embedImages(
  { pre, enc }: { pre: Preprocessor; enc: Encoders },
  req: Extract<WorkerRequest, { op: "embedImages" }>,
): Promise<Partial<Record<ImageEncoderKind, Float32Array[]>>> {
  const out: Partial<Record<ImageEncoderKind, Float32Array[]>> = {};
  for (const kind of req.kinds) out[kind] = [];
  for (let start = 0; start < req.images.length; start += init.batchSize) {
    const chunk = req.images.slice(start, start + init.batchSize);
    const decoded = await Promise.all(chunk.map((bytes, i) => decodeRgb(bytes, `image #${start + i + 1}`)));
    for (const kind of req.kinds) out[kind]!.push(...(await enc.imageEmbeddings(kind, await pre.pixels(kind, decoded))));
    port.postMessage({ type: "progress", id: req.id, done: start + chunk.length } satisfies WorkerMessage);
  }
  return out;
}

async function pixels(pre: Preprocessor, kind: ImageEncoderKind, images: Uint8Array[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const [i, bytes] of images.entries()) out.push((await pre.pixels(kind, [await decodeRgb(bytes, `image #${i + 1}`)])).data);
  return out;
}

async function embedTexts({ pre, enc }: { pre: Preprocessor; enc: Encoders }, texts: string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += init.batchSize) {
    out.push(...(await enc.textEmbeddings(pre.tokens(texts.slice(start, start + init.batchSize)))));
  }
  return out;
}

void main();
