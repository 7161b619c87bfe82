import * as Minio from "minio";
import type { ApiConfig } from "../config.js";

type StorageConfig = Pick<
  ApiConfig,
  "S3_ENDPOINT" | "S3_ACCESS_KEY" | "S3_SECRET_KEY" | "S3_BUCKET" | "S3_REGION" | "S3_PUBLIC_ENDPOINT" | "PRESIGN_EXPIRY_SECONDS"
>;

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

  presignPut(key: string): Promise<string> {
    return this.presigner.presignedPutObject(this.bucket, key, this.expirySeconds);
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

  /** `length` bytes from `offset` (a range GET: never the whole object). */
  async range(key: string, offset: number, length: number): Promise<Buffer> {
    const stream = await this.client.getPartialObject(this.bucket, key, offset, length);
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
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
