import { z } from "zod";
import { runMigrations } from "./migrate.js";

const env = z.object({ DATABASE_URL: z.string().url() }).safeParse(process.env);
if (!env.success) {
  console.error(`migrate: DATABASE_URL is missing or not a URL`);
  process.exit(2);
}
await runMigrations(env.data.DATABASE_URL);
console.log("migrate: database is up to date");
