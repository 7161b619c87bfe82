import { and, isNull, lt } from "drizzle-orm";
import type { Database } from "../../client.js";
import { uploads } from "../../schema/images.js";
import { modelImportUploads } from "../../schema/transfers.js";

/**
 * Abandoned uploads (docs/security-uploads.md, "Lifecycle"): photo uploads never added and import
 * uploads never imported, whose consumption deadline (`expiresAt` + the staging TTL) is before
 * `deadline`. Deletes the rows and returns their staging object keys for the caller to remove.
 * Consumed photo uploads are kept (their staging object was deleted when they were validated).
 */
export async function deleteAbandonedUploads(db: Database, expiredBefore: Date): Promise<string[]> {
  return (await deleteAbandonedUploadRows(db, expiredBefore)).map((r) => r.objectKey);
}

/** deleteAbandonedUploads, with each import upload's S3 multipart upload id (to abort) where it had one. */
export async function deleteAbandonedUploadRows(db: Database, expiredBefore: Date): Promise<{ objectKey: string; s3UploadId: string | null }[]> {
  const photos = await db
    .delete(uploads)
    .where(and(isNull(uploads.consumedAt), lt(uploads.expiresAt, expiredBefore)))
    .returning({ objectKey: uploads.objectKey });
  const files = await db
    .delete(modelImportUploads)
    .where(lt(modelImportUploads.expiresAt, expiredBefore))
    .returning({ objectKey: modelImportUploads.objectKey, s3UploadId: modelImportUploads.s3UploadId });
  return [...photos.map((r) => ({ ...r, s3UploadId: null })), ...files];
}
