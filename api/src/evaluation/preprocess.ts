/**
 * Model preprocessing from the encoder folder's own configs (docs/evaluation-contract.md §1–2):
 * transformers.js reads `preprocessor_config.json` / `tokenizer.json` from DIR/clip and DIR/dino, so
 * crop, rescale, normalise and BPE are the library's, not ours; only the resize step is done here, as
 * Pillow does it (see resize()). Nothing is downloaded or cached.
 */
import { AutoImageProcessor, AutoTokenizer, RawImage, env, type PreTrainedTokenizer, type Tensor } from "@huggingface/transformers";
import type { RgbImage } from "./image.decode.js";
import { pillowResize } from "./pillow.resample.js";

export type ImageEncoderKind = "clip" | "dino";

/** A batch ready for onnxruntime: NCHW float32 or [N, 77] int64. */
export interface PixelBatch {
  data: Float32Array;
  dims: [number, number, number, number];
}
export interface TokenBatch {
  data: BigInt64Array;
  dims: [number, number];
}

/** CLIP's context length; the text encoder's input is fixed at [N, 77]. */
export const CLIP_CONTEXT_LENGTH = 77;

/**
 * transformers.js keeps its settings in one process-wide `env`. The evaluator owns its worker thread,
 * so setting it here cannot surprise another user of the library.
 */
function useLocalFolder(modelsDir: string): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelsDir;
  env.useFSCache = false;
  env.useBrowserCache = false;
  env.useWasmCache = false;
}

type ImageProcessor = Awaited<ReturnType<typeof AutoImageProcessor.from_pretrained>>;

/** The parts of transformers.js's ImageProcessor we read to do its resize step ourselves (see resize()). */
interface ResizeConfig {
  do_resize?: boolean;
  resample?: number;
  size?: { shortest_edge?: number; longest_edge?: number; height?: number; width?: number };
  get_resize_output_image_size(image: RawImage, size: unknown): [number, number];
}

export class Preprocessor {
  private constructor(
    private readonly images: Record<ImageEncoderKind, ImageProcessor>,
    private readonly tokenizer: PreTrainedTokenizer,
  ) {}

  static async load(modelsDir: string): Promise<Preprocessor> {
    useLocalFolder(modelsDir);
    const [clip, dino, tokenizer] = await Promise.all([
      AutoImageProcessor.from_pretrained("clip"),
      AutoImageProcessor.from_pretrained("dino"),
      AutoTokenizer.from_pretrained("clip"),
    ]);
    return new Preprocessor({ clip, dino }, tokenizer);
  }

  /**
   * Decoded RGB → the encoder's pixel_values. The RawImage wraps our canonical pixels (no re-decode), so
   * what the model sees starts from exactly the bytes images.py would give the trainer.
   */
  async pixels(kind: ImageEncoderKind, images: RgbImage[]): Promise<PixelBatch> {
    const processor = this.images[kind];
    const raws = images.map((im) => resize(processor as unknown as ResizeConfig, im));
    const { pixel_values } = (await processor(raws)) as { pixel_values: Tensor };
    const [n, c, h, w] = pixel_values.dims as number[];
    return { data: pixel_values.data as Float32Array, dims: [n!, c!, h!, w!] };
  }

  /**
   * CLIP BPE ids padded/truncated to 77, as int64 for the ONNX text encoder.
   *
   * transformers.js truncates *after* adding special tokens, so a long prompt loses its closing
   * <|endoftext|> — and CLIP pools the text embedding at that token. Python's tokenizer truncates the
   * words and keeps BOS … EOS. We let the library do the BPE (`encode`) and only restore that rule:
   * keep the first 76 ids and end with EOS, then pad with the tokenizer's own pad id.
   */
  tokens(texts: string[]): TokenBatch {
    const tok = this.tokenizer as PreTrainedTokenizer & { pad_token_id?: number; eos_token_id?: number };
    const eos = tok.eos_token_id;
    const pad = tok.pad_token_id ?? eos;
    if (eos === undefined || pad === undefined) throw new Error("the CLIP tokenizer has no <|endoftext|> token");
    const data = new BigInt64Array(texts.length * CLIP_CONTEXT_LENGTH).fill(BigInt(pad));
    texts.forEach((text, row) => {
      let ids = tok.encode(text);
      if (ids.length > CLIP_CONTEXT_LENGTH) ids = [...ids.slice(0, CLIP_CONTEXT_LENGTH - 1), eos];
      ids.forEach((id, col) => (data[row * CLIP_CONTEXT_LENGTH + col] = BigInt(id)));
    });
    return { data, dims: [texts.length, CLIP_CONTEXT_LENGTH] };
  }
}

/**
 * The (width, height) the Hugging Face PIL backend resizes to (`PilBackend.resize`), for the two size
 * forms our configs use. transformers.js's `get_resize_output_image_size` means the same but computes
 * `long · (short_edge / short)` and rounds to 2 decimals before flooring, so it answers one more pixel
 * when the fraction is ≥ .995 — e.g. 3000×3308 → Python 224×246 (int(246.997…)), transformers.js 224×247.
 * Python's `int(short_edge * long / short)` in the same IEEE order gives the same integer here.
 */
export function hfResizeOutputSize(size: ResizeConfig["size"], width: number, height: number): [number, number] {
  if (size?.shortest_edge !== undefined && size.longest_edge === undefined) {
    const s = size.shortest_edge;
    const [short, long] = width <= height ? [width, height] : [height, width];
    const newLong = Math.trunc((s * long) / short);
    return width <= height ? [s, newLong] : [newLong, s];
  }
  if (size?.height !== undefined && size.width !== undefined && size.shortest_edge === undefined) return [size.width, size.height];
  throw new Error(`preprocessor_config.json size ${JSON.stringify(size)} is not supported (shortest_edge, or height and width)`);
}

/**
 * The processor's resize step, done with a port of Pillow's resize instead of transformers.js's.
 *
 * Why: in Node, transformers.js resizes BICUBIC/BILINEAR with sharp's `affine`, a point sampler with no
 * antialiasing, while Python's processors use Pillow's `resize`, which widens the filter when shrinking.
 * Measured on a 512×360 DreamBooth photo against CLIPImageProcessorPil/ViTImageProcessorPil (normalised
 * pixel_values): affine max |Δ| 1.14 (CLIP) / 1.52 (DINO); sharp `resize` with the same filter (libvips)
 * still 0.075 / 0.158; pillowResize (pillow.resample.ts, Pillow's fixed-point arithmetic and pass order)
 * gives Pillow's bytes, so the tensors agree to float32 rounding (≤ 1e-6). The target size is the HF
 * Python rule (hfResizeOutputSize); crop, rescale and normalise stay transformers.js's: given an image
 * already at that size, its own resize is a no-op (same size check in RawImage.resize).
 */
function resize(processor: ResizeConfig, im: RgbImage): RawImage {
  const raw = new RawImage(im.data, im.width, im.height, 3);
  if (processor.do_resize === false) return raw;
  const [width, height] = hfResizeOutputSize(processor.size, im.width, im.height);
  if (width === im.width && height === im.height) return raw;
  const resample = processor.resample ?? 2; // the PIL backend's default: BILINEAR
  const out = new RawImage(pillowResize(im.data, im.width, im.height, width, height, resample, 3), width, height, 3);
  // The library must now leave it alone; if its size rule ever disagrees here, fail loudly, not subtly.
  const [w2, h2] = processor.get_resize_output_image_size(out, processor.size);
  if (w2 !== width || h2 !== height) throw new Error(`transformers.js would resize ${width}×${height} again to ${w2}×${h2}`);
  return out;
}
