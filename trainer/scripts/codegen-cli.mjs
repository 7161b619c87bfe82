// The command line every trainer/scripts/gen-*.mjs shares: run as a script, it writes `outPath` from the
// schema at `schemaPath` through `generate`, or with --check only fails (exit 1) when the committed file is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export function runCodegen(moduleUrl, schemaPath, outPath, generate) {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return; // imported (by a test), not run
  const text = generate(JSON.parse(readFileSync(schemaPath, "utf8")));
  if (!process.argv.includes("--check")) return writeFileSync(outPath, text);
  if (readFileSync(outPath, "utf8") !== text) {
    console.error(`${outPath} is stale: run pnpm codegen`);
    process.exit(1);
  }
}
