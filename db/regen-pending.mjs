// Regenerates the newest, not yet released migration (0002_*) from the schema files. Development only:
// a migration that has shipped is never rewritten. Usage: node db/regen-pending.mjs (from anywhere).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PENDING = 2;
const NAME = "evaluation_sharing";
const dbDir = dirname(fileURLToPath(import.meta.url));
const out = join(dbDir, "drizzle");
const tag = String(PENDING).padStart(4, "0");
for (const f of readdirSync(out)) if (f.startsWith(`${tag}_`)) rmSync(join(out, f));
rmSync(join(out, "meta", `${tag}_snapshot.json`), { force: true });
const journalPath = join(out, "meta", "_journal.json");
const journal = JSON.parse(readFileSync(journalPath, "utf8"));
journal.entries = journal.entries.filter((e) => e.idx < PENDING);
writeFileSync(journalPath, JSON.stringify(journal, null, 2));
execFileSync("pnpm", ["exec", "drizzle-kit", "generate", "--name", NAME], { cwd: dbDir, stdio: "inherit" });
