import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCodeStyle, styleReport, type StyleTargets } from "./code-style.js";
import { engineRuff } from "./engine-env.service.js";

// The checks `./studio test` runs first, on small folders of their own with the repository's configuration:
// each tool must fail on its kind of violation, naming the file, and pass on clean code.
const CLEAN_TS = `export function twice(n: number): number {\n  return 2 * n;\n}\n`;
const CLEAN_PY = `def twice(n: int) -> int:\n    return 2 * n\n`;

let dir: string;
const folder = async (name: string, files: Record<string, string>): Promise<StyleTargets> => {
  const root = join(dir, name);
  await mkdir(root);
  await Promise.all(Object.entries(files).map(([f, text]) => writeFile(join(root, f), text)));
  return { tsRoot: root, pythonRoot: root, ruff: engineRuff() };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "studio-code-style-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("checkCodeStyle", () => {
  it("passes on clean TypeScript and Python", async () => {
    const t = await folder("clean", { "twice.ts": CLEAN_TS, "twice.py": CLEAN_PY });
    expect(await checkCodeStyle(t)).toEqual([]);
  }, 60_000);

  it("fails on each kind of violation, naming the files", async () => {
    const t = await folder("dirty", {
      "ok.ts": CLEAN_TS,
      "ok.py": CLEAN_PY,
      "layout.ts": `export const point = {x: 1, y: 2}\n`, // Prettier: spacing, semicolon
      "unused.ts": `const unused = 1;\nexport const used = 2;\n`, // ESLint: no-unused-vars
      "imports.py": `import os\n\nx = 1\n`, // ruff check: F401
      "layout.py": `x = {"a":1}\n`, // ruff format
    });
    const findings = await checkCodeStyle(t);
    const by = Object.fromEntries(findings.map((f) => [f.check, f]));
    expect(Object.keys(by).sort()).toEqual(["eslint", "prettier", "ruff check", "ruff format"]);
    expect(by.prettier!.files).toEqual(["layout.ts"]);
    expect(by.eslint!.files).toEqual(["unused.ts"]);
    expect(by.eslint!.details.join("\n")).toMatch(/unused\.ts:1:7 .*'unused'.*no-unused-vars/);
    expect(by["ruff check"]!.files).toEqual(["imports.py"]);
    expect(by["ruff check"]!.details.join("\n")).toContain("imports.py:1:8: F401");
    expect(by["ruff format"]!.files).toEqual(["layout.py"]);
    const report = styleReport(findings);
    for (const f of ["layout.ts", "unused.ts", "imports.py", "layout.py"]) expect(report).toContain(f);
    expect(report).toContain("pnpm format");
  }, 60_000);

  it("finds a file broken after a clean run, and finds it again: the caches do not hide it", async () => {
    const t = await folder("cached", { "twice.ts": CLEAN_TS, "twice.py": CLEAN_PY });
    expect(await checkCodeStyle(t)).toEqual([]);
    await writeFile(join(t.tsRoot, "twice.ts"), CLEAN_TS.replace("2 * n;", "2*n"));
    await writeFile(join(t.pythonRoot, "twice.py"), CLEAN_PY.replace("2 * n", "2*n"));
    for (let run = 0; run < 2; run++) {
      const findings = await checkCodeStyle(t);
      expect(findings.map((f) => [f.check, f.files])).toEqual([
        ["prettier", ["twice.ts"]],
        ["ruff format", ["twice.py"]],
      ]);
    }
  }, 60_000);

  it("fails when a tool cannot parse a file, rather than passing it", async () => {
    const t = await folder("broken", { "broken.ts": `export const = ;\n`, "broken.py": `def (:\n` });
    const findings = await checkCodeStyle(t);
    expect(findings.map((f) => f.check).sort()).toEqual(["eslint", "prettier", "ruff check", "ruff format"]);
    expect(styleReport(findings)).toMatch(/broken\.ts/);
    expect(styleReport(findings)).toMatch(/broken\.py/);
  }, 60_000);
});
