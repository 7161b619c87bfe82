import { describe, expect, it } from "vitest";
import { parseConfig } from "../config.js";
import { DomainError, notFound, RateLimitedError } from "../errors.js";
import { MemoryBucketStore, type BucketStore } from "./buckets.js";
import { isWrongGuess, RateLimiter } from "./rate-limiter.js";

const env = { DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db", S3_ENDPOINT: "http://127.0.0.1:9000", S3_ACCESS_KEY: "a", S3_SECRET_KEY: "s" };

function limiter(extra: Record<string, string> = {}, store?: BucketStore) {
  let now = 1_000_000;
  const mem = new MemoryBucketStore(() => now);
  const counting = { calls: 0 };
  const s: BucketStore = store ?? {
    take: (t) => {
      counting.calls++;
      return mem.take(t);
    },
    sweep: () => mem.sweep(),
  };
  const logs: string[] = [];
  const l = new RateLimiter(
    s,
    parseConfig({ ...env, ...extra }),
    (_lvl, m) => logs.push(m),
    () => now,
  );
  return { l, advance: (ms: number) => (now += ms), counting, logs };
}

describe("rate limiter", () => {
  it("config: documented defaults, TRUST_PROXY true/false, bad values named", () => {
    const c = parseConfig(env);
    expect([c.RATE_LIMITS, c.TRUST_PROXY, c.RATE_IP_BURST, c.RATE_AUTH_FAIL_BURST, c.RATE_LINK_GENERATIONS_PER_HOUR, c.BUDGET_LINK_MAX_IMAGES]).toEqual(["on", 0, 600, 20, 30, 4]);
    expect(parseConfig({ ...env, TRUST_PROXY: "true" }).TRUST_PROXY).toBe(1);
    expect(parseConfig({ ...env, TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(() => parseConfig({ ...env, TRUST_PROXY: "yes" })).toThrow(/TRUST_PROXY/);
    expect(() => parseConfig({ ...env, RATE_IP_PER_SECOND: "0" })).toThrow(/RATE_IP_PER_SECOND/);
    expect(() => parseConfig({ ...env, BUDGET_LINK_MAX_IMAGES: "17" })).toThrow(/BUDGET_LINK_MAX_IMAGES/);
  });

  it("per IP: the burst, then RATE_LIMITED with retryAfterMs; another IP is unaffected; refills", async () => {
    const { l, advance } = limiter({ RATE_IP_BURST: "3", RATE_IP_PER_SECOND: "2" });
    for (let i = 0; i < 3; i++) expect(await l.admit("1.1.1.1", undefined)).toBeNull();
    expect(await l.admit("1.1.1.1", undefined)).toMatchObject({ scope: "ip", retryAfterMs: 500, limit: 3 });
    expect(await l.admit("2.2.2.2", undefined)).toBeNull();
    advance(500);
    expect(await l.admit("1.1.1.1", undefined)).toBeNull();
  });

  it("per key and per link, separately sized; a refused request charges no other bucket", async () => {
    const { l } = limiter({ RATE_KEY_BURST: "2", RATE_LINK_BURST: "1", RATE_IP_BURST: "100" });
    expect(await l.admit("1.1.1.1", "Bearer sk_a")).toBeNull();
    expect(await l.admit("1.1.1.1", "Bearer sk_a")).toBeNull();
    expect(await l.admit("1.1.1.1", "Bearer sk_a")).toMatchObject({ scope: "key", limit: 2 });
    expect(await l.admit("1.1.1.1", "Bearer sk_b")).toBeNull();
    expect(await l.admit("1.1.1.1", "Bearer shl_x")).toBeNull();
    expect(await l.admit("1.1.1.1", "Bearer shl_x")).toMatchObject({ scope: "link", limit: 1 });
  });

  it("failed authentications: the IP is refused once they are used up, including good keys; others are not", async () => {
    const { l, advance } = limiter({ RATE_AUTH_FAIL_BURST: "2", RATE_AUTH_FAIL_PER_MINUTE: "60" });
    await l.authFailed("6.6.6.6");
    expect(await l.admit("6.6.6.6", "Bearer sk_good")).toBeNull();
    await l.authFailed("6.6.6.6");
    expect(await l.admit("6.6.6.6", "Bearer sk_good")).toMatchObject({ scope: "auth-failures", retryAfterMs: 1000 });
    expect(await l.admit("7.7.7.7", "Bearer sk_good")).toBeNull();
    advance(1000);
    expect(await l.admit("6.6.6.6", "Bearer sk_good")).toBeNull();
  });

  it("HTTP tickets: a new credential is charged up front (a parallel burst of bad keys stops at the burst); a good one gets it back and is not charged again", async () => {
    const { l, counting } = limiter({ RATE_AUTH_FAIL_BURST: "3" });
    const req = (auth: string) => ({ socket: { remoteAddress: "6.6.6.6" }, headers: { authorization: auth } }) as never;
    const bad = await Promise.all(Array.from({ length: 10 }, (_, i) => l.admitHttp(req(`Bearer sk_bad${i}`))));
    expect(bad.filter((r) => r === null)).toHaveLength(3);
    expect(bad.filter((r) => r?.body.errors[0]!.extensions.scope === "auth-failures")).toHaveLength(7);

    const other = limiter({ RATE_AUTH_FAIL_BURST: "3" });
    const good = req("Bearer sk_good");
    for (let i = 0; i < 3; i++) {
      expect(await other.l.admitHttp(good)).toBeNull();
      await other.l.authenticated(other.l.ticketOf(good), "Bearer sk_good", true);
    }
    // charged and given back once; then known good: one statement per request
    expect(other.counting.calls).toBe(4);
    // a request that never authenticates (health with a key) gets its token back when the response closes
    const { l: l3 } = limiter({ RATE_AUTH_FAIL_BURST: "1" });
    const res = new (await import("node:events")).EventEmitter();
    expect(await l3.admitHttp(req("Bearer sk_new"), res as never)).toBeNull();
    expect(await l3.admitHttp(req("Bearer sk_new2"))).toMatchObject({ status: 429 });
    res.emit("close");
    await new Promise((r) => setTimeout(r, 10));
    expect(await l3.admitHttp(req("Bearer sk_new2"))).toBeNull();
    expect(counting.calls).toBeGreaterThan(0);
  });

  it("attempt(): a wrong guess keeps its token, a right one gives it back; used up → RATE_LIMITED without trying", async () => {
    const { l } = limiter({ RATE_AUTH_FAIL_BURST: "2" });
    let tries = 0;
    const wrong = () =>
      l.attempt(
        "6.6.6.6",
        async () => {
          tries++;
          throw notFound("invitation");
        },
        isWrongGuess,
      );
    const right = () =>
      l.attempt(
        "6.6.6.6",
        async () => {
          tries++;
          return "ok";
        },
        isWrongGuess,
      );
    await expect(right()).resolves.toBe("ok");
    await expect(right()).resolves.toBe("ok");
    await expect(right()).resolves.toBe("ok");
    await expect(wrong()).rejects.toMatchObject({ extensions: { code: "NOT_FOUND" } });
    await expect(wrong()).rejects.toMatchObject({ extensions: { code: "NOT_FOUND" } });
    const e = await wrong().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).extensions).toMatchObject({ code: "RATE_LIMITED", scope: "auth-failures", limit: 2 });
    expect(tries).toBe(5);
    // another kind of failure (a bad name) is no guess: the token comes back
    expect(isWrongGuess(new DomainError("BAD_USER_INPUT", "x", "name"))).toBe(false);
  });

  it("link generations per hour; a given-back generation can be taken again", async () => {
    const { l, advance } = limiter({ RATE_LINK_GENERATIONS_PER_HOUR: "2" });
    await l.takeLinkGeneration("s1");
    const giveBack = await l.takeLinkGeneration("s1");
    const e = (await l.takeLinkGeneration("s1").catch((x: unknown) => x)) as RateLimitedError;
    expect(e.extensions).toMatchObject({ code: "RATE_LIMITED", scope: "link-generations", retryAfterMs: 1_800_000, limit: 2 });
    await l.takeLinkGeneration("s2");
    await giveBack(); // forgets the remembered refusal: the generation can be taken again, once
    advance(1);
    await expect(l.takeLinkGeneration("s1")).resolves.toBeTypeOf("function");
    await expect(l.takeLinkGeneration("s1")).rejects.toBeInstanceOf(RateLimitedError);
  });

  it("a refusal is remembered locally until its retry time: no store call for a hostile burst", async () => {
    const { l, counting, advance } = limiter({ RATE_IP_BURST: "1", RATE_IP_PER_SECOND: "1" });
    await l.admit("6.6.6.6", undefined);
    await l.admit("6.6.6.6", undefined);
    const before = counting.calls;
    for (let i = 0; i < 100; i++) expect(await l.admit("6.6.6.6", undefined)).toMatchObject({ scope: "ip" });
    expect(counting.calls).toBe(before);
    advance(1000);
    expect(await l.admit("6.6.6.6", undefined)).toBeNull();
    expect(counting.calls).toBe(before + 1);
  });

  it("RATE_LIMITS=off lets everything through; a failing store lets requests through with one warning", async () => {
    const off = limiter({ RATE_LIMITS: "off", RATE_IP_BURST: "1" }).l;
    for (let i = 0; i < 5; i++) expect(await off.admit("1.1.1.1", undefined)).toBeNull();
    const broken = limiter({}, { take: () => Promise.reject(new Error("connection refused")), sweep: async () => 0 });
    expect(await broken.l.admit("1.1.1.1", undefined)).toBeNull();
    expect(await broken.l.admit("1.1.1.1", undefined)).toBeNull();
    expect(broken.logs).toHaveLength(1);
    expect(broken.logs[0]).toMatch(/connection refused/);
  });

  it("the HTTP refusal: 429, Retry-After in whole seconds, a GraphQL error body", async () => {
    const { l } = limiter({ RATE_IP_BURST: "1", RATE_IP_PER_SECOND: "0.4" });
    const req = { socket: { remoteAddress: "9.9.9.9" }, headers: {} } as never;
    expect(await l.admitHttp(req)).toBeNull();
    const r = await l.admitHttp(req);
    expect(r).toMatchObject({ status: 429, headers: { "retry-after": "3" } });
    expect(r!.body.errors[0]!.extensions).toEqual({ code: "RATE_LIMITED", retryAfterMs: 2500, scope: "ip", limit: 1 });
  });
});
