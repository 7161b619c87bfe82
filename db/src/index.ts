export { openDb, type Database, type DbHandle } from "./client.js";
export { runMigrations, migrationsFolder } from "./migrate.js";
export * as schema from "./schema/index.js";
export * from "./queries/workers.queries.js";
export * from "./queries/health.queries.js";
