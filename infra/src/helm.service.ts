import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseManifests, type K8sObject } from "./k8s-validate.js";
import { cacheDir, repoRoot } from "./paths.js";
import { run, runVisible } from "./proc.js";

/**
 * Helm, built from its Go module at a pinned version the first time and cached (like MinIO), for
 * `./studio test`'s offline checks of the Kubernetes chart (infra/helm/rare-studio): `helm lint` and
 * `helm template`. Nothing here talks to a cluster.
 */
export const HELM_MODULE = "helm.sh/helm/v3/cmd/helm";
export const HELM_VERSION = "v3.22.0";

export const chartDir = join(repoRoot, "infra", "helm", "rare-studio");

export function helmBinaryPath(): string {
  return join(cacheDir(), `helm-${HELM_VERSION}`, "helm");
}

/** Builds the pinned helm with `go install` unless the cached binary exists. Returns its path. */
export async function ensureHelmBinary(log: (msg: string) => void = console.log): Promise<string> {
  const bin = helmBinaryPath();
  if (existsSync(bin)) return bin;
  log(`helm: building ${HELM_MODULE}@${HELM_VERSION} with go (once; a few minutes) ...`);
  const gobin = join(cacheDir(), `helm-${HELM_VERSION}`);
  await mkdir(gobin, { recursive: true });
  const started = Date.now();
  await runVisible("go", ["install", `${HELM_MODULE}@${HELM_VERSION}`], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: "0", GOFLAGS: "-trimpath" },
  });
  if (!existsSync(bin)) throw new Error(`helm: go install finished but ${bin} is missing`);
  log(`helm: built in ${Math.round((Date.now() - started) / 1000)} s`);
  return bin;
}

/**
 * Runs helm with a private home (no repositories, plugins or cluster config of the user's), so it
 * renders the same everywhere and can never reach a cluster.
 */
export async function helm(args: string[], home: string): Promise<string> {
  const bin = await ensureHelmBinary();
  return run(bin, args, {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      HELM_CACHE_HOME: join(home, "cache"),
      HELM_CONFIG_HOME: join(home, "config"),
      HELM_DATA_HOME: join(home, "data"),
      KUBECONFIG: join(home, "no-kubeconfig"),
    },
  });
}

/** `helm template` of the chart (release "studio", namespace "studio") with extra helm arguments. */
export async function renderChart(args: string[] = [], kubeVersion = "v1.33.0"): Promise<K8sObject[]> {
  const home = await mkdtemp(join(tmpdir(), "studio-helm-"));
  try {
    const out = await helm(["template", "studio", chartDir, "--namespace", "studio", "--kube-version", kubeVersion, ...args], home);
    return parseManifests(out);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
