import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { checkCodeStyle, styleReport } from "./code-style.js";
import { ensureDashboardBuild } from "./dashboard.build.js";
import { ensureEngineEnv, engineDir } from "./engine-env.service.js";
import { ensureHadolint } from "./hadolint.service.js";
import { ensureHelmBinary } from "./helm.service.js";
import { ensureMinioBinary } from "./minio.service.js";
import { repoRoot } from "./paths.js";
import { commandExists, isRoot, runVisible } from "./proc.js";

export const CHROMIUM = "/usr/bin/chromium";

const say = (m: string) => console.log(`studio test: ${m}`);

/** Debian's Chromium for the browser tests (playwright's own browser download cannot work offline). */
export async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  if (!isRoot() || !commandExists("apt-get")) throw new Error(`browser tests need ${CHROMIUM}: install Debian's package "chromium" (apt-get install chromium)`);
  say("installing Debian's chromium ...");
  await runVisible("apt-get", ["update", "-q"]);
  await runVisible("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

/**
 * `./studio test`: every test there is. Installs what is missing (engine virtualenv, MinIO and helm
 * binaries, hadolint, Chromium), checks the code style (Prettier, ESLint, ruff: code-style.ts) and that generated
 * code is current, type-checks, and runs vitest (unit, integration against real PostgreSQL + MinIO + engine,
 * browser in Chromium). The engine's pytest suite runs beside all of that from the start (its output is shown
 * when it ends, after vitest's): on CI's two cores neither keeps both busy on its own.
 */
export async function runAllTests(extraVitestArgs: string[]): Promise<void> {
  const python = await ensureEngineEnv(say);
  await ensureMinioBinary(say);
  await ensureHelmBinary(say); // the Kubernetes chart's offline checks (infra/src/helm-chart.test.ts)
  await ensureHadolint(say); // and the container build files'
  await ensureChromium();

  say("engine tests (pytest) start in the background; their report follows vitest's ...");
  const pytest = startPytest(python);
  try {
    await checksAndVitest(python, extraVitestArgs);
  } catch (err) {
    pytest.stop();
    throw err;
  }
  const engine = await pytest.done;
  say(`engine tests (pytest), ${Math.round(engine.seconds)} s:`);
  process.stdout.write(engine.output);
  if (engine.code !== 0) throw new Error(`engine tests (pytest) failed (exit ${engine.code}): see above`);
}

/** pytest of the engine as a background process; its output is kept and shown when it ends. */
function startPytest(python: string): { done: Promise<{ code: number | null; output: string; seconds: number }>; stop: () => void } {
  const started = Date.now();
  const child = spawn(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider"], {
    cwd: engineDir,
    env: { ...process.env, PYTHONPATH: join(engineDir, "src") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const done = new Promise<{ code: number | null; output: string; seconds: number }>((resolve) => {
    child.on("error", (err) => resolve({ code: null, output: `${output}\n${err.message}\n`, seconds: (Date.now() - started) / 1000 }));
    child.on("close", (code) => resolve({ code, output, seconds: (Date.now() - started) / 1000 }));
  });
  return { done, stop: () => void child.kill("SIGTERM") };
}

async function checksAndVitest(python: string, extraVitestArgs: string[]): Promise<void> {
  say("checking the code style (prettier, eslint, ruff check, ruff format) ...");
  const style = await checkCodeStyle();
  if (style.length > 0) throw new Error(styleReport(style));

  say("checking that generated code is current ...");
  await runVisible("pnpm", ["run", "codegen"], { cwd: repoRoot });
  await runVisible("pnpm", ["--filter", "@studio/db", "exec", "drizzle-kit", "check"], { cwd: repoRoot });
  await runVisible("git", ["diff", "--exit-code", "--stat", "--", "api/src/generated", "dashboard/src/generated", "db/drizzle", "trainer/protocol/method-facts.generated.ts"], {
    cwd: repoRoot,
  }).catch(() => {
    throw new Error("generated code is stale: run `pnpm codegen` (and `pnpm --filter @studio/db generate`) and commit the result");
  });

  say("type-checking ...");
  await runVisible("pnpm", ["-r", "run", "typecheck"], { cwd: repoRoot });

  await ensureDashboardBuild(say);
  say("vitest (unit, integration, browser) ...");
  await runVisible(join(repoRoot, "node_modules", ".bin", "vitest"), ["run", ...extraVitestArgs], {
    cwd: repoRoot,
    env: { ...process.env, ENGINE_PYTHON: python, CHROMIUM_PATH: CHROMIUM },
  });
}
