import * as Minio from "minio";
import type { ApiConfig } from "../config.js";

/** Object storage (MinIO or any S3). Only keys and hashes live in PostgreSQL. */
export class StorageRepository {
  private readonly client: Minio.Client;

  constructor(private readonly config: Pick<ApiConfig, "S3_ENDPOINT" | "S3_ACCESS_KEY" | "S3_SECRET_KEY" | "S3_BUCKET" | "S3_REGION">) {
    const url = new URL(config.S3_ENDPOINT);
    this.client = new Minio.Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
      useSSL: url.protocol === "https:",
      accessKey: config.S3_ACCESS_KEY,
      secretKey: config.S3_SECRET_KEY,
      region: config.S3_REGION,
    });
  }

  get bucket(): string {
    return this.config.S3_BUCKET;
  }

  /** True when the bucket exists; throws when storage is unreachable or refuses the credentials. */
  bucketExists(): Promise<boolean> {
    return this.client.bucketExists(this.config.S3_BUCKET);
  }
}
