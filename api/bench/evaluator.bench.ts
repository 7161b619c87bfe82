/**
 * Evaluator throughput on the CPU and how free the main thread stays while it scores.
 *
 *   cd api && pnpm run bench:evaluator                 # tiny encoders (~/.cache/rare-studio/eval-models/tiny-v1)
 *   EVAL_MODELS_DIR=/path/to/eval-models BENCH_IMAGES=32 EVAL_THREADS=2 pnpm run bench:evaluator
 *   STUDIO_DATASET_DIR=/path/to/dreambooth pnpm run bench:evaluator   # "generated" images from other subjects
 *
 * Scores N generated images (default 16, 512×512 PNG like the engine writes) against 5 real photos and
 * prints images/s for CLIP and DINO alone and end to end, plus the main thread's event-loop delay
 * (perf_hooks.monitorEventLoopDelay) during scoring: the worker thread should keep it in milliseconds.
 * The real photos are the repository's examples/backpack (examples/README.md). The "generated" ones are
 * the first photos of dog, cat, teapot and vase from the full DreamBooth dataset when STUDIO_DATASET_DIR
 * names its folder (the one holding backpack/, dog/, …); without it, mirrored crops of the example photos
 * (same sizes and formats, so throughput is comparable; the scores are not).
 * Bench scripts read their own environment (they are not the API process).
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { Evaluator } from "../src/evaluation/evaluator.js";

const modelsDir = process.env.EVAL_MODELS_DIR ?? join(homedir(), ".cache", "rare-studio", "eval-models", "tiny-v1");
const count = Number(process.env.BENCH_IMAGES ?? 16);
const threads = Number(process.env.EVAL_THREADS ?? 0);
const examples = fileURLToPath(new URL("../../examples/backpack/", import.meta.url));
const dataset = process.env.STUDIO_DATASET_DIR || null;

/** 5 real subject photos (JPEG) and N "generated" PNGs: other DreamBooth subjects, or mirrored example crops. */
async function inputs(): Promise<{ real: Uint8Array[]; generated: Uint8Array[] }> {
  const real = await Promise.all([0, 1, 2, 3, 4].map((i) => readFile(join(examples, `0${i}.jpg`))));
  const sources = dataset
    ? ["dog", "cat", "teapot", "vase"].flatMap((s) => [0, 1, 2, 3].map((i) => sharp(join(dataset, s, `0${i}.jpg`))))
    : [0, 1, 2, 3, 4].map((i) =>
        sharp(join(examples, `0${i}.jpg`))
          .flop()
          .extract({ left: 64, top: 64, width: 384, height: 384 }),
      );
  const generated = await Promise.all(Array.from({ length: count }, (_, i) => sources[i % sources.length]!.clone().resize(512, 512, { fit: "cover" }).png().toBuffer()));
  console.log(
    `photos: ${examples} (real); ${dataset ? `${dataset} dog, cat, teapot, vase` : "mirrored crops of the same (set STUDIO_DATASET_DIR for other subjects)"} (generated)`,
  );
  return { real: real.map((b) => new Uint8Array(b)), generated: generated.map((b) => new Uint8Array(b)) };
}

async function timed<T>(label: string, images: number, fn: () => Promise<T>): Promise<T> {
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const t0 = performance.now();
  const out = await fn();
  const seconds = (performance.now() - t0) / 1000;
  lag.disable();
  console.log(
    `${label.padEnd(28)} ${images} images in ${seconds.toFixed(2)} s = ${(images / seconds).toFixed(1)} images/s; ` +
      `event-loop delay max ${(lag.max / 1e6).toFixed(1)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms`,
  );
  return out;
}

async function main(): Promise<void> {
  const { real, generated } = await inputs();
  const evaluator = await Evaluator.open(modelsDir, threads > 0 ? { threads } : {});
  console.log(`encoders: ${modelsDir} (clip ${evaluator.manifest.clip.id}, dino ${evaluator.manifest.dino.id})`);
  try {
    await evaluator.embedImages("clip", real.slice(0, 1)); // warm-up: first run allocates
    await timed("CLIP image (decode+pre+ort)", generated.length, () => evaluator.embedImages("clip", generated));
    await timed("DINO image (decode+pre+ort)", generated.length, () => evaluator.embedImages("dino", generated));
    const result = await timed("end to end score()", real.length + generated.length, () =>
      evaluator.score({
        real,
        generated: generated.map((bytes, i) => ({ bytes, promptIndex: i % 4, prompt: `a <rare> backpack #${i % 4}`, scoringPrompt: `a backpack #${i % 4}` })),
      }),
    );
    console.log(`scores: CLIP-I ${result.clipI.toFixed(4)}, CLIP-T ${result.clipT.toFixed(4)}, DINO ${result.dino.toFixed(4)}`);
  } finally {
    await evaluator.close();
  }
}

await main();
