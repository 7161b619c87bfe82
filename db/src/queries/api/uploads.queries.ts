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
  const photos = await db
    .delete(uploads)
    .where(and(isNull(uploads.consumedAt), lt(uploads.expiresAt, expiredBefore)))
    .returning({ objectKey: uploads.objectKey });
  const files = await db.delete(modelImportUploads).where(lt(modelImportUploads.expiresAt, expiredBefore)).returning({ objectKey: modelImportUploads.objectKey });
  return [...photos, ...files].map((r) => r.objectKey);
}
