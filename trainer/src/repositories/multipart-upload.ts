import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import type * as Minio from "minio";

/** S3's rules for a multipart upload: parts of at least 5 MiB (but the last), at most 5 GiB, at most 10 000; objects up to 5 TiB. */
export const MIN_PART_BYTES = 5 * 2 ** 20;
export const MAX_OBJECT_BYTES = 5 * 2 ** 40;
export const MAX_PART_BYTES = 5 * 2 ** 30;
export const MAX_PARTS = 10_000;

/** How a large file goes up (docs/checkpoint-uploads.md). */
export interface UploadTuning {
  /** Files larger than this use a parallel multipart upload; smaller ones a single PUT. */
  thresholdBytes: number;
  /** Bytes per part (the last part is shorter); raised when a file would need more than MAX_PARTS parts. */
  partBytes: number;
  /** Parts in flight at once: memory is bounded by concurrency × part size. */
  concurrency: number;
  /** Tries per part before the whole upload is given up (and aborted). */
  attempts: number;
  /** Wait before a part's second try; doubled for each further try. */
  retryDelayMs: number;
}

export const DEFAULT_UPLOAD_TUNING: UploadTuning = {
  thresholdBytes: 64 * 2 ** 20,
  partBytes: 32 * 2 ** 20,
  concurrency: 4,
  attempts: 3,
  retryDelayMs: 250,
};

/** The part size actually used for `size` bytes (≥ the wanted size, ≥ 5 MiB, ≤ 10 000 parts, in whole MiB when raised) and the part count. */
export function planParts(size: number, wantedPartBytes: number): { partBytes: number; count: number } {
  if (size > MAX_OBJECT_BYTES) throw new Error(`${size} bytes exceed S3's largest object (${MAX_OBJECT_BYTES} bytes)`);
  let partBytes = Math.max(MIN_PART_BYTES, wantedPartBytes);
  if (Math.ceil(size / partBytes) > MAX_PARTS) partBytes = Math.ceil(size / MAX_PARTS / 2 ** 20) * 2 ** 20;
  if (partBytes > MAX_PART_BYTES) throw new Error(`${size} bytes do not fit in ${MAX_PARTS} parts of at most ${MAX_PART_BYTES} bytes`);
  return { partBytes, count: Math.max(1, Math.ceil(size / partBytes)) };
}

/** S3 answers that another try cannot change. */
const PERMANENT = new Set(["AccessDenied", "NoSuchUpload", "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", "EntityTooSmall", "EntityTooLarge", "InvalidPart"]);

/**
 * The minio-js 8 calls used. All four are methods typed on `Client` in the pinned 8.0.7 and are what
 * minio's own composeObject/putObject run on (initiateNewMultipartUpload carries an `@internal` doc tag,
 * the others are plain public methods). Preferred over presigned part URLs with fetch: the client keeps
 * its signing (including the signed x-amz-content-sha256 of every part over plain HTTP, so storage
 * refuses a part corrupted on the way), region handling and credentials refresh, and initiate/complete/
 * abort would need the client anyway. A major minio upgrade must re-check these signatures.
 */
export type MultipartClient = Pick<Minio.Client, "initiateNewMultipartUpload" | "uploadPart" | "completeMultipartUpload" | "abortMultipartUpload">;

/**
 * Uploads the first `size` bytes of `file` to `objectKey` as a multipart upload with up to
 * `tuning.concurrency` parts in flight, and returns the sha256 of the bytes sent.
 *
 * Parts are read from the file by position, one after another in file order, into at most
 * `concurrency` part buffers that are reused (so memory is concurrency × part size plus a constant,
 * whatever the file's size); each part is hashed as it is read, which makes the hash the whole file's
 * in order without a second read. A part that fails is retried (`attempts`, with backoff); when one
 * fails for good, or the file turns out shorter than `size`, no new part starts, the ones in flight
 * finish, and the multipart upload is aborted so storage keeps no parts of it. The error is rethrown.
 */
export async function uploadFileMultipart(
  client: MultipartClient,
  bucket: string,
  objectKey: string,
  file: string,
  size: number,
  contentType: string,
  tuning: UploadTuning,
): Promise<string> {
  const { partBytes, count } = planParts(size, tuning.partBytes);
  const hash = createHash("sha256");
  const etags: { part: number; etag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  /** Part buffers not in use: a new one is made only when none is free, so never more than `concurrency`. */
  const free: Buffer[] = [];
  let failure: unknown = null;
  let uploadId: string | undefined;
  let fh: FileHandle | undefined;

  const sendPart = async (part: number, body: Buffer): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await client.uploadPart({ bucketName: bucket, objectName: objectKey, uploadID: uploadId!, partNumber: part, headers: {} }, body);
        if (!res.etag) throw new Error(`storage returned no ETag for part ${part}`);
        return res.etag;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= tuning.attempts || failure || (code && PERMANENT.has(code))) throw err;
        await new Promise((r) => setTimeout(r, tuning.retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  };

  try {
    fh = await open(file, "r");
    uploadId = await client.initiateNewMultipartUpload(bucket, objectKey, { "Content-Type": contentType });
    for (let i = 0; i < count && !failure; i++) {
      while (inFlight.size >= tuning.concurrency) await Promise.race(inFlight);
      if (failure) break;
      const buffer = free.pop() ?? Buffer.allocUnsafe(partBytes);
      const start = i * partBytes;
      const body = buffer.subarray(0, Math.min(partBytes, size - start));
      await readFully(fh, body, start, file);
      hash.update(body);
      const part = i + 1;
      const done: Promise<void> = sendPart(part, body)
        .then(
          (etag) => void etags.push({ part, etag }),
          (err: unknown) => void (failure ??= err),
        )
        .finally(() => {
          inFlight.delete(done);
          free.push(buffer);
        });
      inFlight.add(done);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    etags.sort((a, b) => a.part - b.part);
    await client.completeMultipartUpload(bucket, objectKey, uploadId, etags);
    return hash.digest("hex");
  } catch (err) {
    await Promise.allSettled(inFlight);
    if (uploadId) {
      await client.abortMultipartUpload(bucket, objectKey, uploadId).catch((abortErr: Error) => {
        if (err instanceof Error) err.message += ` (and aborting multipart upload ${uploadId} failed: ${abortErr.message})`;
      });
    }
    throw err;
  } finally {
    await fh?.close();
  }
}

/** Fills `into` from `position`; a file shorter than announced is an error (it changed while uploading). */
async function readFully(fh: FileHandle, into: Buffer, position: number, file: string): Promise<void> {
  let got = 0;
  while (got < into.length) {
    const { bytesRead } = await fh.read(into, got, into.length - got, position + got);
    if (bytesRead === 0) throw new Error(`${file} ended at byte ${position + got} while uploading (it changed after it was measured)`);
    got += bytesRead;
  }
}
