import { describe, expect, it } from "vitest";
import { cosine, meanPairedCosine, meanPairwiseCosine, scoreDrift, scoreGenerated } from "./metrics.js";
import { blendOverWhite, cmykChannelToRgb } from "./image.decode.js";
import { l2Normalise } from "./encoders.js";

const v = (...xs: number[]) => Float32Array.from(xs);

describe("metrics", () => {
  it("cosine ignores length and handles orthogonal/opposite vectors", () => {
    expect(cosine(v(1, 0), v(5, 0))).toBeCloseTo(1, 12);
    expect(cosine(v(1, 0), v(0, 2))).toBe(0);
    expect(cosine(v(1, 1), v(-1, -1))).toBeCloseTo(-1, 12);
    expect(() => cosine(v(1), v(1, 2))).toThrow(/different length/);
  });

  it("CLIP-I/DINO average over every generated × real pair; CLIP-T pairs each image with its prompt", () => {
    const g = [v(1, 0), v(0, 1)];
    const r = [v(1, 0), v(1, 1)];
    // pairs: 1, √½, 0, √½ → (1 + √2) / 4
    expect(meanPairwiseCosine(g, r)).toBeCloseTo((1 + Math.SQRT2) / 4, 12);
    expect(meanPairedCosine(g, [v(1, 0), v(1, 0)])).toBeCloseTo(0.5, 12);
    expect(() => meanPairwiseCosine([], r)).toThrow();
  });

  it("breaks scores down per prompt, in prompt order, and flags drift below the threshold", () => {
    const real = { clip: [v(1, 0)], dino: [v(0, 1)] };
    const s = scoreGenerated(
      [
        { promptIndex: 3, clip: v(0, 1), dino: v(0, 1), text: v(0, 1) },
        { promptIndex: 1, clip: v(1, 0), dino: v(1, 0), text: v(0, 1) },
        { promptIndex: 3, clip: v(1, 0), dino: v(0, 1), text: v(1, 0) },
      ],
      real,
    );
    expect(s.clipI).toBeCloseTo(2 / 3, 12);
    expect(s.dino).toBeCloseTo(2 / 3, 12);
    expect(s.clipT).toBeCloseTo(2 / 3, 12);
    expect(s.perPrompt.map((p) => [p.promptIndex, p.imageCount, p.clipI, p.clipT, p.dino])).toEqual([
      [1, 1, 1, 0, 0],
      [3, 2, 0.5, 1, 1],
    ]);
    const drift = scoreDrift({ clip: [v(1, 0), v(1, 0)], dino: [v(1, 0), v(0, 1)] }, { clip: [v(1, 0), v(0, 1)], dino: [v(1, 0), v(1, 0)] }, 0.6);
    expect(drift).toEqual({ clipI: 0.5, dino: 0.5, threshold: 0.6, flagged: true });
    expect(() => scoreDrift({ clip: [v(1)], dino: [v(1)] }, { clip: [], dino: [] }, 0.5)).toThrow();
  });

  it("l2Normalise gives unit vectors and leaves zero vectors at zero", () => {
    const n = l2Normalise(v(3, 4));
    expect([n[0], n[1]]).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(l2Normalise(v(0, 0)))).toEqual([0, 0]);
  });
});

describe("Pillow pixel arithmetic", () => {
  it("alpha over white: opaque keeps the value, transparent is white, halfway rounds like Paste.c", () => {
    expect(blendOverWhite(17, 255)).toBe(17);
    expect(blendOverWhite(17, 0)).toBe(255);
    expect(blendOverWhite(0, 128)).toBe(127); // (255·127 + 0) / 255 = 127
    expect(blendOverWhite(100, 77)).toBe(208); // Pillow 13 gives 208
  });
  it("plain CMYK→RGB follows Convert.c cmyk2rgb", () => {
    expect(cmykChannelToRgb(0, 0)).toBe(255);
    expect(cmykChannelToRgb(255, 0)).toBe(0);
    expect(cmykChannelToRgb(0, 255)).toBe(0);
    expect(cmykChannelToRgb(128, 64)).toBe(95); // Pillow 13 gives 95
  });
});
