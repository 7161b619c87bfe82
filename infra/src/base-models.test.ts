import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { progressLine } from "./base-models.js";
import { enginePython, engineDir } from "./engine-env.service.js";
import { repoRoot } from "./paths.js";

/** `./studio models list|pull` end to end, against the engine tests' fake Hugging Face Hub (no network). */
const python = process.env.ENGINE_PYTHON || enginePython();
let tmp: string;
let hub: ChildProcess;
let hubUrl: string;

function studio(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(repoRoot, "node_modules", ".bin", "tsx"), [join(repoRoot, "infra", "src", "cli.ts"), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ENGINE_PYTHON: python, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "models-cli-"));
  const tiny = join(tmp, "tiny");
  await new Promise<void>((resolve, reject) => {
    const p = spawn(python, ["-m", "studio_engine", "make-tiny-model", tiny], { cwd: engineDir, env: { ...process.env, PYTHONPATH: join(engineDir, "src") }, stdio: "ignore" });
    p.on("close", (c) => (c === 0 ? resolve() : reject(new Error(`make-tiny-model exited ${c}`))));
  });
  hub = spawn(python, [join(engineDir, "tests", "fake_hub.py"), "stabilityai/stable-diffusion-2-1-base", tiny], {
    env: { ...process.env, PYTHONPATH: join(engineDir, "src") },
    stdio: ["pipe", "pipe", "inherit"],
  });
  hubUrl = (await createInterface({ input: hub.stdout! })[Symbol.asyncIterator]().next()).value as string;
  expect(hubUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
}, 120_000);

afterAll(async () => {
  hub?.stdin?.end();
  hub?.kill();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("./studio models", () => {
  it("pulls a base model with progress and sha256 checks into the cache, then lists it as available", async () => {
    const env = { STUDIO_CACHE_DIR: join(tmp, "cache"), HF_ENDPOINT: hubUrl, HF_HUB_CACHE: join(tmp, "hf-empty") };
    const before = await studio(["models", "list"], env);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/stable-diffusion-2-1-base\s+missing: .*\.\/studio models pull stable-diffusion-2-1-base/);
    expect(before.stdout).toMatch(/tiny-random\s+available \(built-locally\)/);

    const pulled = await studio(["models", "pull", "stable-diffusion-2-1-base"], env);
    expect(pulled.code, pulled.stderr).toBe(0);
    const folder = join(tmp, "cache", "models", "stable-diffusion-2-1-base");
    expect(pulled.stdout.trim()).toBe(folder);
    expect(pulled.stderr).toMatch(/\d+%.*unet\/diffusion_pytorch_model\.safetensors ✓ sha256/);
    expect(pulled.stderr).toMatch(/^100% /m);
    expect(pulled.stderr).toMatch(/pulled \d+ files/);
    const served = await readFile(join(tmp, "tiny", "unet", "diffusion_pytorch_model.safetensors"));
    const got = await readFile(join(folder, "unet", "diffusion_pytorch_model.safetensors"));
    expect(createHash("sha256").update(got).digest("hex")).toBe(createHash("sha256").update(served).digest("hex"));

    const after = await studio(["models", "list"], env);
    expect(after.stdout).toContain(`stable-diffusion-2-1-base    available (pulled: ${folder})`);
  }, 120_000);

  it("answers an unknown model with the engine's code and a usage error for bad arguments", async () => {
    const env = { STUDIO_CACHE_DIR: join(tmp, "cache2"), HF_ENDPOINT: hubUrl };
    const bad = await studio(["models", "pull", "sd-9000"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("models pull: UNKNOWN_BASE_MODEL");
    const usage = await studio(["models", "fetch"], env);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain("./studio models pull <id>");
  }, 60_000);

  it("prints progress in 5 % steps and every finished file", () => {
    const last = { pct: -100 } as { file?: unknown; pct: number };
    const ev = (doneBytes: number, bytes: number, file = "unet/x.safetensors") =>
      ({ type: "download.progress", file, fileIndex: 1, fileCount: 2, bytes, fileBytes: 100, doneBytes, totalBytes: 200 }) as const;
    expect(progressLine(ev(0, 0), last)).toContain("0%");
    expect(progressLine(ev(4, 4), last)).toBeNull();
    expect(progressLine(ev(20, 20), last)).toContain(" 10%");
    expect(progressLine(ev(100, 100), last)).toMatch(/50%.*✓ sha256/);
  });
});
