import type { ApiContext } from "../context.js";
import { DomainError, unauthenticated } from "../errors.js";
import type { HealthResolvers } from "../generated/graphql.js";
import type { HealthReport } from "../services/health.service.js";

/**
 * `health { status checkedAt }` needs no key; everything else in the report (each service, its
 * message and details: versions, hostnames, worker ids) needs an API key. A share link is not enough.
 * `allowWhenUncheckable`: when a key is sent but cannot be checked because PostgreSQL itself is
 * unreachable, the report is served anyway (it then holds no worker details: those come from
 * PostgreSQL), so an operator can still see what is down.
 */
export async function requireApiKey(ctx: ApiContext, what: string, allowWhenUncheckable = false): Promise<void> {
  let principal;
  try {
    principal = (await ctx.session()).principal;
  } catch (err) {
    if (allowWhenUncheckable && !(err instanceof DomainError) && /^Bearer\s+sk_/i.test(ctx.authorization ?? "")) return;
    throw err;
  }
  if (principal.link) throw unauthenticated(`${what} needs an API key (a share link is not enough)`);
}

const detail =
  <K extends "postgres" | "storage" | "engine" | "version">(k: K) =>
  async (h: HealthReport, _a: unknown, ctx: ApiContext): Promise<HealthReport[K]> => {
    await requireApiKey(ctx, `health.${k}`, true);
    return h[k];
  };

export const Health: HealthResolvers = {
  postgres: detail("postgres") as never,
  storage: detail("storage") as never,
  engine: detail("engine") as never,
  version: detail("version") as never,
};
