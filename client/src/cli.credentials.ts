import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { str, type Values } from "./cli.args.js";

/** Where the CLI finds the API and its key. Parsed once from flags and the environment. */
export interface CliSettings {
  apiUrl: string;
  apiUrlSource: string;
  apiKey: string | undefined;
  /** Where the key came from (never the key itself): for --verbose and error messages. */
  apiKeySource: string;
  loginFile: string;
}

/** Defaults the caller may know better, e.g. `./studio` passes its configured port and data folder. */
export interface CliDefaults {
  apiUrl?: string;
  /** The first team's key saved by `./studio up`. */
  firstKeyFile?: string;
}

export const DEFAULT_API_URL = "http://127.0.0.1:4000/graphql";
const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

interface SavedLogin {
  apiUrl?: string;
  apiKey?: string;
}

/** The environment variables the CLI reads, and nothing else. */
export function parseCliEnv(env: Record<string, string | undefined>) {
  const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  const configHome = nonEmpty(env.XDG_CONFIG_HOME) ?? join(nonEmpty(env.HOME) ?? homedir(), ".config");
  return {
    apiUrl: nonEmpty(env.STUDIO_API_URL),
    apiKey: nonEmpty(env.STUDIO_API_KEY),
    configDir: nonEmpty(env.STUDIO_CONFIG_DIR) ?? join(configHome, "rare-studio"),
    dataDir: nonEmpty(env.STUDIO_DATA_DIR) ?? join(repoRoot, ".data"),
  };
}

/**
 * The API URL: --api-url, STUDIO_API_URL, the saved login's, the caller's default, then
 * http://127.0.0.1:4000/graphql. The key: --api-key, STUDIO_API_KEY, `studio login`'s saved key,
 * then the first team's key that `./studio up` saved in .data/first-api-key.json.
 */
export function resolveSettings(values: Values, env: Record<string, string | undefined>, defaults: CliDefaults = {}): CliSettings {
  const e = parseCliEnv(env);
  const loginFile = join(e.configDir, "credentials.json");
  const saved = readJson<SavedLogin>(loginFile) ?? {};
  const firstKeyFile = defaults.firstKeyFile ?? join(e.dataDir, "first-api-key.json");
  const firstKey = readJson<{ secret?: string }>(firstKeyFile)?.secret;

  const urls: [string | undefined, string][] = [
    [str(values, "api-url"), "the --api-url flag"],
    [e.apiUrl, "STUDIO_API_URL"],
    [saved.apiUrl, loginFile],
    [defaults.apiUrl, "the ./studio configuration"],
    [DEFAULT_API_URL, "the default"],
  ];
  const keys: [string | undefined, string][] = [
    [str(values, "api-key"), "the --api-key flag"],
    [e.apiKey, "STUDIO_API_KEY"],
    [saved.apiKey, loginFile],
    [firstKey, firstKeyFile],
  ];
  const [apiUrl, apiUrlSource] = urls.find(([v]) => v) as [string, string];
  const key = keys.find(([v]) => v);
  return { apiUrl, apiUrlSource, apiKey: key?.[0], apiKeySource: key?.[1] ?? "none", loginFile };
}

/** `studio login`: keeps URL and key for later commands (mode 0600). */
export async function saveLogin(file: string, login: Required<SavedLogin>): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(login, null, 2) + "\n", { mode: 0o600 });
}

export async function removeLogin(file: string): Promise<boolean> {
  const had = existsSync(file);
  await rm(file, { force: true });
  return had;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}
