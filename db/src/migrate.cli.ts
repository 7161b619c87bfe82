import { z } from "zod";
import { runMigrations } from "./migrate.js";
import { applyGrants, roleOfUrl } from "./roles.js";

const env = z
  .object({
    DATABASE_URL: z.string().url(),
    DATABASE_URL_API: z.string().url().optional(),
    DATABASE_URL_TRAINER: z.string().url().optional(),
  })
  .safeParse(process.env);
if (!env.success) {
  console.error(`migrate: ${env.error.issues.map((i) => String(i.path[0])).join(", ")} missing or not a URL`);
  process.exit(2);
}
const { DATABASE_URL, DATABASE_URL_API, DATABASE_URL_TRAINER } = env.data;
await runMigrations(DATABASE_URL);
console.log("migrate: database is up to date");
// The grants step (docs/security-privileges.md): with both service URLs, their roles get exactly TABLE_GRANTS.
if (DATABASE_URL_API && DATABASE_URL_TRAINER) {
  await applyGrants(DATABASE_URL, { api: roleOfUrl(DATABASE_URL_API), trainer: roleOfUrl(DATABASE_URL_TRAINER) });
  console.log(`migrate: grants applied to ${roleOfUrl(DATABASE_URL_API)} and ${roleOfUrl(DATABASE_URL_TRAINER)}`);
} else if (DATABASE_URL_API || DATABASE_URL_TRAINER) {
  console.error("migrate: set both DATABASE_URL_API and DATABASE_URL_TRAINER to apply the grants");
  process.exit(2);
}
