import type { ApiContext } from "../context.js";
import { unauthenticated } from "../errors.js";
import type { HealthResolvers } from "../generated/graphql.js";
import type { HealthReport } from "../services/health.service.js";

/**
 * `health { status checkedAt }` needs no key; everything else in the report (each service, its
 * message and details: versions, hostnames, worker ids) needs an API key. A share link is not enough.
 */
export async function requireApiKey(ctx: ApiContext, what: string): Promise<void> {
  const { principal } = await ctx.session();
  if (principal.link) throw unauthenticated(`${what} needs an API key (a share link is not enough)`);
}

const detail =
  <K extends "postgres" | "storage" | "engine" | "version">(k: K) =>
  async (h: HealthReport, _a: unknown, ctx: ApiContext): Promise<HealthReport[K]> => {
    await requireApiKey(ctx, `health.${k}`);
    return h[k];
  };

export const Health: HealthResolvers = {
  postgres: detail("postgres") as never,
  storage: detail("storage") as never,
  engine: detail("engine") as never,
  version: detail("version") as never,
};
