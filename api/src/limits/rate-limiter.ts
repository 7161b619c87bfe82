import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GraphQLError } from "graphql";
import { DomainError, RateLimitedError } from "../errors.js";
import type { BucketStore, BucketTake } from "./buckets.js";
import { clientIp } from "./client-ip.js";
import type { RateLimitConfig } from "./config.js";

/** A bucket of one check, with what to tell the caller when it is the one that refused. */
interface Check extends BucketTake {
  scope: string;
  message: string;
}

export interface Refusal {
  scope: string;
  message: string;
  retryAfterMs: number;
  limit: number;
}

/** A whole HTTP request refused before any work: 429 with Retry-After (seconds) and a GraphQL error body. */
export interface HttpRefusal {
  status: 429;
  headers: Record<string, string>;
  body: { errors: { message: string; extensions: RateLimitedError["extensions"] }[] };
}

/**
 * How one request's credential is accounted against its IP's failed-authentication bucket. A
 * credential this process has not seen authenticate lately is charged one token up front (in the same
 * statement as the request's other buckets), so a parallel burst of bad keys stops at the bucket's
 * size; the token comes back when it authenticates, or when the request ends without trying.
 */
export interface AuthTicket {
  ip: string;
  precharged: boolean;
  settled: boolean;
}

/** Most bucket refusals / known-good credentials remembered in this process (bounded maps). */
const MAX_REMEMBERED = 50_000;
/** A credential that authenticated is not charged up front again for this long (per process). */
const KNOWN_GOOD_MS = 10 * 60_000;
const SWEEP_EVERY_MS = 60_000;

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest("hex").slice(0, 32);

/**
 * The API's rate limits (docs/security-rate-limits.md). Token buckets live in a BucketStore —
 * PostgreSQL in production, so every replica shares them; one statement per check. A refusal is also
 * remembered here until its retryAfterMs has passed (a bucket gains tokens only by refilling, or by
 * this process giving tokens back, which forgets the refusal; another replica's give-back is seen here
 * only after that time): a hostile burst against one key or IP costs this process a map lookup,
 * not a database statement. When the store fails (PostgreSQL down), checks let requests through —
 * they then fail on the database themselves — and a warning is logged at most every 10 s.
 */
export class RateLimiter {
  private readonly refused = new Map<string, number>();
  private readonly knownGood = new Map<string, number>();
  private readonly tickets = new WeakMap<object, AuthTicket>();
  private sweeper: NodeJS.Timeout | null = null;
  private lastWarn = 0;

