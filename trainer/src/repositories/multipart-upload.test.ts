import { describe, expect, it } from "vitest";
import { MAX_PARTS, MIN_PART_BYTES, planParts } from "./multipart-upload.js";

const MiB = 2 ** 20;

describe("planParts keeps a multipart upload within S3's rules", () => {
  it("uses the wanted part size when the file fits in 10 000 parts (SD 2.1 UNet: 104 parts of 32 MiB)", () => {
    expect(planParts(3_463_732_322, 32 * MiB)).toEqual({ partBytes: 32 * MiB, count: 104 });
    expect(planParts(40 * MiB + 1, 5 * MiB)).toEqual({ partBytes: 5 * MiB, count: 9 });
  });

  it("never goes under S3's 5 MiB minimum part", () => {
    expect(planParts(100 * MiB, MiB)).toEqual({ partBytes: MIN_PART_BYTES, count: 20 });
  });

  it("raises the part size to whole MiB when a file would need more than 10 000 parts", () => {
    const size = 200 * 2 ** 30; // 200 GiB at 5 MiB would be 40 960 parts
    const plan = planParts(size, 5 * MiB);
    expect(plan.count).toBeLessThanOrEqual(MAX_PARTS);
    expect(plan.partBytes % MiB).toBe(0);
    expect(plan.partBytes * plan.count).toBeGreaterThanOrEqual(size);
    expect(plan.partBytes).toBe(21 * MiB);
  });

  it("refuses what S3 cannot hold (objects over 5 TiB); 5 TiB itself fits in 10 000 parts", () => {
    expect(() => planParts(6 * 2 ** 40, 5 * MiB)).toThrow(/exceed S3's largest object/);
    expect(planParts(5 * 2 ** 40, 5 * MiB)).toEqual({ partBytes: 525 * MiB, count: 9987 });
  });
});
