import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file lives in infra/src). */
export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/**
 * Where services keep their data for `./studio up`. Project-local and git-ignored. Tests pass their
 * own temporary folders instead.
 */
export function defaultDataDir(): string {
  return process.env.STUDIO_DATA_DIR ? resolve(process.env.STUDIO_DATA_DIR) : join(repoRoot, ".data");
}

/**
 * Caches that outlive a clone (the MinIO binary, the engine's virtualenv), so a second clone or CI
 * run on the same machine does not rebuild them.
 */
export function cacheDir(): string {
  return process.env.STUDIO_CACHE_DIR ? resolve(process.env.STUDIO_CACHE_DIR) : join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "rare-studio");
}
