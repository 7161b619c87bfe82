import type { StorageRepository } from "../ports/storage.js";

/**
 * Short-lived presigned GET URLs. Callers resolve the row through the caller's team first, so a URL
 * is only ever issued after authorization.
 */
export class MediaService {
  constructor(private readonly storage: StorageRepository) {}

  url(objectKey: string): Promise<string> {
    return this.storage.presignGet(objectKey);
  }

  download(objectKey: string, filename: string): Promise<string> {
    return this.storage.presignGet(objectKey, filename.replace(/[^A-Za-z0-9._-]/g, "_"));
  }
}
