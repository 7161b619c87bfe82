import { STAGING_PREFIX } from "@studio/db";
import { createHash } from "node:crypto";
import * as Minio from "minio";
import type { ApiConfig } from "../config.js";

type StorageConfig = Pick<ApiConfig, "S3_ENDPOINT" | "S3_ACCESS_KEY" | "S3_SECRET_KEY" | "S3_BUCKET" | "S3_REGION" | "S3_PUBLIC_ENDPOINT" | "PRESIGN_EXPIRY_SECONDS"> &
  Partial<Pick<ApiConfig, "UPLOAD_URL_EXPIRY_SECONDS" | "UPLOAD_STAGING_TTL_SECONDS">>;

/**
 * Every client upload lands under STAGING_PREFIX (@studio/db object-keys; docs/security-uploads.md).
 * Clients can only ever write there, through a presigned POST whose policy pins the key, the exact size
 * and the Content-Type; validated bytes are copied server-side to keys outside it, which no client can write.
 */
export { STAGING_PREFIX };
/** The ID of the bucket lifecycle rule that expires abandoned staging objects. */
export const STAGING_LIFECYCLE_RULE = "studio-expire-staging-uploads";

/** A presigned upload: POST multipart/form-data to `url` with every field of `fields`, then the file as `file`. */
export interface PresignedUpload {
  url: string;
  fields: Record<string, string>;
  expiresAt: Date;
}

/** S3's CopyObject limit; larger objects are copied part by part (UploadPartCopy). */
const SINGLE_COPY_MAX = 5 * 2 ** 30;

function client(endpoint: string, c: StorageConfig): Minio.Client {
  const url = new URL(endpoint);
  return new Minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
    useSSL: url.protocol === "https:",
    accessKey: c.S3_ACCESS_KEY,
    secretKey: c.S3_SECRET_KEY,
    // a fixed region also keeps presigning offline (no bucket-location lookup)
    region: c.S3_REGION,
  });
}

/** Object storage (MinIO or any S3). Only keys and hashes live in PostgreSQL. */
export class StorageRepository {
  private readonly client: Minio.Client;
  /** Signs URLs for the endpoint browsers reach (the signature covers the host). */
  private readonly presigner: Minio.Client;

  constructor(private readonly config: StorageConfig) {
    this.client = client(config.S3_ENDPOINT, config);
    this.presigner = config.S3_PUBLIC_ENDPOINT ? client(config.S3_PUBLIC_ENDPOINT, config) : this.client;
  }

  get bucket(): string {
    return this.config.S3_BUCKET;
  }

  get expirySeconds(): number {
    return this.config.PRESIGN_EXPIRY_SECONDS ?? 300;
  }

  /** True when the bucket exists; throws when storage is unreachable or refuses the credentials. */
  bucketExists(): Promise<boolean> {
    return this.client.bucketExists(this.config.S3_BUCKET);
  }

  get uploadExpirySeconds(): number {
    return this.config.UPLOAD_URL_EXPIRY_SECONDS ?? 300;
  }

  /** After an upload's URL expired, how long it may still be consumed (then it is abandoned). */
  get stagingTtlSeconds(): number {
    return this.config.UPLOAD_STAGING_TTL_SECONDS ?? 3600;
  }

  /** Whether an upload whose URL expires at `expiresAt` is past its consumption deadline. */
  abandoned(expiresAt: Date, now = Date.now()): boolean {
    return expiresAt.getTime() + this.stagingTtlSeconds * 1000 < now;
  }

  /**
   * A presigned POST policy for exactly one staging key: storage refuses any other key, any size but
   * `byteSize` (content-length-range [n, n]) and any Content-Type but `contentType`, and refuses the
   * form after `uploadExpirySeconds`.
   */
  async presignUpload(key: string, contentType: string, byteSize: number): Promise<PresignedUpload> {
    if (!key.startsWith(STAGING_PREFIX)) throw new Error(`refusing to presign an upload outside ${STAGING_PREFIX}: ${key}`);
    const policy = this.presigner.newPostPolicy();
    const expiresAt = new Date(Date.now() + this.uploadExpirySeconds * 1000);
    policy.setBucket(this.bucket);
    policy.setKey(key);
    policy.setContentType(contentType);
    policy.setContentLengthRange(byteSize, byteSize);
    policy.setExpires(expiresAt);
    const { postURL, formData } = await this.presigner.presignedPostPolicy(policy);
    return { url: postURL, fields: { ...formData }, expiresAt };
  }

  /** Size, ETag and modification time of a stored object, or null when there is none. */
  /** Starts an S3 multipart upload of one staging key (a model import over the single-POST limit). */
  async startMultipart(key: string, contentType: string): Promise<string> {
    if (!key.startsWith(STAGING_PREFIX)) throw new Error(`refusing to start an upload outside ${STAGING_PREFIX}: ${key}`);
    return this.client.initiateNewMultipartUpload(this.bucket, key, { "Content-Type": contentType });
  }

  /** A presigned PUT of one part (1-based) of a multipart upload: only that key, upload and part number. */
  presignPart(key: string, uploadId: string, partNumber: number, expirySeconds: number): Promise<string> {
    return this.presigner.presignedUrl("PUT", this.bucket, key, expirySeconds, { uploadId, partNumber: String(partNumber) });
  }

