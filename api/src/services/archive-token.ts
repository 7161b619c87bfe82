import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Short-lived signed tokens for export archive URLs (`/exports/{id}.tar?token=…`): a browser link
 * carries no Authorization header, so the URL itself is the permission — issued only after the caller
 * was authorized to read the export, bound to that export id, and expiring. Format: `{expiry}.{hmac}`.
 */
export class ArchiveTokens {
  constructor(
    private readonly secret: Buffer,
    private readonly ttlSeconds: number,
  ) {}

  private mac(exportId: string, expires: number): string {
    return createHmac("sha256", this.secret).update(`export-archive\n${exportId}\n${expires}`).digest("base64url");
  }

  issue(exportId: string, now = Date.now()): { token: string; expiresAt: Date } {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    return { token: `${expires}.${this.mac(exportId, expires)}`, expiresAt: new Date(expires * 1000) };
  }

  /** True for an unexpired token issued for this export by a process holding the same secret. */
  verify(exportId: string, token: string, now = Date.now()): boolean {
    const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return false;
    const expires = Number(m[1]);
    if (expires * 1000 < now) return false;
    const want = Buffer.from(this.mac(exportId, expires));
    const got = Buffer.from(m[2]!);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
