/**
 * Cost of the import header check (docs/security-uploads.md, "Bounded work in the API").
 *
 *   cd api && pnpm run bench:safetensors-header
 *
 * Parses (1) a header shaped like a complete single-file SD 2.x checkpoint (1 300 tensors with
 * original-layout key names) and (2) a worst case at the default cap (SAFETENSORS_HEADER_MAX_BYTES,
 * 4 MiB of tiny tensors), and prints JSON: header bytes, tensors, heap growth while parsing and the
 * time the main thread is busy. Run with --expose-gc for steadier heap figures.
 */
import { performance } from "node:perf_hooks";
import { checkHeader, DEFAULT_MAX_HEADER_BYTES } from "../src/lib/safetensors-header.js";

function header(tensors: number, key: (i: number) => string, shape: number[]): { bytes: Buffer; size: number } {
  const entries: Record<string, unknown> = {};
  const n = shape.reduce((a, b) => a * b, 1) * 4;
  for (let i = 0; i < tensors; i++) entries[key(i)] = { dtype: "F32", shape, data_offsets: [i * n, (i + 1) * n] };
  const bytes = Buffer.from(JSON.stringify(entries));
  return { bytes, size: 8 + bytes.length + tensors * n };
}

function measure(name: string, h: { bytes: Buffer; size: number }) {
  (globalThis as { gc?: () => void }).gc?.();
  const heap = process.memoryUsage().heapUsed;
  const t = performance.now();
  const r = checkHeader(h.bytes, h.size, name);
  const ms = performance.now() - t;
  const grew = process.memoryUsage().heapUsed - heap;
  console.log(JSON.stringify({ case: name, headerBytes: h.bytes.length, tensors: r.tensors, heapGrowthMb: +(grew / 2 ** 20).toFixed(1), mainThreadMs: +ms.toFixed(1) }));
}

const blocks = ["input_blocks", "middle_block", "output_blocks"];
measure(
  "sd2-single-file-like",
  header(1300, (i) => `model.diffusion_model.${blocks[i % 3]}.${i % 12}.1.transformer_blocks.0.attn${(i % 2) + 1}.to_${"qkv"[i % 3]}.weight.${i}`, [1280, 1280]),
);
let tensors = 1000;
while (header(tensors, (i) => `w.${i}`, [1]).bytes.length < DEFAULT_MAX_HEADER_BYTES - 64) tensors = Math.floor(tensors * 1.5);
let lo = 1000;
let hi = tensors;
while (hi - lo > 1) {
  const mid = (lo + hi) >> 1;
  if (header(mid, (i) => `w.${i}`, [1]).bytes.length <= DEFAULT_MAX_HEADER_BYTES) lo = mid;
  else hi = mid;
}
measure(
  "worst-case-at-cap",
  header(lo, (i) => `w.${i}`, [1]),
);
