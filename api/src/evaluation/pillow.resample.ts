/**
 * Pillow's `Image.resize` for 8-bit images, ported from libImaging/Resample.c (Pillow 13), so the
 * evaluator's resize gives the bytes the Hugging Face processors' PIL backend gives (the Python reference,
 * trainer/engine/src/studio_engine/eval_reference.py). Same pixels in → same pixels out, byte for byte.
 *
 * What Resample.c does, and this file does the same way:
 * - a separable convolution in two passes, the first rounded and clipped to uint8: horizontal then
 *   vertical, except where Pillow 13 goes vertical first (verticalFirst()); a pass is skipped when its
 *   dimension does not change;
 * - per output pixel xx: scale = in/out, filterscale = max(1, scale) (the filter widens when shrinking:
 *   antialiasing), support = filter.support · filterscale, center = (xx + 0.5) · scale,
 *   taps xmin = (int)(center − support + 0.5) clamped ≥ 0 … xmax = (int)(center + support + 0.5) clamped
 *   ≤ inSize, weights filter((x + xmin − center + 0.5) / filterscale) normalised by their sum (in double);
 * - the weights become fixed point with PRECISION_BITS = 32 − 8 − 2 = 22 bits, rounded half away from
 *   zero; each output accumulates from 1 << 21 (rounding) and is clipped to 0…255 (`clip8`).
 *
 * Channels are independent (Pillow's RGB/RGBX/L). RGBA/LA are NOT handled: Pillow premultiplies alpha
 * around the resize; the evaluator only resizes RGB. NEAREST is a different code path in Pillow (an
 * affine transform) and is not ported.
 */

/** PIL's resample codes, as preprocessor_config.json stores them. */
export const PIL_RESAMPLE = { NEAREST: 0, LANCZOS: 1, BILINEAR: 2, BICUBIC: 3, BOX: 4, HAMMING: 5 } as const;

interface Filter {
  fn: (x: number) => number;
  support: number;
}

