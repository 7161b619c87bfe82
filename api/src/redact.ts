/**
 * Scrubs a log line of secrets and SQL parameters before it is written (docs/security-front.md):
 * - drizzle's "Failed query: … params: …" keeps the SQL text but not its parameters;
 * - `Bearer …`, API keys (`sk_…`), share-link tokens (`shl_…`), invitation codes (`inv_…`);
 * - 64-hex-digit values (token hashes, sha256 of secrets) and PostgreSQL's `Key (col)=(value)` details;
 * - passwords in connection URLs, presigned-URL signatures and archive `token=` parameters.
 */
const RULES: [RegExp, string | ((...m: string[]) => string)][] = [
  [/(\bparams:)[^\n]*/g, "$1 [redacted]"],
  [/\b(Bearer)\s+\S+/gi, "$1 [redacted]"],
  [/\b(sk|shl|inv)_[A-Za-z0-9_-]+/g, "$1_[redacted]"],
  [/\b[0-9a-f]{64}\b/gi, "[redacted-hash]"],
  [/\b(Key \([^)]*\))=\([^)]*\)/g, "$1=([redacted])"],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+):[^@\s/]+@/gi, "$1:[redacted]@"],
  [/\b(X-Amz-Signature|X-Amz-Credential|token|secret|password)=[^&\s"']+/gi, "$1=[redacted]"],
];

export function redactSecrets(line: string): string {
  let out = line;
  for (const [re, to] of RULES) out = out.replace(re, to as string);
  return out;
}
