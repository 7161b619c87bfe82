/**
 * The dashboard's response headers (docs/security-privileges.md): a per-request nonce CSP that lets
 * only Next.js's own scripts run, talks only to the API (HTTP + WebSocket) and the object storage
 * (photo uploads and images), and may not be framed; no Referer leaves the page (a share-link page's
 * URL carries its token). Shared by `src/proxy.ts` (pages) and `next.config.ts` (every response).
 */
export const STATIC_SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "no-referrer" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
];

function origin(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function contentSecurityPolicy(opts: { nonce: string; apiUrl: string; storageUrl?: string | undefined; dev?: boolean }): string {
  const api = origin(opts.apiUrl);
  const ws = api?.replace(/^http/, "ws") ?? null;
  // Without DASHBOARD_STORAGE_URL the storage host is unknown: any http(s) origin, for images and uploads only.
  const storage = origin(opts.storageUrl) ?? "http: https:";
  const directives: [string, string[]][] = [
    ["default-src", ["'self'"]],
    ["script-src", ["'self'", `'nonce-${opts.nonce}'`, "'strict-dynamic'", ...(opts.dev ? ["'unsafe-eval'"] : [])]],
    // React sets style attributes; styles cannot run code
    ["style-src", ["'self'", "'unsafe-inline'"]],
    ["img-src", ["'self'", "data:", "blob:", storage]],
    ["font-src", ["'self'"]],
    ["connect-src", ["'self'", ...(api ? [api, ws!] : []), storage]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'self'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
  ];
  return directives.map(([k, v]) => `${k} ${[...new Set(v)].join(" ")}`).join("; ");
}