// The filters of Resample.c, same expressions in the same order (IEEE double, as in C).
const boxFilter = (x: number): number => (x > -0.5 && x <= 0.5 ? 1.0 : 0.0);
const bilinearFilter = (x: number): number => {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
};
// C's `0.54f + 0.46f * cos(x)`: float constants widened to double.
const HAMMING_A = Math.fround(0.54);
const HAMMING_B = Math.fround(0.46);
const hammingFilter = (x: number): number => {
  if (x < 0.0) x = -x;
  if (x === 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x = x * Math.PI;
  return (Math.sin(x) / x) * (HAMMING_A + HAMMING_B * Math.cos(x));
};
const BICUBIC_A = -0.5;
const bicubicFilter = (x: number): number => {
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((BICUBIC_A + 2.0) * x - (BICUBIC_A + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * BICUBIC_A;
  return 0.0;
};
const sinc = (x: number): number => {
  if (x === 0.0) return 1.0;
  x = x * Math.PI;
  return Math.sin(x) / x;
};
const lanczosFilter = (x: number): number => (-3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0);

const FILTERS: Record<number, Filter> = {
  [PIL_RESAMPLE.LANCZOS]: { fn: lanczosFilter, support: 3.0 },
  [PIL_RESAMPLE.BILINEAR]: { fn: bilinearFilter, support: 1.0 },
  [PIL_RESAMPLE.BICUBIC]: { fn: bicubicFilter, support: 2.0 },
  [PIL_RESAMPLE.BOX]: { fn: boxFilter, support: 0.5 },
  [PIL_RESAMPLE.HAMMING]: { fn: hammingFilter, support: 1.0 },
};

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS; // 1 << 22
const HALF = 2 ** (PRECISION_BITS - 1); // the rounding term every sum starts from
const CLIP_HIGH = 255 * ONE; // 255 << 22: at or above it clip8 gives 255

/** Resample.c's clip8: the accumulator (exact in a double, < 2^31 as in C's int) → 0…255. */
function clip8(v: number): number {
  if (v >= CLIP_HIGH) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS; // 0 < v < 2^31 here, so int32 shifting is exact
}

/** One pass's taps: for output index i, weights kk[i·ksize …] over inputs bounds[2i] … + bounds[2i+1]. */
interface Coeffs {
  ksize: number;
  bounds: Int32Array;
  kk: Int32Array;
}

/** precompute_coeffs + normalize_coeffs_8bpc for the box [0, inSize) → outSize. */
function coefficients(inSize: number, outSize: number, filter: Filter): Coeffs {
  const in0 = 0;
  const in1 = inSize; // C's float box edges: integers, exact
  const scale = (in1 - in0) / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    let ww = 0.0;
    let xmin = Math.trunc(center - support + 0.5); // C's (int): toward zero
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    k.fill(0);
    for (let x = 0; x < xmax; x++) {
      const w = filter.fn((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) if (ww !== 0.0) k[x] = k[x]! / ww;
    // normalize_coeffs_8bpc: (int)(±0.5 + k · (1 << 22)), i.e. rounded half away from zero.
    for (let x = 0; x < ksize; x++) {
      const v = k[x]!;
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** ImagingResampleHorizontal_8bpc over interleaved pixels. */
function horizontal(src: Uint8Array, inWidth: number, height: number, channels: number, outWidth: number, c: Coeffs): Uint8Array {
  const out = new Uint8Array(outWidth * height * channels);
  const { ksize, bounds, kk } = c;
  for (let y = 0; y < height; y++) {
    const row = y * inWidth * channels;
    const outRow = y * outWidth * channels;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = bounds[xx * 2]!;
      const xmax = bounds[xx * 2 + 1]!;
      const k0 = xx * ksize;
      for (let ch = 0; ch < channels; ch++) {
        let ss = HALF;
        let p = row + xmin * channels + ch;
        for (let x = 0; x < xmax; x++, p += channels) ss += src[p]! * kk[k0 + x]!;
        out[outRow + xx * channels + ch] = clip8(ss);
      }
    }
  }
  return out;
}

/** ImagingResampleVertical_8bpc over interleaved pixels. */
function vertical(src: Uint8Array, width: number, inHeight: number, channels: number, outHeight: number, c: Coeffs): Uint8Array {
  const stride = width * channels;
  const out = new Uint8Array(stride * outHeight);
  const { ksize, bounds, kk } = c;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[yy * 2]!;
    const ymax = bounds[yy * 2 + 1]!;
    const k0 = yy * ksize;
    const outRow = yy * stride;
    for (let i = 0; i < stride; i++) {
      let ss = HALF;
      let p = ymin * stride + i;
      for (let y = 0; y < ymax; y++, p += stride) ss += src[p]! * kk[k0 + y]!;
      out[outRow + i] = clip8(ss);
    }
  }
  return out;
}

/**
 * Pillow 13 (python-pillow/Pillow#9549) runs the vertical pass first when the height shrinks by more than
 * twice as many rows as the width loses columns; before, always horizontal first. The order changes the
 * bytes (the first pass is rounded to uint8), so it must match. Derived from and checked against Pillow
 * 13.0.0's output on ~1500 random size pairs (0 mismatches; `>=` instead of `>` gives 2).
 */
function verticalFirst(width: number, height: number, outWidth: number, outHeight: number): boolean {
  return outHeight < height && height - outHeight > 2 * (width - outWidth);
}

/**
 * `Image.resize((outWidth, outHeight), resample)` of Pillow (no box, no reducing_gap — as the Hugging Face
 * PIL backend calls it) on interleaved 8-bit pixels with `channels` independent channels (3 for RGB).
 * Returns a new array; the input is returned as is when the size does not change (Pillow copies).
 */
export function pillowResize(src: Uint8Array, width: number, height: number, outWidth: number, outHeight: number, resample: number, channels = 3): Uint8Array {
  const filter = FILTERS[resample];
  if (!filter) throw new Error(`Pillow resample=${resample} is not supported here (LANCZOS, BILINEAR, BICUBIC, BOX, HAMMING are)`);
  for (const [name, v] of Object.entries({ width, height, outWidth, outHeight, channels }))
    if (!Number.isInteger(v) || v < 1) throw new Error(`pillowResize: ${name} must be a positive integer (got ${v})`);
  if (src.length !== width * height * channels) throw new Error(`pillowResize: ${src.length} bytes is not ${width}×${height}×${channels}`);
  const needHorizontal = outWidth !== width;
  const needVertical = outHeight !== height;
  const h = (im: Uint8Array, rows: number) => horizontal(im, width, rows, channels, outWidth, coefficients(width, outWidth, filter));
  const v = (im: Uint8Array, cols: number) => vertical(im, cols, height, channels, outHeight, coefficients(height, outHeight, filter));
  if (needHorizontal && needVertical && verticalFirst(width, height, outWidth, outHeight)) return h(v(src, width), outHeight);
  let out = src;
  if (needHorizontal) out = h(out, height);
  if (needVertical) out = v(out, outWidth);
  return out;
}
