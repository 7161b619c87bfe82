/**
 * The TypeScript evaluator (api/src/evaluation) against the engine's Python reference
 * (`studio_engine eval-reference`, Pillow + Hugging Face processors + PyTorch) on the tiny encoders.
 * Needs the engine's virtualenv; no PostgreSQL or MinIO.
 *
 *   cd /work/main && pnpm exec vitest run --project integration test/integration/evaluator-parity.test.ts
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "@studio/infra/paths";
import { Encoders } from "../../api/src/evaluation/encoders.js";
import { Evaluator } from "../../api/src/evaluation/evaluator.js";
import { decodeRgb, type RgbImage } from "../../api/src/evaluation/image.decode.js";
import { scoreDrift, scoreGenerated, cosine } from "../../api/src/evaluation/metrics.js";
import { engineDecodedRgb, ensureTinyEvalModels, evalReference, type ReferenceResponse } from "../support/eval-models.js";

const PHOTO = join(repoRoot, "examples", "backpack", "00.jpg");
const PHOTO_2 = join(repoRoot, "examples", "backpack", "01.jpg");

/**
 * Tolerances, from measurements on these inputs. The resize is Pillow's own arithmetic
 * (api/src/evaluation/pillow.resample.ts), so same decoded pixels give the same uint8 image and the
 * tensors differ only by float32 rounding of rescale/normalise (measured ≤ 5e-7).
 * The colour-managed CMYK file decodes up to 1 level apart (lcms via libvips vs ImageCms, test above);
 * after a bicubic resize that is ≤ 2 levels (1 level ≈ 0.015 CLIP / 0.0175 DINO in normalised units):
 * measured max 0.030 (CLIP) / 0.0175 (DINO), mean ≤ 1e-4.
 */
const PIXEL_MAX_ABS = 1e-5;
const PIXEL_MEAN_ABS = 1e-6;
const PIXEL_MAX_ABS_INEXACT_DECODE = { clip: 0.031, dino: 0.036 }; // 2 levels
const PIXEL_MEAN_ABS_INEXACT_DECODE = 5e-4;
const EMBEDDING_ONE_MINUS_COS = 1e-4; // onnxruntime-node vs PyTorch on identical inputs
const METRIC_ABS = 1e-5; // TS vs Python formulas on identical embeddings

interface Fixture {
  name: string;
  path: string;
  /** false where libvips and Pillow legitimately round differently (colour management). */
  exactDecode: boolean;
}

/** The inputs of acceptance point (a), all made from one DreamBooth photo, cropped to 512×360 so the
 * shortest-edge resize and centre crop of CLIP are exercised. */
async function makeFixtures(dir: string): Promise<Fixture[]> {
  const crop = () => sharp(PHOTO).extract({ left: 0, top: 64, width: 512, height: 360 });
  const { data, info } = await crop().raw().toBuffer({ resolveWithObject: true });
  // A soft cut-out: alpha falls off radially, with fully transparent corners and an opaque centre.
  const rgba = Buffer.alloc(info.width * info.height * 4);
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const i = y * info.width + x;
      const r = Math.hypot((x - info.width / 2) / (info.width / 2), (y - info.height / 2) / (info.height / 2));
      data.copy(rgba, i * 4, i * 3, i * 3 + 3);
      rgba[i * 4 + 3] = Math.max(0, Math.min(255, Math.round(255 * (1.3 - r) * 2)));
    }
  }
  const out = (name: string) => join(dir, name);
  await crop().jpeg({ quality: 90 }).toFile(out("baseline.jpg"));
  await sharp(rgba, { raw: { width: info.width, height: info.height, channels: 4 } })
    .png()
    .toFile(out("alpha.png"));
  await crop().toColourspace("cmyk").jpeg({ quality: 90 }).toFile(out("cmyk.jpg")); // Adobe-inverted, no profile
  await crop().withIccProfile("cmyk").jpeg({ quality: 90 }).toFile(out("cmyk-icc.jpg"));
  await crop().jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toFile(out("exif-rot6.jpg"));
  await crop().withIccProfile("p3").jpeg({ quality: 90 }).toFile(out("display-p3.jpg")); // RGB profile: ignored by both
  await sharp(PHOTO_2).png().toFile(out("generated.png")); // what the engine writes: 512×512 RGB PNG
  return [
    { name: "baseline.jpg", path: out("baseline.jpg"), exactDecode: true },
    { name: "alpha.png", path: out("alpha.png"), exactDecode: true },
    { name: "cmyk.jpg", path: out("cmyk.jpg"), exactDecode: true },
    { name: "cmyk-icc.jpg", path: out("cmyk-icc.jpg"), exactDecode: false },
    { name: "exif-rot6.jpg", path: out("exif-rot6.jpg"), exactDecode: true },
    { name: "display-p3.jpg", path: out("display-p3.jpg"), exactDecode: true },
    { name: "generated.png", path: out("generated.png"), exactDecode: true },
  ];
}

