// `pnpm lint`: the code-style checks `./studio test` runs (Prettier, ESLint, ruff check, ruff format --check).
// `pnpm format`: applies the automatic fixes first, then runs the same checks on what is left.
import { checkCodeStyle, fixCodeStyle, styleReport } from "./code-style.js";
import { ensureEngineEnv } from "./engine-env.service.js";

const fix = process.argv.includes("--fix");
await ensureEngineEnv((m) => console.error(m)); // ruff lives in the engine virtualenv (requirements-dev.lock)
const t0 = performance.now();
const findings = fix ? await fixCodeStyle() : await checkCodeStyle();
const seconds = ((performance.now() - t0) / 1000).toFixed(1);
if (findings.length > 0) {
  console.error(styleReport(findings));
  process.exit(1);
}
console.log(`code style: clean (${fix ? "fixed and " : ""}checked in ${seconds} s)`);
