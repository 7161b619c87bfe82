/**
 * Canonical decoding (docs/evaluation-contract.md §2): image bytes → 8-bit sRGB pixels, exactly as the
 * engine's `studio_engine.images.open_rgb` (trainer/engine/src/studio_engine/images.py) produces them for
 * training, so the evaluator scores the same pixels the trainer saw.
 *
 * sharp (libvips) decodes; the per-pixel rules that differ between libvips and Pillow (alpha over white,
 * plain CMYK, 16-bit) are applied here with Pillow's integer arithmetic, verified exhaustively against
 * Pillow 13 for every (value, alpha) and (colour, black) pair.
 */
import sharp from "sharp";
import type { Metadata, Sharp, SharpOptions } from "sharp";

/** Same limits as images.py: MIN_SIDE and MAX_PIXELS. */
export const MIN_SIDE = 64;
export const MAX_PIXELS = 50_000_000;

export type ImageDecodeCode = "IMAGE_UNREADABLE" | "IMAGE_CORRUPT" | "IMAGE_TOO_LARGE" | "IMAGE_TOO_SMALL";

export class ImageDecodeError extends Error {
  override readonly name = "ImageDecodeError";
  constructor(
    readonly code: ImageDecodeCode,
    message: string,
  ) {
    super(message);
  }
}

/** Tightly packed 8-bit RGB, row-major (HWC). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

// sharp refuses oversized headers before allocating; failOn "truncated" rejects cut-off uploads the way
// images.py's verify()+load() does instead of scoring a half-grey image.
const SHARP_INPUT: SharpOptions = { limitInputPixels: MAX_PIXELS, failOn: "truncated" };

/** Decode `bytes` (JPEG, PNG, WebP, ...) to canonical RGB. `name` only appears in error messages. */
export async function decodeRgb(bytes: Uint8Array, name = "image"): Promise<RgbImage> {
  const meta = await readHeader(bytes, name);
  const oriented = (meta.orientation ?? 1) >= 5 ? { w: meta.height, h: meta.width } : { w: meta.width, h: meta.height };
  if (Math.min(oriented.w, oriented.h) < MIN_SIDE) {
    throw new ImageDecodeError("IMAGE_TOO_SMALL", `${name} is too small (${oriented.w}x${oriented.h} pixels); each side must be at least ${MIN_SIDE} pixels.`);
  }
  try {
    if (meta.space === "cmyk") return meta.icc ? await cmykThroughProfile(bytes).catch(() => cmykPlain(bytes)) : await cmykPlain(bytes);
    if (meta.depth === "ushort") return await sixteenBit(bytes, meta.space === "grey16" ? "grey16" : "rgb16");
    return await eightBit(bytes);
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    throw new ImageDecodeError("IMAGE_CORRUPT", `${name} is damaged or incomplete (was the upload cut off?).`);
  }
}

async function readHeader(bytes: Uint8Array, name: string): Promise<Metadata & { width: number; height: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, SHARP_INPUT).metadata();
  } catch (err) {
    if (/pixel limit/i.test(String(err))) throw tooLarge(name);
    throw new ImageDecodeError("IMAGE_UNREADABLE", `${name} is not an image in a format we can read (use JPEG, PNG or WebP).`);
  }
  const { width, height } = meta;
  if (!width || !height) throw new ImageDecodeError("IMAGE_CORRUPT", `${name} is damaged and cannot be opened.`);
  if (width * height > MAX_PIXELS) throw tooLarge(name, width, height);
  return { ...meta, width, height };
}

function tooLarge(name: string, w?: number, h?: number): ImageDecodeError {
  const dims = w && h ? ` (${w}x${h} pixels)` : "";
  return new ImageDecodeError("IMAGE_TOO_LARGE", `${name} is too large${dims}; the limit is ${MAX_PIXELS.toLocaleString("en-US")} pixels. Please upload a smaller photo.`);
}

/**
 * Raw decoded samples after EXIF orientation, in the file's own colour space. `keepIccProfile` stops
 * sharp from colour-managing RGB inputs with an embedded profile (Display P3 phone photos): Pillow
 * ignores RGB profiles, so we must too.
 */
