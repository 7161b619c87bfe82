import { createHmac, timingSafeEqual } from "node:crypto";

/** Who fetched an archive URL: the API key or the share link it was issued to (re-checked at download). */
export interface ArchiveGrant {
  kind: "key" | "link";
  id: string;
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/**
 * Short-lived signed tokens for export archive URLs (`/exports/{id}.tar?token=…`): a browser link
 * carries no Authorization header, so the URL itself is the permission — issued only after the caller
 * was authorized to read the export, bound to that export id and to the caller's key or share link
 * (so the download re-checks that it is still valid: docs/security-privileges.md), and expiring.
 * Format: `{expiry}.{k|l}{grant id}.{hmac}`.
 */
export class ArchiveTokens {
  constructor(
    private readonly secret: Buffer,
    private readonly ttlSeconds: number,
  ) {}

  private mac(exportId: string, expires: number, grant: string): string {
    return createHmac("sha256", this.secret).update(`export-archive\n${exportId}\n${expires}\n${grant}`).digest("base64url");
  }

  issue(exportId: string, grant: ArchiveGrant, now = Date.now()): { token: string; expiresAt: Date } {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    const g = `${grant.kind === "key" ? "k" : "l"}${grant.id.toLowerCase()}`;
    return { token: `${expires}.${g}.${this.mac(exportId, expires, g)}`, expiresAt: new Date(expires * 1000) };
  }

  /** The grant of an unexpired token issued for this export by a process holding the same secret; else null. */
  verify(exportId: string, token: string, now = Date.now()): ArchiveGrant | null {
    const m = new RegExp(`^(\\d{1,12})\\.([kl]${UUID})\\.([A-Za-z0-9_-]{43})$`).exec(token);
    if (!m) return null;
    const expires = Number(m[1]);
    if (expires * 1000 < now) return null;
    const want = Buffer.from(this.mac(exportId, expires, m[2]!));
    const got = Buffer.from(m[3]!);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    return { kind: m[2]![0] === "k" ? "key" : "link", id: m[2]!.slice(1) };
  }
}
