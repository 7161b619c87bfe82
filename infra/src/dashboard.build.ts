import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { repoRoot } from "./paths.js";
import { runVisible } from "./proc.js";

export const dashboardDir = join(repoRoot, "dashboard");
const STAMP = join(dashboardDir, ".next", "studio-source.sha256");

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".next") continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(p);
    else yield p;
  }
}

async function sourceHash(): Promise<string> {
  const h = createHash("sha256");
  const list: string[] = [];
  for await (const f of files(dashboardDir)) list.push(f);
  for (const f of list.sort()) {
    h.update(relative(dashboardDir, f));
    h.update(String((await stat(f)).size));
    h.update(await readFile(f));
  }
  return h.digest("hex");
}

/** `next build`, skipped when the dashboard's sources have not changed since the last build. */
export async function ensureDashboardBuild(log: (m: string) => void = console.log): Promise<void> {
  const hash = await sourceHash();
  if (existsSync(STAMP) && (await readFile(STAMP, "utf8")).trim() === hash) return;
  log("dashboard: building (next build) ...");
  await runVisible("pnpm", ["--filter", "@studio/dashboard", "run", "build"], {
    cwd: repoRoot,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  await writeFile(STAMP, hash + "\n");
}