async function rawSamples(pipeline: Sharp, depth: "uchar" | "ushort" = "uchar") {
  const { data, info } = await pipeline.autoOrient().keepIccProfile().raw({ depth }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** 8-bit grey, grey+alpha, RGB, RGBA (palettes arrive expanded by libvips, tRNS as an alpha band). */
async function eightBit(bytes: Uint8Array): Promise<RgbImage> {
  const raw = await rawSamples(sharp(bytes, SHARP_INPUT));
  return toRgb(new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length), raw.width, raw.height, raw.channels);
}

/**
 * 16-bit input. Pillow keeps only the high byte of 16-bit RGB/RGBA/LA PNGs (rawmodes "RGB;16B" etc.), but
 * opens 16-bit greyscale as mode I;16, which images.py scales with rint(v / 257).
 */
async function sixteenBit(bytes: Uint8Array, space: "grey16" | "rgb16"): Promise<RgbImage> {
  // Without pinning the pipeline colour space, sharp casts to 8-bit sRGB before `raw({depth})` applies.
  const raw = await rawSamples(sharp(bytes, SHARP_INPUT).pipelineColourspace(space).toColourspace(space), "ushort");
  const wide = new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2);
  const narrow = new Uint8Array(wide.length);
  if (raw.channels === 1) for (let i = 0; i < wide.length; i++) narrow[i] = Math.round(wide[i]! / 257);
  else for (let i = 0; i < wide.length; i++) narrow[i] = wide[i]! >> 8;
  return toRgb(narrow, raw.width, raw.height, raw.channels);
}

/** Expand grey to RGB and composite any alpha over white. */
function toRgb(src: Uint8Array, width: number, height: number, channels: number): RgbImage {
  if (channels === 3) return { width, height, data: src };
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const base = i * channels;
    const alpha = channels === 2 || channels === 4 ? src[base + channels - 1]! : 255;
    for (let c = 0; c < 3; c++) {
      const value = channels <= 2 ? src[base]! : src[base + c]!;
      out[i * 3 + c] = alpha === 255 ? value : blendOverWhite(value, alpha);
    }
  }
  return { width, height, data: out };
}

/**
 * Pillow's `Image.paste(rgba, mask=alpha)` onto white (Paste.c BLEND + DIV255):
 * round((255·(255−a) + v·a) / 255) computed with Pillow's shift trick so results match bit for bit.
 */
export function blendOverWhite(value: number, alpha: number): number {
  const t = 255 * (255 - alpha) + value * alpha + 128;
  return ((t >> 8) + t) >> 8;
}

/**
 * Pillow's plain CMYK→RGB (Convert.c cmyk2rgb): nk = 255 − k; channel = clip(nk − MULDIV255(c, nk)).
 * libvips already un-inverts Adobe (Photoshop) CMYK JPEGs on decode, as Pillow's "CMYK;I" rawmode does.
 */
export function cmykChannelToRgb(colour: number, black: number): number {
  const nk = 255 - black;
  const t = colour * nk + 128;
  const v = nk - (((t >> 8) + t) >> 8);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** CMYK without a profile: raw CMYK samples out of libvips (no colour management), Pillow's formula. */
async function cmykPlain(bytes: Uint8Array): Promise<RgbImage> {
  const raw = await rawSamples(sharp(bytes, SHARP_INPUT).pipelineColourspace("cmyk").toColourspace("cmyk"));
  if (raw.channels < 4) throw new Error(`expected 4 CMYK bands, got ${raw.channels}`);
  const n = raw.width * raw.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const k = raw.data[i * raw.channels + 3]!;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = cmykChannelToRgb(raw.data[i * raw.channels + c]!, k);
  }
  return { width: raw.width, height: raw.height, data: out };
}

/**
 * CMYK with an embedded profile: libvips converts through it with lcms, as Pillow's ImageCms does.
 * The two differ by a few levels (PCS precision, sRGB profile build); the parity test states the figure.
 * A profile lcms rejects falls back to the plain formula, like images.py's `except Exception: pass`.
 */
async function cmykThroughProfile(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes, SHARP_INPUT).autoOrient().toColourspace("srgb").removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