  constructor(
    private readonly store: BucketStore,
    readonly cfg: RateLimitConfig,
    private readonly log: (level: "info" | "warn" | "error", msg: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.cfg.RATE_LIMITS === "on";
  }

  /** The client address of a request (TRUST_PROXY decides whether X-Forwarded-For counts). */
  ipOf(req: Pick<IncomingMessage, "headers" | "socket">): string {
    return clientIp(req, this.cfg.TRUST_PROXY);
  }

  start(): void {
    if (this.sweeper || !this.enabled) return;
    this.sweeper = setInterval(() => {
      this.store.sweep().catch((e: Error) => this.warn(`rate limits: sweeping buckets failed: ${e.message}`));
    }, SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  // --- the buckets ------------------------------------------------------------------------------

  private ipRequests(ip: string): Check {
    const c = this.cfg;
    return { key: `ip:${ip}`, cap: c.RATE_IP_BURST, ratePerSecond: c.RATE_IP_PER_SECOND, cost: 1, need: 1, scope: "ip", message: "too many requests from this address" };
  }

  private authFailures(ip: string, cost: number, need: number): Check {
    const c = this.cfg;
    return {
      key: `authfail:${ip}`,
      cap: c.RATE_AUTH_FAIL_BURST,
      ratePerSecond: c.RATE_AUTH_FAIL_PER_MINUTE / 60,
      cost,
      need,
      scope: "auth-failures",
      message: "too many failed authentications (unknown keys, share links or invitation codes) from this address",
    };
  }

  /** Per credential: the bearer secret's SHA-256 names the bucket (known before, and whether or not, it authenticates). */
  private credentialRequests(authorization: string): Check {
    const c = this.cfg;
    const secret = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? authorization;
    if (secret.startsWith("shl_"))
      return {
        key: `link:${digest(secret)}`,
        cap: c.RATE_LINK_BURST,
        ratePerSecond: c.RATE_LINK_PER_SECOND,
        cost: 1,
        need: 1,
        scope: "link",
        message: "too many requests with this share link",
      };
    return {
      key: `key:${digest(secret)}`,
      cap: c.RATE_KEY_BURST,
      ratePerSecond: c.RATE_KEY_PER_SECOND,
      cost: 1,
      need: 1,
      scope: "key",
      message: "too many requests with this API key",
    };
  }

  private linkGenerations(shareId: string, cost: number, need: number): Check {
    const n = this.cfg.RATE_LINK_GENERATIONS_PER_HOUR;
    return { key: `linkgen:${shareId}`, cap: n, ratePerSecond: n / 3600, cost, need, scope: "link-generations", message: `this share link may queue ${n} generations per hour` };
  }

  // --- checks -----------------------------------------------------------------------------------

  /** Takes from every bucket or none; the refusal of the bucket that must wait longest, or null. */
  async check(checks: Check[]): Promise<Refusal | null> {
    if (!this.enabled || checks.length === 0) return null;
    const now = this.now();
    let local: Refusal | null = null;
    // tokens given back: a refusal remembered for that bucket may no longer hold
    for (const c of checks) if (c.cost < 0) this.refused.delete(c.key);
    for (const c of checks) {
      if (c.need <= 0) continue;
      const until = this.refused.get(c.key);
      if (until === undefined) continue;
      if (until <= now) this.refused.delete(c.key);
      else if (!local || until - now > local.retryAfterMs) local = { scope: c.scope, message: c.message, retryAfterMs: until - now, limit: c.cap };
    }
    if (local) return local;
    let results;
    try {
      results = await this.store.take(checks.map(({ key, cap, ratePerSecond, cost, need }) => ({ key, cap, ratePerSecond, cost, need })));
    } catch (e) {
      this.warn(`rate limits: checking buckets failed, letting the request through: ${(e as Error).message}`);
      return null;
    }
    if (results.every((r) => r.granted)) return null;
    let worst: Refusal | null = null;
    for (const r of results) {
      if (r.retryAfterMs <= 0) continue;
      const c = checks.find((x) => x.key === r.key)!;
      this.remember(r.key, now + r.retryAfterMs);
      if (!worst || r.retryAfterMs > worst.retryAfterMs) worst = { scope: c.scope, message: c.message, retryAfterMs: r.retryAfterMs, limit: c.cap };
    }
    return worst ?? { scope: checks[0]!.scope, message: checks[0]!.message, retryAfterMs: 1, limit: checks[0]!.cap };
  }

  private remember(key: string, until: number, map = this.refused): void {
    map.delete(key);
    map.set(key, until);
    if (map.size <= MAX_REMEMBERED) return;
    const now = this.now();
    for (const [k, u] of map) if (u <= now) map.delete(k);
    for (const k of map.keys()) {
      if (map.size <= MAX_REMEMBERED * 0.8) break;
      map.delete(k);
    }
  }

  private isKnownGood(authorization: string): boolean {
    const until = this.knownGood.get(digest(authorization));
    return until !== undefined && until > this.now();
  }

  /**
   * Every GraphQL request (HTTP) and operation (websocket subscribe): one token from its IP's bucket and
   * from its credential's (API key or share link), and the IP must not have run out of failed
   * authentications. Null: go ahead.
   */
  admit(ip: string, authorization: string | undefined, precharge = false): Promise<Refusal | null> {
    const checks = [this.ipRequests(ip), this.authFailures(ip, precharge ? 1 : 0, 1)];
    if (authorization) checks.push(this.credentialRequests(authorization));
    return this.check(checks);
  }

  /**
   * admit() for node:http: null, or the 429 to send. A credential not known good here is charged to
   * the IP's failed-authentication bucket up front (AuthTicket); `res` closing gives it back if the
   * request never authenticated.
   */
  async admitHttp(req: IncomingMessage, res?: ServerResponse): Promise<HttpRefusal | null> {
    const ip = this.ipOf(req);
    const authorization = req.headers.authorization;
    const precharge = this.enabled && !!authorization && !this.isKnownGood(authorization);
    const r = await this.admit(ip, authorization, precharge);
    if (r) return httpRefusal(r);
    const ticket: AuthTicket = { ip, precharged: precharge, settled: !precharge };
    this.tickets.set(req, ticket);
    if (precharge) res?.once("close", () => void this.settle(ticket, true));
    return null;
  }

  /** The request's AuthTicket (from admitHttp), or a plain one (websocket operations: failures are counted after). */
  ticketOf(req: Pick<IncomingMessage, "headers" | "socket">): AuthTicket {
    return this.tickets.get(req) ?? { ip: this.ipOf(req), precharged: false, settled: true };
  }

  /**
   * The request's credential was checked: a good one becomes known good (and its up-front token comes
   * back); a bad one keeps that token, or — if none was taken — spends one now.
   */
  async authenticated(ticket: AuthTicket, authorization: string | undefined, ok: boolean): Promise<void> {
    if (!authorization || !this.enabled) return;
    if (ok) {
      this.remember(digest(authorization), this.now() + KNOWN_GOOD_MS, this.knownGood);
      await this.settle(ticket, true);
    } else if (ticket.precharged) await this.settle(ticket, false);
    else await this.authFailed(ticket.ip);
  }

  private async settle(ticket: AuthTicket, giveBack: boolean): Promise<void> {
    if (ticket.settled) return;
    ticket.settled = true;
    if (giveBack) await this.check([this.authFailures(ticket.ip, -1, 0)]);
  }

  /**
   * A graphql-ws connection_init with credentials, before they are looked up: refused (RATE_LIMITED)
   * while its IP has no failed authentication left, and — like admitHttp — a credential not known good
   * is charged one failure up front, so a parallel burst of bad keys on sockets stops at the bucket's
   * size without a key lookup. Settle the ticket with authenticated(), or release() when no check ran.
   */
  async admitConnection(req: Pick<IncomingMessage, "headers" | "socket">, authorization: string): Promise<{ refused: RateLimitedError } | { ticket: AuthTicket }> {
    const ip = this.ipOf(req);
    const precharge = this.enabled && !this.isKnownGood(authorization);
    const r = await this.check([this.authFailures(ip, precharge ? 1 : 0, 1)]);
    if (r) return { refused: toError(r) };
    return { ticket: { ip, precharged: precharge, settled: !precharge } };
  }

  /** Gives back a ticket's up-front failure when its credential could not be checked (an error, not a verdict). */
  async release(ticket: AuthTicket): Promise<void> {
    await this.settle(ticket, true);
  }

  /** admit() for a graphql-ws subscribe message: undefined, or the errors to answer it with. */
  async admitOperation(req: IncomingMessage, authorization: string | undefined): Promise<GraphQLError[] | undefined> {
    const r = await this.admit(this.ipOf(req), authorization);
    if (!r) return undefined;
    const e = toError(r);
    return [new GraphQLError(e.message, { extensions: e.extensions as unknown as Record<string, unknown> })];
  }

  /** An unknown or revoked API key or share link was presented from `ip`. */
  async authFailed(ip: string): Promise<void> {
    await this.check([this.authFailures(ip, 1, 0)]);
  }

  /**
   * A guess that may fail (an invitation code): it needs a token of the IP's failed-authentication
   * bucket, which is given back unless `failed(error)` says the guess was wrong. So a burst of aliases
   * with wrong codes in one request stops at the bucket's size, and right codes cost nothing.
   */
  async attempt<T>(ip: string, fn: () => Promise<T>, failed: (err: unknown) => boolean): Promise<T> {
    const r = await this.check([this.authFailures(ip, 1, 1)]);
    if (r) throw toError(r);
    const giveBack = () => this.check([this.authFailures(ip, -1, 0)]);
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      if (!failed(err)) await giveBack();
      throw err;
    }
    await giveBack();
    return value;
  }

  /**
   * One of the share link's generations per hour (RATE_LINK_GENERATIONS_PER_HOUR); throws RATE_LIMITED
   * when used up. Returns a function that gives it back (when the generation is refused after all).
   */
  async takeLinkGeneration(shareId: string): Promise<() => Promise<void>> {
    const r = await this.check([this.linkGenerations(shareId, 1, 1)]);
    if (r) throw toError(r);
    return async () => {
      await this.check([this.linkGenerations(shareId, -1, 0)]);
    };
  }

  private warn(msg: string): void {
    const now = this.now();
    if (now - this.lastWarn < 10_000) return;
    this.lastWarn = now;
    this.log("warn", msg);
  }
}

export function toError(r: Refusal): RateLimitedError {
  return new RateLimitedError(`${r.message}; retry in ${Math.ceil(r.retryAfterMs)} ms`, r.scope, r.retryAfterMs, r.limit);
}

export function httpRefusal(r: Refusal): HttpRefusal {
  const e = toError(r);
  return {
    status: 429,
    headers: { "retry-after": String(Math.max(1, Math.ceil(e.extensions.retryAfterMs / 1000))) },
    body: { errors: [{ message: e.message, extensions: e.extensions }] },
  };
}

/** The error a wrong invitation code (or other guess) answers with: NOT_FOUND. */
export const isWrongGuess = (err: unknown): boolean => err instanceof DomainError && err.extensions.code === "NOT_FOUND";
