import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "@studio/infra/paths";
import * as Minio from "minio";
import sharp from "sharp";

import { errorOf, gqlAs, okAs } from "./auth.js";
import { services } from "./services.js";

/** The example photos shipped in the repository (examples/README.md: source and licence). */
export const datasetDir = join(repoRoot, "examples");

/** Photo i of the backpack: 0–4 from examples/backpack, 5 (the dataset's sixth) from examples/backpack-extra. */
export function backpackPhoto(i: number): Promise<Buffer> {
  return readFile(join(datasetDir, i < 5 ? "backpack" : "backpack-extra", `${String(i).padStart(2, "0")}.jpg`));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A small valid PNG whose IHDR (CRC recomputed) claims width × height: a decompression bomb's header. */
export async function bombPng(width = 20000, height = 20000): Promise<Buffer> {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#808080" } })
    .png()
    .toBuffer();
  const out = Buffer.from(png);
  // signature (8) + length (4) + "IHDR" (4) → width at 16, height at 20; CRC over type+data at 29
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

export function s3(): Minio.Client {
  const c = services().s3;
  const url = new URL(c.endpoint);
  return new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: c.accessKey, secretKey: c.secretKey, region: "us-east-1" });
}

export async function objectExists(key: string): Promise<boolean> {
  try {
    await s3().statObject(services().s3.bucket, key);
    return true;
  } catch {
    return false;
  }
}

export async function listObjects(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of s3().listObjectsV2(services().s3.bucket, prefix, true) as AsyncIterable<{ name: string }>) out.push(o.name);
  return out;
}

const CREATE_UPLOAD = `mutation($s: ID!, $f: String!, $t: String!, $n: Int!) {
  createImageUpload(subjectId: $s, filename: $f, contentType: $t, byteSize: $n) { uploadId url fields expiresAt } }`;
const ADD_IMAGE = `mutation($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id url width height sha256 byteSize contentType } }`;

/**
 * A presigned POST policy upload as a browser does it: every field the API returned, then the file
 * as `file`. Returns storage's answer (2xx: stored; 4xx with an S3 error document: refused).
 */
export async function postUpload(
  url: string,
  fields: Record<string, string>,
  bytes: Uint8Array,
  opts: { filename?: string; contentType?: string; overrides?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...fields, ...opts.overrides })) form.append(k, v);
  form.append("file", new Blob([bytes], { type: opts.contentType ?? fields["Content-Type"] ?? "application/octet-stream" }), opts.filename ?? "file");
  const res = await fetch(url, { method: "POST", body: form });
  return { status: res.status, body: await res.text() };
}

/** The whole client flow: ask for a presigned POST, POST the fields and bytes, add the image. */
export async function uploadImage(url: string, key: string, subjectId: string, bytes: Buffer, opts: { contentType?: string; filename?: string; declaredSize?: number } = {}) {
  const up = await okAs(url, key, CREATE_UPLOAD, {
    s: subjectId,
    f: opts.filename ?? "photo.jpg",
    t: opts.contentType ?? "image/jpeg",
    n: opts.declaredSize ?? bytes.length,
  });
  const { uploadId, url: postUrl, fields } = up.createImageUpload;
  const stored = await postUpload(postUrl, fields, bytes, { filename: opts.filename ?? "photo.jpg" });
  if (stored.status < 200 || stored.status >= 300) throw new Error(`POST to storage failed: ${stored.status} ${stored.body}`);
  const added = await gqlAs<{ addSubjectImage: Record<string, any> }>(url, key, ADD_IMAGE, { s: subjectId, u: uploadId });
  return { uploadId, postUrl, fields: fields as Record<string, string>, added: added.body, error: errorOf(added.body) };
}
