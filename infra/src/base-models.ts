import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { engineDir, ensureEngineEnv } from "./engine-env.service.js";
import { cacheDir } from "./paths.js";

/**
 * `./studio models list` and `./studio models pull <id> [--revision REV] [--force]` (docs/base-models.md):
 * the engine's `models` command, its NDJSON events turned into lines for people. The pull downloads from
 * the Hugging Face Hub ($HF_ENDPOINT, HF_TOKEN for gated models) into $STUDIO_CACHE_DIR/models/<id>,
 * where every trainer on this machine finds it (within TRAINER_MODELS_CHECK_MS).
 */
export const MODELS_USAGE = `usage: ./studio models list
       ./studio models pull <id> [--revision REV] [--force]`;

type EngineEvent = Record<string, unknown> & { type: string };

const GB = 1e9;
const size = (n: number) => (n >= GB ? `${(n / GB).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);

/** One line of progress for a `download.progress` event, or null when it adds nothing new (≥ 5 % steps). */
export function progressLine(e: EngineEvent, last: { file?: unknown; pct: number }): string | null {
  const pct = Number(e.totalBytes) > 0 ? Math.floor((100 * Number(e.doneBytes)) / Number(e.totalBytes)) : 100;
  const fileDone = e.bytes === e.fileBytes;
  if (e.file === last.file && pct - last.pct < 5 && !fileDone) return null;
  last.file = e.file;
  last.pct = pct;
  return `${String(pct).padStart(3)}%  ${size(Number(e.doneBytes))} / ${size(Number(e.totalBytes))}  [${e.fileIndex}/${e.fileCount}] ${e.file}${fileDone ? " ✓ sha256" : ""}`;
}

export async function modelsCommand(args: string[], out = (s: string) => console.log(s), err = (s: string) => console.error(s)): Promise<number> {
  const [sub, ...rest] = args;
  let engineArgs: string[];
  if (sub === "list" && rest.length === 0) engineArgs = ["models", "list"];
  else if (sub === "pull" && rest[0] && !rest[0].startsWith("-")) engineArgs = ["models", "pull", ...rest];
  else {
    err(MODELS_USAGE);
    return sub === undefined || sub === "--help" ? 0 : 64;
  }
  const python = process.env.ENGINE_PYTHON || (await ensureEngineEnv(err));
  const child = spawn(python, ["-m", "studio_engine", ...engineArgs], {
    cwd: engineDir,
    env: { ...process.env, STUDIO_CACHE_DIR: cacheDir(), PYTHONPATH: join(engineDir, "src") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const last = { pct: -100 } as { file?: unknown; pct: number };
  let failed: EngineEvent | null = null;
  for await (const line of createInterface({ input: child.stdout })) {
    let e: EngineEvent;
    try {
      e = JSON.parse(line) as EngineEvent;
    } catch {
      continue;
    }
    if (e.type === "download.progress") {
      const l = progressLine(e, last);
      if (l) err(l);
    } else if (e.type === "models") {
      for (const m of e.models as { id: string; available: boolean; source?: string; folder?: string; reason?: string }[]) {
        out(`${m.id.padEnd(28)} ${m.available ? `available (${m.source}${m.folder ? `: ${m.folder}` : ""})` : `missing: ${m.reason ?? ""} — ./studio models pull ${m.id}`}`);
      }
    } else if (e.type === "completed") {
      if (e.alreadyPresent) err(`already pulled (commit ${e.commit}); --force downloads it again`);
      else err(`pulled ${e.files} files, ${size(Number(e.bytes))}, commit ${e.commit}${Number(e.resumedFiles) ? ` (${e.resumedFiles} resumed)` : ""} in ${e.seconds} s`);
      out(String(e.outputDir));
    } else if (e.type === "error") failed = e;
  }
  const code = await new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on("close", (c) => resolve(c ?? 1));
  });
  if (failed) err(`models ${sub}: ${failed.code}: ${failed.message}`);
  return code;
}
