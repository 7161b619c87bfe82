import { describe, expect, it } from "vitest";
import { clientIp, normalizeIp } from "./client-ip.js";

const req = (remoteAddress: string, xff?: string | string[]) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { "x-forwarded-for": xff } });

describe("client IP", () => {
  it("is the TCP peer unless proxies are trusted; X-Forwarded-For is ignored by default", () => {
    expect(clientIp(req("10.0.0.5", "1.2.3.4"), 0)).toBe("10.0.0.5");
    expect(clientIp(req("::ffff:127.0.0.1"), 0)).toBe("127.0.0.1");
  });

  it("with N trusted proxies: the N-th address from the right (a client-written prefix is ignored)", () => {
    expect(clientIp(req("10.0.0.1", "6.6.6.6, 1.2.3.4"), 1)).toBe("1.2.3.4");
    expect(clientIp(req("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.9"), 2)).toBe("1.2.3.4");
    expect(clientIp(req("10.0.0.1", ["6.6.6.6", "1.2.3.4"]), 1)).toBe("1.2.3.4");
    // fewer entries than proxies: the farthest one
    expect(clientIp(req("10.0.0.1", "1.2.3.4"), 3)).toBe("1.2.3.4");
    // no header, or garbage: the peer
    expect(clientIp(req("10.0.0.1"), 1)).toBe("10.0.0.1");
    expect(clientIp(req("10.0.0.1", "not-an-ip"), 1)).toBe("10.0.0.1");
  });

  it("counts IPv6 addresses by their /64", () => {
    expect(normalizeIp("2001:db8:0:1:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:0:1::/64");
    expect(normalizeIp("2001:db8:0:1::7")).toBe("2001:db8:0:1::/64");
    expect(normalizeIp("2001:db8::")).toBe("2001:db8:0:0::/64");
    expect(normalizeIp("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(normalizeIp("::1")).toBe("::1");
    expect(normalizeIp("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(normalizeIp("")).toBe("unknown");
  });
});
