import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/**
 * The client's address for rate limits. Without trusted proxies (TRUST_PROXY=0, the default) it is the
 * TCP peer and X-Forwarded-For is ignored: any client can write that header. With TRUST_PROXY=N (N
 * reverse proxies, each appending the address it received from), it is the N-th address from the right
 * of X-Forwarded-For (the farthest one when there are fewer); an entry that is not an IP falls back to
 * the peer. IPv4-mapped IPv6 addresses count as IPv4, and IPv6 addresses by their /64 (one host
 * usually holds a whole /64, so counting single addresses would let it rotate through 2^64 of them).
 */
export function clientIp(req: Pick<IncomingMessage, "headers"> & { socket: { remoteAddress?: string | undefined } }, trustedProxies: number): string {
  let ip = req.socket.remoteAddress ?? "";
  if (trustedProxies > 0) {
    const raw = req.headers["x-forwarded-for"];
    const hops = (Array.isArray(raw) ? raw.join(",") : (raw ?? ""))
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (hops.length > 0) {
      const candidate = hops[Math.max(0, hops.length - trustedProxies)]!;
      if (isIP(stripZone(candidate))) ip = candidate;
    }
  }
  return normalizeIp(ip);
}

function stripZone(ip: string): string {
  const i = ip.indexOf("%");
  return i < 0 ? ip : ip.slice(0, i);
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; an IPv6 address → its /64 (`2001:db8:0:1::/64`); anything else unchanged. */
export function normalizeIp(ip: string): string {
  const bare = stripZone(ip.trim());
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1]!;
  if (isIP(bare) !== 6) return bare || "unknown";
  if (bare === "::1") return "::1";
  const groups = expandIpv6(bare);
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

function expandIpv6(ip: string): string[] {
  let s = ip.toLowerCase();
  // an embedded IPv4 tail (::1.2.3.4) → two groups
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    s = s.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array(8 - h.length - t.length).fill("0");
  return [...h, ...zeros, ...t].map((g) => g.padStart(4, "0"));
}
