/**
 * Checks a safetensors file from its first bytes only — the 8-byte header length and the JSON header —
 * against the object's total size, so the API can refuse a dangerous or malformed upload before anything
 * is queued, without reading gigabytes. The engine checks again before it loads a tensor (defence in depth).
 *
 * Format (https://github.com/huggingface/safetensors): u64 little-endian N, then N bytes of a UTF-8 JSON
 * object `{"__metadata__"?: {str: str}, name: {dtype, shape, data_offsets: [begin, end]}}`, then the data
 * buffer; offsets are relative to the buffer and the tensors tile it exactly.
 */

export type SafetensorsProblemCode = "UNSAFE_FORMAT" | "BAD_SAFETENSORS";

export class SafetensorsProblem extends Error {
  constructor(
    readonly code: SafetensorsProblemCode,
    message: string,
  ) {
    super(message);
  }
}

/** Bytes per element (safetensors' dtypes). */
export const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

/** The safetensors library refuses headers over 100 MB: the hard upper bound of any configured cap. */
export const MAX_HEADER_BYTES = 100_000_000;
/**
 * The API's default cap (SAFETENSORS_HEADER_MAX_BYTES): 4 MiB. Real headers are far smaller — about
 * 100–150 bytes per tensor, so a full single-file SD 1.x/2.x checkpoint (~1 100–1 300 tensors) has
 * ~150–200 KB and SDXL (~2 500 tensors) ~350 KB. The header is read into memory only after its declared
 * length passed this cap.
 */
export const DEFAULT_MAX_HEADER_BYTES = 4 * 2 ** 20;

export interface SafetensorsSummary {
  headerLength: number;
  tensors: number;
  metadata: Record<string, string>;
}

/**
 * What kind of file the first bytes say it is. Pickle (protocol 2+ starts with 0x80) and zip (torch.save's
 * default container, which holds a pickle) can run code when loaded, so they are refused unread.
 */
export function sniffUnsafe(first: Buffer, filename: string): SafetensorsProblem | null {
  const kind =
    first.length >= 4 && first[0] === 0x50 && first[1] === 0x4b && first[2] === 0x03 && first[3] === 0x04
      ? "a zip (torch.save) file"
      : first.length >= 1 && first[0] === 0x80
        ? "a pickle file"
        : null;
  return kind ? new SafetensorsProblem("UNSAFE_FORMAT", `${filename} is ${kind}; only safetensors are accepted because pickle can run code`) : null;
}

/** The header length N from the first 8 bytes, checked against the object's size. */
export function headerLength(first8: Buffer, objectSize: number, filename: string, maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES): number {
  const unsafe = sniffUnsafe(first8, filename);
  if (unsafe) throw unsafe;
  if (first8.length < 8 || objectSize < 10) throw bad(filename, `has ${objectSize} bytes; a safetensors file has at least 10`);
  const n = first8.readBigUInt64LE(0);
  if (n < 2n) throw bad(filename, `declares a header of ${n} bytes; the smallest ({}) has 2`);
  const cap = Math.min(maxHeaderBytes, MAX_HEADER_BYTES);
  if (n > BigInt(cap)) throw bad(filename, `declares a header of ${n} bytes; at most ${cap} are accepted (SAFETENSORS_HEADER_MAX_BYTES)`);
  if (n > BigInt(objectSize - 8)) throw bad(filename, `declares a header of ${n} bytes, but the file has only ${objectSize - 8} after the length`);
  return Number(n);
}

function bad(filename: string, what: string): SafetensorsProblem {
  return new SafetensorsProblem("BAD_SAFETENSORS", `${filename} is not a valid safetensors file: it ${what}`);
}

const isNonNegInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Validates the header JSON against the object size: dtypes, shapes, offsets in range, each tensor's
 * byte count = product(shape) × dtype size, tensors tiling the data buffer with no overlap or gap, and
 * the buffer ending exactly at the end of the object. Throws SafetensorsProblem naming the problem.
 */
export function checkHeader(header: Buffer, objectSize: number, filename: string): SafetensorsSummary {
  const n = header.length;
  const dataSize = objectSize - 8 - n;
  if (dataSize < 0) throw bad(filename, `has a ${n}-byte header but only ${objectSize} bytes in all`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(header);
  } catch {
    throw bad(filename, "has a header that is not UTF-8");
  }
  if (!text.startsWith("{")) throw bad(filename, "has a header that does not start with `{`");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/ +$/, "")); // the writer may pad with spaces to align the buffer
  } catch (err) {
    throw bad(filename, `has a header that is not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw bad(filename, "has a header that is not a JSON object");

  let metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad(filename, "has __metadata__ that is not an object");
      for (const [k, v] of Object.entries(value)) if (typeof v !== "string") throw bad(filename, `has __metadata__.${k} that is not a string`);
      metadata = value as Record<string, string>;
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad(filename, `has tensor ${JSON.stringify(name)} that is not an object`);
    const t = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const extra = Object.keys(t).filter((k) => !["dtype", "shape", "data_offsets"].includes(k));
    if (extra.length) throw bad(filename, `has tensor ${JSON.stringify(name)} with unknown field ${extra[0]}`);
    const size = typeof t.dtype === "string" ? DTYPE_BYTES[t.dtype] : undefined;
    if (!size) throw bad(filename, `has tensor ${JSON.stringify(name)} with unknown dtype ${JSON.stringify(t.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every(isNonNegInt)) throw bad(filename, `has tensor ${JSON.stringify(name)} with a shape that is not a list of non-negative integers`);
    const offs = t.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isNonNegInt)) throw bad(filename, `has tensor ${JSON.stringify(name)} without data_offsets [begin, end]`);
    const [begin, end] = offs as [number, number];
    if (begin > end) throw bad(filename, `has tensor ${JSON.stringify(name)} whose data_offsets end before they begin`);
    if (end > dataSize) throw bad(filename, `has tensor ${JSON.stringify(name)} whose data ends at ${end}, past the ${dataSize}-byte data buffer`);
    const elements = (t.shape as number[]).reduce((a, d) => a * BigInt(d), 1n);
    if (elements * BigInt(size) !== BigInt(end - begin))
      throw bad(
        filename,
        `has tensor ${JSON.stringify(name)} of shape [${(t.shape as number[]).join(", ")}] ${t.dtype} (${elements * BigInt(size)} bytes) but ${end - begin} bytes of data`,
      );
    spans.push({ name, begin, end });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of spans) {
    if (s.begin < at) throw bad(filename, `has tensor ${JSON.stringify(s.name)} overlapping the one before it`);
    if (s.begin > at) throw bad(filename, `has a gap of ${s.begin - at} bytes before tensor ${JSON.stringify(s.name)}`);
    at = s.end;
  }
  if (at !== dataSize) throw bad(filename, `declares ${at} bytes of tensor data, but ${dataSize} follow the header`);
  return { headerLength: n, tensors: spans.length, metadata };
}
