import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { PassThrough, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as Minio from "minio";
import type { TrainerConfig } from "../config.js";
import { DEFAULT_UPLOAD_TUNING, MIN_PART_BYTES, uploadFileMultipart, type UploadTuning } from "./multipart-upload.js";

/**
 * Storage failed in a way that is not the run's fault (unreachable, refused, wrong size), or an input
 * is not the bytes the API validated (INPUT_VERIFY_FAILED: size or sha256 differ from the record).
 */
export class StorageError extends Error {
  constructor(
    readonly code: "STORAGE_UNAVAILABLE" | "CHECKPOINT_VERIFY_FAILED" | "INPUT_VERIFY_FAILED",
    message: string,
  ) {
    super(message);
  }
}

/** What an input must be: the size and sha256 recorded when it was validated (or written). */
export interface ExpectedObject {
  sizeBytes: number;
  /** Absent only on records made before hashes were kept; then only the size is checked. */
  sha256?: string | null | undefined;
}

export interface UploadedObject {
  objectKey: string;
  sizeBytes: number;
  /** sha256 of the bytes actually sent, computed while streaming. */
  sha256: string;
}

/**
 * Object storage (MinIO or any S3) for the trainer: subject photos in, samples, checkpoints and
 * generated images out. Everything streams: checkpoint files can be gigabytes, so nothing here reads
 * a whole file into memory. Files above `thresholdBytes` go up as a parallel multipart upload with
 * bounded memory (multipart-upload.ts, docs/checkpoint-uploads.md); smaller ones in a single PUT.
 */
export class StorageRepository {
  private readonly client: Minio.Client;
  private readonly bucket: string;
  private readonly tuning: UploadTuning;

  /** `tuning` overrides the upload settings (tests: small thresholds and parts); config's TRAINER_UPLOAD_* come next. */
  constructor(
    config: Pick<TrainerConfig, "S3_ENDPOINT" | "S3_ACCESS_KEY" | "S3_SECRET_KEY" | "S3_BUCKET" | "S3_REGION"> &
      Partial<Pick<TrainerConfig, "TRAINER_UPLOAD_CONCURRENCY" | "TRAINER_UPLOAD_PART_BYTES">>,
    tuning: Partial<UploadTuning> = {},
  ) {
    const url = new URL(config.S3_ENDPOINT);
    this.client = new Minio.Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
      useSSL: url.protocol === "https:",
      accessKey: config.S3_ACCESS_KEY,
      secretKey: config.S3_SECRET_KEY,
      region: config.S3_REGION,
    });
    this.bucket = config.S3_BUCKET;
    this.tuning = {
      ...DEFAULT_UPLOAD_TUNING,
      ...(config.TRAINER_UPLOAD_CONCURRENCY !== undefined && { concurrency: config.TRAINER_UPLOAD_CONCURRENCY }),
      ...(config.TRAINER_UPLOAD_PART_BYTES !== undefined && { partBytes: config.TRAINER_UPLOAD_PART_BYTES }),
      ...tuning,
    };
    const t = this.tuning;
    if (!(t.concurrency >= 1 && t.attempts >= 1 && t.partBytes >= MIN_PART_BYTES && t.thresholdBytes >= 0)) {
      throw new Error(`invalid upload settings ${JSON.stringify(t)}: concurrency and attempts ≥ 1, partBytes ≥ ${MIN_PART_BYTES}`);
    }
  }

  /**
   * Streams `objectKey` to `file`. With `expected`, the bytes are counted and hashed on the way and
   * the download is refused (file deleted, INPUT_VERIFY_FAILED) unless size and sha256 match what
   * was recorded: the trainer never uses bytes other than the ones the API validated.
   */
  async download(objectKey: string, file: string, expected?: ExpectedObject): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    const hash = createHash("sha256");
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        // stop early: a much larger object is refused without writing it all
        if (expected && size > expected.sizeBytes)
          return done(new StorageError("INPUT_VERIFY_FAILED", `${objectKey}: storage holds more than the ${expected.sizeBytes} bytes recorded for it`));
        done(null, chunk);
      },
    });
    try {
      const body = await this.client.getObject(this.bucket, objectKey);
      await pipeline(body, counter, createWriteStream(file));
    } catch (err) {
      await rm(file, { force: true });
      if (err instanceof StorageError) throw err;
      throw new StorageError("STORAGE_UNAVAILABLE", `cannot download ${objectKey}: ${(err as Error).message}`);
    }
    if (!expected) return;
    const sha256 = hash.digest("hex");
    if (size !== expected.sizeBytes || (expected.sha256 && sha256 !== expected.sha256)) {
      await rm(file, { force: true });
      throw new StorageError(
        "INPUT_VERIFY_FAILED",
        `${objectKey}: storage holds ${size} bytes with sha256 ${sha256}, but ${expected.sizeBytes} bytes${expected.sha256 ? ` with sha256 ${expected.sha256}` : ""} were recorded when it was validated`,
      );
    }
  }

  /**
   * Sends `file` to `objectKey`, hashing the bytes on their way out, then asks storage for the
   * object's size: an upload is only trusted once storage confirms it holds every byte. Above
   * `thresholdBytes`: a parallel multipart upload (aborted on failure, so no parts are left behind).
   */
  async upload(file: string, objectKey: string, contentType: string): Promise<UploadedObject> {
    const { size } = await stat(file);
    let sha256: string;
    try {
      sha256 =
        size > this.tuning.thresholdBytes
          ? await uploadFileMultipart(this.client, this.bucket, objectKey, file, size, contentType, this.tuning)
          : await this.putSingle(file, objectKey, contentType, size);
    } catch (err) {
      throw new StorageError("STORAGE_UNAVAILABLE", `cannot upload ${objectKey}: ${(err as Error).message}`);
    }
    const stored = await this.client.statObject(this.bucket, objectKey).catch((err: Error) => {
      throw new StorageError("STORAGE_UNAVAILABLE", `cannot stat ${objectKey} after upload: ${err.message}`);
    });
    if (stored.size !== size) {
      throw new StorageError("CHECKPOINT_VERIFY_FAILED", `${objectKey}: storage holds ${stored.size} bytes, the file has ${size}`);
    }
    return { objectKey, sizeBytes: size, sha256 };
  }

  /** One stream through minio's putObject (one PUT up to its 64 MiB part size; its own sequential multipart above). */
  private async putSingle(file: string, objectKey: string, contentType: string, size: number): Promise<string> {
    const hash = createHash("sha256");
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const body = new PassThrough();
    try {
      await Promise.all([pipeline(createReadStream(file), tee, body), this.client.putObject(this.bucket, objectKey, body, size, { "Content-Type": contentType })]);
    } catch (err) {
      body.destroy(); // unblocks and closes the file stream if storage gave up first
      throw err;
    }
    return hash.digest("hex");
  }

  /** Deletes objects; missing ones are not an error (a failed import or export cleans up with this). */
  async remove(...keys: string[]): Promise<void> {
    if (keys.length > 0) await this.client.removeObjects(this.bucket, keys);
  }
}
