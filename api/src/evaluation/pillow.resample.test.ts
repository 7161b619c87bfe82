/**
 * pillowResize against Pillow itself: byte-for-byte, via SHA-256 of Pillow's output for deterministic
 * noise images (noise is the hard case: every tap matters and bicubic overshoots into clip8's clipping).
 * The hashes were made once with the engine's Pillow (13.0.0) by FIXTURE_SCRIPT below, so this unit test
 * needs no Python; test/integration/evaluator-parity.test.ts cross-checks live against the installed Pillow.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PIL_RESAMPLE, pillowResize } from "./pillow.resample.js";

/** Run with the engine's python to regenerate CASES (same noise generator as noise() below). */
export const FIXTURE_SCRIPT = String.raw`
import hashlib
from PIL import Image
def noise(w, h, c, seed):
    s = seed & 0xffffffff
    out = bytearray(w * h * c)
    for i in range(len(out)):
        s = (s * 1103515245 + 12345) & 0xffffffff
        out[i] = s >> 24
    return bytes(out)
for w, h, ow, oh, r, c, seed in CASES:  # CASES as below, without the hashes
    im = Image.frombytes({1: "L", 3: "RGB"}[c], (w, h), noise(w, h, c, seed))
    print(hashlib.sha256(im.resize((ow, oh), resample=r, reducing_gap=None).tobytes()).hexdigest())
`;

/** The same 32-bit LCG as FIXTURE_SCRIPT: byte i = the top 8 bits of the (i+1)-th state. */
function noise(width: number, height: number, channels: number, seed: number): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

const NAME: Record<number, string> = { 1: "LANCZOS", 2: "BILINEAR", 3: "BICUBIC", 4: "BOX", 5: "HAMMING" };

// [width, height, outWidth, outHeight, resample, channels, seed, sha256 of Pillow's resize]
const CASES: [number, number, number, number, number, number, number, string][] = [
  [37, 23, 16, 9, 3, 3, 1, "4c793665835e23fde0340b74c9cd0a79528cc410724245c30d405f08ce77f247"],
  [512, 384, 298, 224, 3, 3, 2, "1e4ead98d24846b03388509df0052854749f085f8049a520c47e8904b4ce2e27"], // CLIP, 4:3
  [512, 360, 318, 224, 3, 3, 3, "b198377d339d3c736209d12b93d6dc3c14150ad178418c24dba27d651103fd58"], // CLIP, the parity photo
  [300, 500, 224, 224, 2, 3, 4, "1fd1e161ddefb203d4f5a8a6506787d8896178300347a6f5d86efccc60e41bc1"], // DINO (vertical pass first)
  [20, 10, 50, 30, 3, 3, 5, "71aed68aeaedda98e82956dbcdf0819025dcdefa5c5d41ade42ed862d9aaa6dd"], // upscale
  [20, 10, 50, 30, 2, 3, 6, "d53f80e05eac6b080b09af96c3caaf1e716cceab31c9ae24b0533a435e1588e8"],
  [64, 48, 64, 20, 3, 3, 7, "d785355c1ca07236b8dfc1d5c82bd837fa6eab51f1f61721a89c80d1f1f404be"], // vertical pass only
  [64, 48, 30, 48, 2, 3, 8, "40343d0c69d43fc170346bd584f90e59a0a132d2857ddc626aaef346ddce31d5"], // horizontal pass only
  [100, 20, 33, 45, 3, 3, 9, "16a6070e09f43e2ddac4239c28b958d38dcc496308220453e482953e8bf07053"], // shrink one way, grow the other
  [97, 61, 40, 33, 1, 3, 10, "7aeed5707935e602227fb36d8df59245c792dfa991f414127c07e29fb4b6360e"],
  [97, 61, 40, 33, 4, 3, 11, "4e0f1fcf013d2a12a96995c9fa2d84d075b7357b024e7e19d3956fe22fc3c490"],
  [97, 61, 40, 33, 5, 3, 12, "6060b89c6596a1e4887e04ece1344eb0d83778f491e90e3e078ec173fc07731a"],
  [37, 23, 16, 9, 3, 1, 13, "6edb3dc4c7e7b97dff38532e3137aa5d5c7a4123be721412f8783f155f85675e"], // mode L
  [400, 400, 300, 200, 2, 3, 15, "834ddef9af655a55f815e0ee0ece77d45a92e56679bc5d91b91f04d64a1e7d9c"], // 200 rows = 2 × 100 columns: horizontal first
  [400, 401, 300, 200, 2, 3, 16, "fc468f6bce976e4c4dbc7e451ba0365311a8e919eecc7b04d0cfe4aff18852da"], // 201 rows > 2 × 100: vertical first
  [1000, 7, 3, 224, 3, 3, 14, "364d9e921c315ed2a2bbe091473419c44847c484119c15149d87848a6a3c7547"], // extreme ratios
];

describe("pillowResize (Pillow's libImaging/Resample.c, 8-bit)", () => {
  it.each(CASES)("%i×%i → %i×%i resample=%i channels=%i gives Pillow's bytes", (w, h, ow, oh, resample, channels, seed, sha) => {
    const out = pillowResize(noise(w, h, channels, seed), w, h, ow, oh, resample, channels);
    expect(out.length).toBe(ow * oh * channels);
    expect(createHash("sha256").update(out).digest("hex"), `${NAME[resample]} ${w}×${h} → ${ow}×${oh}`).toBe(sha);
  });

  it("returns the input unchanged when the size is unchanged", () => {
    const src = noise(5, 4, 3, 99);
    expect(pillowResize(src, 5, 4, 5, 4, PIL_RESAMPLE.BICUBIC)).toBe(src);
  });

  it("refuses NEAREST, bad sizes and a buffer of the wrong length", () => {
    const src = noise(5, 4, 3, 1);
    expect(() => pillowResize(src, 5, 4, 2, 2, PIL_RESAMPLE.NEAREST)).toThrow(/not supported/);
    expect(() => pillowResize(src, 5, 4, 0, 2, PIL_RESAMPLE.BICUBIC)).toThrow(/positive integer/);
    expect(() => pillowResize(src, 5, 5, 2, 2, PIL_RESAMPLE.BICUBIC)).toThrow(/is not 5×5×3/);
  });
});
