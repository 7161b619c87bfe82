import type { ApiConfig } from "../config.js";
import type { ApiData } from "../data.js";
import type { StorageRepository } from "../ports/storage.js";

type Log = (level: "info" | "warn" | "error", msg: string) => void;

/**
 * Abandoned uploads expire (docs/security-uploads.md, "Lifecycle"), in two layers:
 *
 * - This sweeper, every UPLOAD_SWEEP_INTERVAL_MS in each API process (idempotent, so replicas may
 *   overlap): deletes upload rows never consumed whose URL expired more than UPLOAD_STAGING_TTL_SECONDS
 *   ago, and every staging object (prefix uploads/) last written before that deadline could still
 *   apply (so also objects POSTed again after their upload was added). Minute precision, and it
 *   cleans the database too.
 * - A bucket lifecycle rule set at start (UPLOAD_LIFECYCLE_DAYS, default 1 day) expiring uploads/:
 *   the backstop when no API runs, done by storage itself. Day granularity only, hence the sweeper.
 */
export class UploadSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly data: Pick<ApiData, "deleteAbandonedUploadRows">,
    private readonly storage: StorageRepository,
    private readonly config: Pick<ApiConfig, "UPLOAD_SWEEP_INTERVAL_MS" | "UPLOAD_LIFECYCLE_DAYS">,
    private readonly log: Log,
  ) {}

  /** Sets the lifecycle rule (a refusal, e.g. a storage account without lifecycle rights, is logged) and starts sweeping. */
  async start(): Promise<void> {
    try {
      await this.storage.ensureStagingLifecycle(this.config.UPLOAD_LIFECYCLE_DAYS);
    } catch (err) {
      this.log("warn", `uploads: cannot set the staging lifecycle rule (the sweeper still runs): ${(err as Error).message}`);
    }
    if (this.config.UPLOAD_SWEEP_INTERVAL_MS <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err: Error) => this.log("warn", `uploads: sweep failed (will retry): ${err.message}`))
        .finally(() => (this.running = null));
    }, this.config.UPLOAD_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** One pass; returns how many rows and objects it removed. */
  async sweep(now = Date.now()): Promise<{ rows: number; objects: number }> {
    const ttlMs = this.storage.stagingTtlSeconds * 1000;
    // a row's deadline is expiresAt + TTL
    const rows = await this.data.deleteAbandonedUploadRows(new Date(now - ttlMs));
    const keys = rows.map((r) => r.objectKey);
    // a multipart import never assembled: abort it, so storage drops its parts
    for (const r of rows) if (r.s3UploadId) await this.storage.abortMultipart(r.objectKey, r.s3UploadId);
    // an object is written after its upload was created, so its deadline is at most lastModified + URL life + TTL
    const stale = await this.storage.stagingOlderThan(new Date(now - ttlMs - this.storage.uploadExpirySeconds * 1000));
    const objects = [...new Set([...keys, ...stale])];
    await this.storage.remove(...objects);
    if (keys.length || objects.length) this.log("info", `uploads: removed ${keys.length} abandoned upload(s) and ${objects.length} staging object(s)`);
    return { rows: keys.length, objects: objects.length };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
