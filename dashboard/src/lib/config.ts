import "server-only";
import { z } from "zod";

/**
 * The dashboard server's configuration, read at request time (not baked in at build time), so one
 * build serves any API address. Fails naming the bad variable.
 */
const schema = z.object({
  DASHBOARD_API_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL")
    .default("http://127.0.0.1:4000/graphql"),
});

export type DashboardConfig = z.infer<typeof schema> & { wsUrl: string };

let cached: DashboardConfig | null = null;

export function dashboardConfig(): DashboardConfig {
  if (cached) return cached;
  const r = schema.safeParse(process.env);
  if (!r.success) throw new Error(`dashboard: invalid configuration: ${r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; ")}`);
  cached = { ...r.data, wsUrl: r.data.DASHBOARD_API_URL.replace(/^http/, "ws") };
  return cached;
}
