import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cacheDir, repoRoot } from "./paths.js";
import { run, runVisible } from "./proc.js";

/**
 * The engine's Python virtualenv, kept in the cache folder (it is several GB: PyPI's Linux PyTorch
 * wheel is a CUDA build, which also runs on CPU). It is created once and reused; when the lock
 * files change, pip brings the same venv to the new pins.
 */
export const engineDir = join(repoRoot, "trainer", "engine");
const LOCK = join(engineDir, "requirements.lock");
const LOCK_NODEPS = join(engineDir, "requirements-nodeps.lock");
/** Development tools (ruff), kept out of the container images. */
const LOCK_DEV = join(engineDir, "requirements-dev.lock");

export function engineVenvDir(): string {
  return process.env.ENGINE_VENV ?? join(cacheDir(), "engine-venv");
}

export function enginePython(): string {
  return join(engineVenvDir(), "bin", "python");
}

/** ruff (requirements-dev.lock), the engine's linter and formatter. */
export function engineRuff(): string {
  return join(engineVenvDir(), "bin", "ruff");
}

async function lockHash(): Promise<string> {
  const h = createHash("sha256");
  h.update(await readFile(LOCK));
  h.update(await readFile(LOCK_NODEPS));
  h.update(await readFile(LOCK_DEV));
  return h.digest("hex");
}

export async function engineEnvCurrent(): Promise<boolean> {
  const stamp = join(engineVenvDir(), ".studio-lock-sha256");
  return existsSync(enginePython()) && existsSync(stamp) && (await readFile(stamp, "utf8")).trim() === (await lockHash());
}

/** Creates or updates the virtualenv to match the lock files. Returns the interpreter's path. */
export async function ensureEngineEnv(log: (msg: string) => void = console.log): Promise<string> {
  const venv = engineVenvDir();
  const python = enginePython();
  if (await engineEnvCurrent()) return python;
  const base = process.env.PYTHON ?? "python3";
  const version = (await run(base, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])).trim();
  const [major, minor] = version.split(".").map(Number);
  if (major !== 3 || (minor ?? 0) < 10) throw new Error(`engine: Python >= 3.10 is needed, ${base} is ${version}`);
  if (!existsSync(python)) {
    log(`engine: creating virtualenv ${venv}`);
    await run(base, ["-m", "venv", venv]);
  }
  log(`engine: installing pinned packages into ${venv} (PyTorch is large; the first time takes minutes)`);
  await runVisible(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", LOCK]);
  await runVisible(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps", "-r", LOCK_NODEPS]);
  await runVisible(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", LOCK_DEV]);
  await writeFile(join(venv, ".studio-lock-sha256"), (await lockHash()) + "\n");
  return python;
}
