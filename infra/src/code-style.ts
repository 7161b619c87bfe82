import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { engineDir, engineRuff } from "./engine-env.service.js";
import { repoRoot } from "./paths.js";

/**
 * The code style the tree keeps: Prettier and ESLint (typescript-eslint) for TypeScript/JavaScript, ruff
 * (lint + format) for the engine's Python. `./studio test` runs `checkCodeStyle` first and fails naming the
 * files; `pnpm format` runs `fixCodeStyle`. The configuration always comes from the repository root
 * (.prettierrc.json, .prettierignore, eslint.config.js, trainer/engine/pyproject.toml), whatever folder is checked.
 */

/** What Prettier formats: code, not Markdown, YAML or JSON (those keep their hand layout). */
export const PRETTIER_GLOB = "**/*.{ts,tsx,js,mjs,cjs,css}";

export interface StyleTargets {
  /** The folder Prettier and ESLint check (the repository root). */
  tsRoot: string;
  /** The folder ruff checks (the engine). */
  pythonRoot: string;
  /** The ruff executable (the engine virtualenv's, requirements-dev.lock). */
  ruff: string;
}

export const repoStyleTargets = (): StyleTargets => ({ tsRoot: repoRoot, pythonRoot: engineDir, ruff: engineRuff() });

/** One check that failed: the files it names, and the tool's own lines about them (or its error output). */
export interface StyleFinding {
  check: "prettier" | "eslint" | "ruff check" | "ruff format";
  files: string[];
  details: string[];
}

const bin = (name: string) => join(repoRoot, "node_modules", ".bin", name);
// Prettier and ESLint keep caches in node_modules/.cache, keyed by file content and configuration: a second run
// reads only what changed.
const cache = (tool: string) => ["--cache", "--cache-location", join(repoRoot, "node_modules", ".cache", tool, "cache"), "--cache-strategy", "content"];
const prettierConfig = [
  "--config",
  join(repoRoot, ".prettierrc.json"),
  "--ignore-path",
  join(repoRoot, ".prettierignore"),
  "--no-error-on-unmatched-pattern",
  ...cache("prettier"),
];
const eslintConfig = ["--config", join(repoRoot, "eslint.config.js"), "--no-error-on-unmatched-pattern", ...cache("eslint")];
const ruffConfig = ["--config", join(repoRoot, "trainer", "engine", "pyproject.toml")];

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], cwd: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Exit 0: clean; exit 1: violations, read from the output; anything else: the tool itself failed. */
function finding(check: StyleFinding["check"], r: Exit, read: (stdout: string) => { files: string[]; details: string[] }): StyleFinding | null {
  if (r.code === 0) return null;
  if (r.code === 1) {
    const found = read(r.stdout);
    if (found.files.length > 0) return { check, ...found };
  }
  return { check, files: [], details: [`${check} failed (exit ${r.code}):`, ...(r.stderr + r.stdout).trim().split("\n").slice(-20)] };
}

const lines = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

interface EslintResult {
  filePath: string;
  messages: { line?: number; column?: number; ruleId: string | null; message: string; severity: number }[];
}

async function prettierCheck(t: StyleTargets): Promise<StyleFinding | null> {
  const r = await exec(bin("prettier"), [...prettierConfig, "--list-different", PRETTIER_GLOB], t.tsRoot);
  return finding("prettier", r, (out) => ({ files: lines(out), details: [] }));
}

async function eslintCheck(t: StyleTargets): Promise<StyleFinding | null> {
  const r = await exec(bin("eslint"), [...eslintConfig, "--format", "json", "."], t.tsRoot);
  return finding("eslint", r, (out) => {
    const results = (JSON.parse(out) as EslintResult[]).filter((f) => f.messages.some((m) => m.severity === 2));
    const files = results.map((f) => relative(t.tsRoot, f.filePath));
    const details = results.flatMap((f) =>
      f.messages.filter((m) => m.severity === 2).map((m) => `${relative(t.tsRoot, f.filePath)}:${m.line ?? 0}:${m.column ?? 0} ${m.message} (${m.ruleId ?? "parse"})`),
    );
    return { files, details };
  });
}

/** ruff's concise lines ("path:line:col: CODE message"), their paths made relative to tsRoot like the others. */
function ruffLines(t: StyleTargets, out: string): { files: string[]; details: string[] } {
  const rel = (p: string) => relative(t.tsRoot, join(t.pythonRoot, p));
  const details = lines(out)
    .filter((l) => /^[^:]+:\d+:\d+: /.test(l))
    .map((l) => rel(l.slice(0, l.indexOf(":"))) + l.slice(l.indexOf(":")));
  return { files: [...new Set(details.map((l) => l.slice(0, l.indexOf(":"))))], details };
}

async function ruffLint(t: StyleTargets): Promise<StyleFinding | null> {
  const r = await exec(t.ruff, ["check", ...ruffConfig, "--output-format", "concise", "--quiet", "."], t.pythonRoot);
  return finding("ruff check", r, (out) => ruffLines(t, out));
}

async function ruffFormatCheck(t: StyleTargets): Promise<StyleFinding | null> {
  const r = await exec(t.ruff, ["format", ...ruffConfig, "--check", "--output-format", "concise", "."], t.pythonRoot);
  return finding("ruff format", r, (out) => ({ files: ruffLines(t, out).files, details: [] }));
}

function needRuff(t: StyleTargets): void {
  if (!existsSync(t.ruff)) throw new Error(`ruff is missing at ${t.ruff}: run ./studio engine-env (it installs trainer/engine/requirements-dev.lock)`);
}

/** Runs the four checks side by side; an empty list means the tree is clean. */
export async function checkCodeStyle(t: StyleTargets = repoStyleTargets()): Promise<StyleFinding[]> {
  needRuff(t);
  const found = await Promise.all([prettierCheck(t), eslintCheck(t), ruffLint(t), ruffFormatCheck(t)]);
  return found.filter((f): f is StyleFinding => f !== null);
}

/** The message `./studio test` fails with: each check, the files it names, and how to fix them. */
export function styleReport(findings: StyleFinding[]): string {
  const parts = findings.map((f) => {
    const files = f.files.length ? ` ${f.files.join(", ")}` : "";
    const shown = f.details
      .slice(0, 40)
      .map((d) => `\n    ${d}`)
      .join("");
    const more = f.details.length > 40 ? `\n    … ${f.details.length - 40} more` : "";
    return `  ${f.check}:${files}${shown}${more}`;
  });
  return `code style violations:\n${parts.join("\n")}\nrun \`pnpm format\` (Prettier, ESLint --fix, ruff --fix, ruff format), fix what it reports, and commit`;
}

/** `pnpm format`: applies every automatic fix (lint fixes first, then the formatters), then reports what is left. */
export async function fixCodeStyle(t: StyleTargets = repoStyleTargets()): Promise<StyleFinding[]> {
  needRuff(t);
  await Promise.all([
    exec(bin("eslint"), [...eslintConfig, "--fix", "."], t.tsRoot).then(() =>
      exec(bin("prettier"), [...prettierConfig, "--write", "--log-level", "warn", PRETTIER_GLOB], t.tsRoot),
    ),
    exec(t.ruff, ["check", ...ruffConfig, "--fix", "--quiet", "."], t.pythonRoot).then(() => exec(t.ruff, ["format", ...ruffConfig, "--quiet", "."], t.pythonRoot)),
  ]);
  return checkCodeStyle(t);
}
