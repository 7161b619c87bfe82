import { z } from "zod";

/**
 * Environment variables of the rate limits and budgets (docs/security-rate-limits.md), merged into the
 * API's configuration (../config.ts). Every one has a default; a bad value stops the API at start.
 */
const positive = (d: number) => z.coerce.number().positive().max(1e9).default(d);
const count = (d: number, max = 1e6) => z.coerce.number().int().min(1).max(max).default(d);

export const rateLimitEnv = {
  /** `off` disables every token bucket (budgets still apply); for load tests, never in production. */
  RATE_LIMITS: z.enum(["on", "off"]).default("on"),
  /**
   * How many reverse proxies in front of the API append to X-Forwarded-For. 0 (default): the client
   * is the TCP peer and X-Forwarded-For is ignored (anyone can write it). N: the N-th address from the
   * right of X-Forwarded-For is the client. `true` means 1, `false` 0.
   */
  TRUST_PROXY: z
    .string()
    .default("0")
    .transform((v) => (v === "true" ? 1 : v === "false" ? 0 : Number(v)))
    .pipe(z.number().int().min(0).max(10)),
  /** Requests (HTTP) and operations (websocket subscribe messages) per client IP: burst and refill per second. */
  RATE_IP_BURST: count(600),
  RATE_IP_PER_SECOND: positive(20),
  /** Requests/operations per API key: burst and refill per second. */
  RATE_KEY_BURST: count(300),
  RATE_KEY_PER_SECOND: positive(10),
  /** Requests/operations per share link (anonymous callers): burst and refill per second. */
  RATE_LINK_BURST: count(60),
  RATE_LINK_PER_SECOND: positive(2),
  /**
   * Failed authentications per client IP (unknown or revoked API keys and share links, wrong invitation
   * codes): burst and refill per minute. An IP whose bucket is empty is refused (429) until it refills.
   */
  RATE_AUTH_FAIL_BURST: count(20),
  RATE_AUTH_FAIL_PER_MINUTE: positive(10),
  /** Generations one share link may queue per hour (also its burst). */
  RATE_LINK_GENERATIONS_PER_HOUR: count(30),
  /** Share-link callers: most images (`count`) and denoising steps of one generation. */
  BUDGET_LINK_MAX_IMAGES: count(4, 16),
  BUDGET_LINK_MAX_STEPS: count(50, 200),
  /** Unfinished (QUEUED or RUNNING) generations a team may have; share-link generations count for the owner team. */
  BUDGET_TEAM_UNFINISHED_GENERATIONS: count(20),
  /** Unfinished (QUEUED or RUNNING) training runs a team may have. */
  BUDGET_TEAM_UNFINISHED_RUNS: count(10),
  /** The retryAfterMs hint when a team budget refuses (the queue drains at the trainers' pace). */
  BUDGET_RETRY_AFTER_MS: count(10_000, 3_600_000),
};

type Shape = typeof rateLimitEnv;
export type RateLimitConfig = { [K in keyof Shape]: z.infer<Shape[K]> };