const TEXTS = ["a backpack in the jungle", "a red backpack", "a photo of backpack", "a cube shaped backpack with a tree and autumn leaves in the background ".repeat(4)];

function maxAndMeanAbs(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / a.length };
}

describe("evaluator parity with the Python reference (tiny encoders)", () => {
  let tmp: string;
  let modelsDir: string;
  let fixtures: Fixture[];
  let ref: ReferenceResponse;
  let enc: Encoders;
  // transformers.js runs only inside the evaluator's worker (plain Node + tsx): vitest's module runner
  // cannot resolve its onnxruntime-common import under pnpm's layout.
  let evaluator: Evaluator;
  let bytes: Uint8Array[];
  let decoded: RgbImage[];
  // Metric roles over the fixtures: the first three are the "real" photos, the rest "generated".
  const REAL = [0, 1, 2];
  const GENERATED = [3, 4, 5, 6].map((image, i) => ({ image, text: i % 2, promptIndex: i % 2 }));
  const DRIFT = { checkpoint: [3, 6], base: [0, 2] };

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "evaluator-parity-"));
    [modelsDir, fixtures] = await Promise.all([ensureTinyEvalModels(), makeFixtures(tmp)]);
    const paths = fixtures.map((f) => f.path);
    ref = await evalReference(modelsDir, {
      images: paths,
      texts: TEXTS,
      includePixels: true,
      metrics: {
        generated: GENERATED.map((g) => ({ path: paths[g.image]!, scoringPrompt: TEXTS[g.text]!, promptIndex: g.promptIndex })),
        real: REAL.map((i) => paths[i]!),
        drift: { checkpoint: DRIFT.checkpoint.map((i) => paths[i]!), base: DRIFT.base.map((i) => paths[i]!) },
      },
    });
    [evaluator, enc] = await Promise.all([Evaluator.open(modelsDir, { threads: 1 }), Encoders.load(modelsDir, { threads: 1 })]);
    bytes = await Promise.all(fixtures.map(async (f) => new Uint8Array(await readFile(f.path))));
    decoded = await Promise.all(fixtures.map((f, i) => decodeRgb(bytes[i]!, f.name)));
  });

  afterAll(async () => {
    await enc?.close();
    await evaluator?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("(a) decodes to the same RGB bytes as images.open_rgb (colour-managed CMYK within 1 level)", async () => {
    for (const [i, f] of fixtures.entries()) {
      const ours = decoded[i]!;
      const theirs = ref.decoded![i]!;
      expect([ours.width, ours.height], f.name).toEqual([theirs.width, theirs.height]);
      const sha = createHash("sha256").update(ours.data).digest("hex");
      if (f.exactDecode) {
        expect(sha, `${f.name}: decoded RGB differs from Pillow's`).toBe(theirs.sha256);
      } else {
        // lcms via libvips vs lcms via Pillow's ImageCms: same profile, different PCS precision.
        const { max, mean } = maxAndMeanAbs(ours.data, await engineDecodedRgb(f.path));
        console.log(`${f.name}: decode differs from Pillow by max ${max} level(s), mean ${mean.toFixed(4)}`);
        expect(max, f.name).toBeLessThanOrEqual(1);
      }
    }
    // The EXIF-rotated file really was rotated: 360×512 after orientation 6.
    expect([decoded[4]!.width, decoded[4]!.height]).toEqual([360, 512]);
  });

  it("(a) makes the same pixel tensors as the Hugging Face (Pillow) processors (float32 rounding; the ICC CMYK file within 2 levels)", async () => {
    for (const kind of ["clip", "dino"] as const) {
      const refPixels = kind === "clip" ? ref.clipPixels! : ref.dinoPixels!;
      const ours = await evaluator.pixels(kind, bytes);
      for (const [i, f] of fixtures.entries()) {
        expect(ours[i]!.length).toBe(3 * 224 * 224);
        const { max, mean } = maxAndMeanAbs(ours[i]!, refPixels[i]!);
        console.log(`${kind} pixels ${f.name}: max |Δ| ${max.toExponential(2)}, mean |Δ| ${mean.toExponential(2)}`);
        expect(max, `${kind} ${f.name}`).toBeLessThanOrEqual(f.exactDecode ? PIXEL_MAX_ABS : PIXEL_MAX_ABS_INEXACT_DECODE[kind]);
        expect(mean, `${kind} ${f.name}`).toBeLessThanOrEqual(f.exactDecode ? PIXEL_MEAN_ABS : PIXEL_MEAN_ABS_INEXACT_DECODE);
      }
    }
  });

  it("(b) onnxruntime-node embeddings match PyTorch within 1e-4 in cosine", async () => {
    const worst = { clip: 0, dino: 0, text: 0 };
    for (const kind of ["clip", "dino"] as const) {
      const refPixels = kind === "clip" ? ref.clipPixels! : ref.dinoPixels!;
      const refEmb = kind === "clip" ? ref.clipImage! : ref.dinoImage!;
      // Python's own pixel tensors in: this isolates the encoder (ONNX export + runtime) from preprocessing.
      const ours = await enc.imageEmbeddings(kind, { data: Float32Array.from(refPixels.flat()), dims: [refPixels.length, 3, 224, 224] });
      ours.forEach((e, i) => (worst[kind] = Math.max(worst[kind], 1 - cosine(e, refEmb[i]!))));
    }
    // Tokenised by transformers.js in the worker (incl. a prompt longer than 77 tokens), encoded by ORT.
    const texts = await evaluator.embedTexts(TEXTS);
    texts.forEach((e, i) => (worst.text = Math.max(worst.text, 1 - cosine(e, ref.clipText![i]!))));
    console.log(`1 − cos, ONNX vs PyTorch: CLIP image ${worst.clip.toExponential(2)}, DINO ${worst.dino.toExponential(2)}, CLIP text ${worst.text.toExponential(2)}`);
    expect(worst.clip).toBeLessThanOrEqual(EMBEDDING_ONE_MINUS_COS);
    expect(worst.dino).toBeLessThanOrEqual(EMBEDDING_ONE_MINUS_COS);
    expect(worst.text).toBeLessThanOrEqual(EMBEDDING_ONE_MINUS_COS);
  });

  it("(c) the TS metric formulas give the Python reference's values on identical embeddings", () => {
    const clip = ref.clipImage!;
    const dino = ref.dinoImage!;
    const ours = scoreGenerated(
      GENERATED.map((g) => ({ promptIndex: g.promptIndex, clip: clip[g.image]!, dino: dino[g.image]!, text: ref.clipText![g.text]! })),
      { clip: REAL.map((i) => clip[i]!), dino: REAL.map((i) => dino[i]!) },
    );
    const theirs = ref.metrics!;
    for (const key of ["clipI", "clipT", "dino"] as const) expect(Math.abs(ours[key] - theirs[key]), key).toBeLessThanOrEqual(METRIC_ABS);
    expect(ours.perPrompt.map((p) => [p.promptIndex, p.imageCount])).toEqual(theirs.perPrompt.map((p) => [p.promptIndex, p.imageCount]));
    ours.perPrompt.forEach((p, i) => {
      for (const key of ["clipI", "clipT", "dino"] as const) expect(Math.abs(p[key] - theirs.perPrompt[i]![key])).toBeLessThanOrEqual(METRIC_ABS);
    });
    const drift = scoreDrift(
      { clip: DRIFT.checkpoint.map((i) => clip[i]!), dino: DRIFT.checkpoint.map((i) => dino[i]!) },
      { clip: DRIFT.base.map((i) => clip[i]!), dino: DRIFT.base.map((i) => dino[i]!) },
      0.5,
    );
    expect(Math.abs(drift.clipI - theirs.drift!.clipI)).toBeLessThanOrEqual(METRIC_ABS);
    expect(Math.abs(drift.dino - theirs.drift!.dino)).toBeLessThanOrEqual(METRIC_ABS);
  });

  it("end to end: Evaluator.score in its worker agrees with the reference metrics", async () => {
    {
      const progress: number[] = [];
      const result = await evaluator.score({
        real: REAL.map((i) => bytes[i]!),
        generated: GENERATED.map((g) => ({ bytes: bytes[g.image]!, promptIndex: g.promptIndex, prompt: `<rare> ${TEXTS[g.text]}`, scoringPrompt: TEXTS[g.text]! })),
        drift: { checkpoint: DRIFT.checkpoint.map((i) => bytes[i]!), base: DRIFT.base.map((i) => bytes[i]!), prompt: "a photo of backpack", threshold: 0.5 },
        onProgress: (scored, total) => progress.push(scored / total),
      });
      const theirs = ref.metrics!;
      const diffs = { clipI: result.clipI - theirs.clipI, clipT: result.clipT - theirs.clipT, dino: result.dino - theirs.dino, driftDino: result.drift!.dino - theirs.drift!.dino };
      console.log("end-to-end metric differences (TS pipeline − Python pipeline):", diffs);
      // Includes the ICC CMYK file's 1-level decode difference (one of the generated images); measured ≤ 1.5e-6 (tiny).
      for (const d of Object.values(diffs)) expect(Math.abs(d)).toBeLessThanOrEqual(1e-5);
      expect(progress.at(-1)).toBe(1);
      expect(result.perPrompt.map((p) => p.scoringPrompt)).toEqual([TEXTS[0], TEXTS[1]]);
    }
  });

  it("refuses a missing folder with EVALUATOR_UNAVAILABLE naming the folder and the command", async () => {
    const missing = join(tmp, "no-such-folder");
    await expect(Evaluator.open(missing)).rejects.toMatchObject({
      code: "EVALUATOR_UNAVAILABLE",
      message: expect.stringContaining(`python -m studio_engine export-eval-models --out ${missing}`),
    });
  });
});