  /** The parts uploaded so far (number, size, ETag), in part order. */
  async listParts(key: string, uploadId: string): Promise<{ part: number; size: number; etag: string }[]> {
    // minio's listParts is `protected` in its typings (it pages through ListParts for us)
    const list = (this.client as unknown as { listParts(b: string, k: string, u: string): Promise<{ part: number; size: number; etag: string }[]> }).listParts;
    const parts = await list.call(this.client, this.bucket, key, uploadId);
    return parts.map((p) => ({ part: p.part, size: Number(p.size), etag: p.etag })).sort((a, b) => a.part - b.part);
  }

  async completeMultipart(key: string, uploadId: string, parts: { part: number; etag: string }[]): Promise<void> {
    await this.client.completeMultipartUpload(this.bucket, key, uploadId, parts);
  }

  /** Aborts a multipart upload (its parts are deleted); one that is already gone is fine. */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch((err: { code?: string }) => {
      if (err.code !== "NoSuchUpload") throw err;
    });
  }

  async stat(key: string): Promise<{ size: number; etag: string; lastModified: Date } | null> {
    try {
      const s = await this.client.statObject(this.bucket, key);
      return { size: s.size, etag: s.etag, lastModified: s.lastModified };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "NotFound" || code === "NoSuchKey") return null;
      throw err;
    }
  }

  /**
   * Server-side copy of `from` to `to`, only if `from` still has ETag `etag` (what was checked is
   * what is copied). Objects over 5 GiB are copied part by part.
   */
  async copy(from: string, to: string, etag: string, size: number): Promise<void> {
    const source = new Minio.CopySourceOptions({ Bucket: this.bucket, Object: from, MatchETag: etag });
    const dest = new Minio.CopyDestinationOptions({ Bucket: this.bucket, Object: to });
    if (size <= SINGLE_COPY_MAX) await this.client.copyObject(source, dest);
    else await this.client.composeObject(dest, [source]);
  }

  /** sha256 and size of a stored object, streamed (constant memory, any size). */
  async hash(key: string): Promise<{ sha256: string; size: number }> {
    const stream = await this.client.getObject(this.bucket, key);
    const h = createHash("sha256");
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      h.update(chunk);
      size += chunk.length;
    }
    return { sha256: h.digest("hex"), size };
  }

  /** Staging objects last written before `before` (for the sweeper). */
  async stagingOlderThan(before: Date): Promise<string[]> {
    const out: string[] = [];
    const list = this.client.listObjectsV2(this.bucket, STAGING_PREFIX, true) as AsyncIterable<{ name?: string; lastModified?: Date }>;
    for await (const o of list) if (o.name && o.lastModified && o.lastModified < before) out.push(o.name);
    return out;
  }

  /**
   * Sets (or replaces) the bucket lifecycle rule that expires staging objects after `days`, keeping
   * any other rules the operator configured. 0 removes the rule.
   */
  async ensureStagingLifecycle(days: number): Promise<void> {
    const current = await this.client.getBucketLifecycle(this.bucket).catch((err: { code?: string }) => {
      if (err.code === "NoSuchLifecycleConfiguration") return null;
      throw err;
    });
    // one rule parses as an object, several as an array
    const others = (current?.Rule ? [current.Rule].flat() : []).filter((r) => r.ID !== STAGING_LIFECYCLE_RULE);
    const rules = days > 0 ? [...others, { ID: STAGING_LIFECYCLE_RULE, Status: "Enabled", Filter: { Prefix: STAGING_PREFIX }, Expiration: { Days: days } }] : others;
    if (rules.length === 0) await this.client.removeBucketLifecycle(this.bucket);
    else await this.client.setBucketLifecycle(this.bucket, { Rule: rules });
  }

  presignGet(key: string, downloadName?: string): Promise<string> {
    const params: Record<string, string> = {};
    if (downloadName) params["response-content-disposition"] = `attachment; filename="${downloadName}"`;
    return this.presigner.presignedGetObject(this.bucket, key, this.expirySeconds, params);
  }

  /** Size of a stored object, or null when there is none. */
  async size(key: string): Promise<number | null> {
    try {
      return (await this.client.statObject(this.bucket, key)).size;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "NotFound" || code === "NoSuchKey") return null;
      throw err;
    }
  }

  /** Reads a whole object, refusing more than `maxBytes`. */
  async get(key: string, maxBytes: number): Promise<Buffer> {
    const stream = await this.client.getObject(this.bucket, key);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        (stream as { destroy?: () => void }).destroy?.();
        throw new Error(`object ${key} is larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  /**
   * `length` bytes from `offset` (a range GET: never the whole object). The bytes are streamed into
   * one buffer of `length`; a response longer than asked for is cut off, never buffered.
   */
  async range(key: string, offset: number, length: number): Promise<Buffer> {
    const stream = await this.client.getPartialObject(this.bucket, key, offset, length);
    const out = Buffer.allocUnsafe(length);
    let at = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const take = Math.min(chunk.length, length - at);
      chunk.copy(out, at, 0, take);
      at += take;
      if (at >= length) {
        (stream as { destroy?: () => void }).destroy?.();
        break;
      }
    }
    return out.subarray(0, at);
  }

  /** The object as a stream (for piping large files through the API with backpressure). */
  stream(key: string): Promise<NodeJS.ReadableStream> {
    return this.client.getObject(this.bucket, key);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.putObject(this.bucket, key, body, body.length, { "Content-Type": contentType });
  }

  /** Deletes objects; missing ones are not an error. */
  async remove(...keys: string[]): Promise<void> {
    if (keys.length > 0) await this.client.removeObjects(this.bucket, keys);
  }
}
