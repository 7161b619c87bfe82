import { createHash } from "node:crypto";
import sharp from "sharp";
import { badInput } from "../errors.js";

export const IMAGE_TYPES: Record<string, string> = { "image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp" };
export const MIN_SIDE = 64;
export const MAX_SIDE = 8192;
/** Refuses decompression bombs before decoding: no accepted image has more pixels than this. */
export const MAX_PIXELS = MAX_SIDE * MAX_SIDE;

export interface ValidatedImage {
  sha256: string;
  /** After EXIF orientation. */
  width: number;
  height: number;
  /** The oriented display copy. */
  webp: Buffer;
}

/**
 * Decodes the whole file (so a truncated or corrupt one is refused, not just its header), checks
 * the format against the declared type and the size limits, and renders an EXIF-oriented WebP
 * display copy. Throws BAD_USER_INPUT (field "uploadId") on any problem.
 */
export async function validateImage(bytes: Buffer, declaredType: string): Promise<ValidatedImage> {
  const refuse = (why: string) => badInput("uploadId", `the uploaded file was refused: ${why}`);
  const opts = { failOn: "truncated" as const, limitInputPixels: MAX_PIXELS, sequentialRead: true };
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(bytes, opts).metadata();
  } catch (err) {
    throw refuse(`not a readable image (${(err as Error).message})`);
  }
  const expected = IMAGE_TYPES[declaredType];
  if (!meta.format || meta.format !== expected) throw refuse(`it is ${meta.format ?? "unknown"}, but ${declaredType} was declared`);
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w * h > MAX_PIXELS) throw refuse(`${w}×${h} has more than ${MAX_PIXELS} pixels`);
  if ((meta.pages ?? 1) > 1) throw refuse("animated images are not accepted");
  // EXIF orientations 5–8 swap width and height
  const [width, height] = (meta.orientation ?? 1) >= 5 ? [h, w] : [w, h];
  for (const [name, v] of [
    ["width", width],
    ["height", height],
  ] as const)
    if (v < MIN_SIDE || v > MAX_SIDE) throw refuse(`${name} ${v} is outside ${MIN_SIDE}–${MAX_SIDE} pixels`);
  let webp: Buffer;
  try {
    webp = await sharp(bytes, opts).rotate().webp({ quality: 85 }).toBuffer();
  } catch (err) {
    throw refuse(`it cannot be decoded completely (${(err as Error).message})`);
  }
  return { sha256: createHash("sha256").update(bytes).digest("hex"), width, height, webp };
}
