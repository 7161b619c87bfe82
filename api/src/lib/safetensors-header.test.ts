import { describe, expect, it } from "vitest";
import { checkHeader, DEFAULT_MAX_HEADER_BYTES, headerLength, SafetensorsProblem, sniffUnsafe } from "./safetensors-header.js";

/** A safetensors file as the reference writer lays it out (header padded with spaces to 8 bytes). */
function safetensors(header: Record<string, unknown>, dataBytes: number): Buffer {
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), Buffer.alloc(dataBytes)]);
}

function check(file: Buffer) {
  const n = headerLength(file.subarray(0, 8), file.length, "x.safetensors");
  return checkHeader(file.subarray(8, 8 + n), file.length, "x.safetensors");
}

function problem(fn: () => unknown): SafetensorsProblem {
  try {
    fn();
  } catch (err) {
    if (err instanceof SafetensorsProblem) return err;
    throw err;
  }
  throw new Error("no problem found");
}

const good = {
  __metadata__: { format: "pt" },
  "a.weight": { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] },
  "b.bias": { dtype: "F16", shape: [4], data_offsets: [24, 32] },
  empty: { dtype: "I64", shape: [0], data_offsets: [32, 32] },
};

describe("safetensors header check", () => {
  it("accepts a well-formed file and reports its tensors and metadata", () => {
    expect(check(safetensors(good, 32))).toEqual({ headerLength: expect.any(Number), tensors: 3, metadata: { format: "pt" } });
  });

  it("refuses pickle and zip (torch.save) files as UNSAFE_FORMAT", () => {
    const pickle = Buffer.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0]);
    const zip = Buffer.from("PK\x03\x04\x14\x00\x00\x00\x08\x00", "latin1");
    for (const f of [pickle, zip]) {
      const p = problem(() => headerLength(f.subarray(0, 8), f.length, "model.ckpt"));
      expect(p.code).toBe("UNSAFE_FORMAT");
      expect(p.message).toMatch(/only safetensors are accepted because pickle can run code/);
    }
    expect(sniffUnsafe(Buffer.from("{}"), "x")).toBeNull();
  });

  it("refuses header lengths out of bounds", () => {
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(2n ** 40n);
    expect(problem(() => headerLength(huge.subarray(0, 8), huge.length, "x")).message).toMatch(/at most/);
    // the configured cap (SAFETENSORS_HEADER_MAX_BYTES) refuses from the 8-byte length alone, whatever the file's size
    const declared = Buffer.alloc(8);
    declared.writeBigUInt64LE(BigInt(DEFAULT_MAX_HEADER_BYTES + 1));
    const capped = problem(() => headerLength(declared, 10 * DEFAULT_MAX_HEADER_BYTES, "x.safetensors"));
    expect(capped.code).toBe("BAD_SAFETENSORS");
    expect(capped.message).toMatch(/at most 4194304 are accepted \(SAFETENSORS_HEADER_MAX_BYTES\)/);
    declared.writeBigUInt64LE(BigInt(DEFAULT_MAX_HEADER_BYTES));
    expect(headerLength(declared, 10 * DEFAULT_MAX_HEADER_BYTES, "x.safetensors")).toBe(DEFAULT_MAX_HEADER_BYTES);
    expect(problem(() => headerLength(declared, 10 * DEFAULT_MAX_HEADER_BYTES, "x.safetensors", 1024)).message).toMatch(/at most 1024/);
    const past = Buffer.alloc(16);
    past.writeBigUInt64LE(9n);
    expect(problem(() => headerLength(past.subarray(0, 8), past.length, "x")).message).toMatch(/only 8 after the length/);
    expect(problem(() => headerLength(Buffer.alloc(8), 20, "x")).code).toBe("BAD_SAFETENSORS");
  });

  it.each([
    ["not JSON", "{not json}", /not JSON/],
    ["not an object", "[1,2]   ", /does not start with/],
    ["bad metadata", JSON.stringify({ __metadata__: { a: 1 } }), /__metadata__\.a/],
  ])("refuses a header that is %s", (_what, json, message) => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const file = Buffer.concat([len, Buffer.from(json)]);
    const p = problem(() => check(file));
    expect(p.code).toBe("BAD_SAFETENSORS");
    expect(p.message).toMatch(message);
  });

  it.each([
    ["an unknown dtype", { t: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, 4, /unknown dtype/],
    ["a negative dim", { t: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4, /shape/],
    ["a byte count that does not match the shape", { t: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, 4, /8 bytes\) but 4/],
    ["offsets past the data", { t: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, 4, /past the 4-byte data buffer/],
    ["reversed offsets", { t: { dtype: "U8", shape: [0], data_offsets: [4, 0] } }, 4, /end before/],
    ["overlapping tensors", { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8, /overlapping/],
    ["a gap", { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } }, 12, /gap of 4 bytes/],
    ["trailing bytes", { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 12, /declares 4 bytes of tensor data, but 12/],
    ["a data size bigger than the file", { a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, 8, /past the 8-byte/],
  ])("refuses %s", (_what, header, dataBytes, message) => {
    const p = problem(() => check(safetensors(header, dataBytes)));
    expect(p.code).toBe("BAD_SAFETENSORS");
    expect(p.message).toMatch(message);
  });
});
