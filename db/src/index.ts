export { openDb, type Database, type DbHandle } from "./client.js";
export type { Executor, Tx } from "./client.tx.js";
export { runMigrations, migrationsFolder } from "./migrate.js";
export * as schema from "./schema/index.js";
export { objectKeys, stepName, STAGING_PREFIX, TEAM_AREAS } from "./object-keys.js";
export * from "./queries/health.queries.js";
export * from "./queries/workers.queries.js";
export * from "./queries/run-events.queries.js";
export { PgListener, type ChannelName, type ChannelPayloads, type Payload } from "./notifications.js";
// Owned by the API side:
export * as apiQueries from "./queries/api/index.js";
// Owned by the trainer side:
export * as workerQueries from "./queries/worker/index.js";
export * from "./queries/evaluation-events.queries.js";
export {
  applyGrants,
  ensureLoginRoles,
  missingGrantEntries,
  schemaTableNames,
  roleOfUrl,
  urlForRole,
  TABLE_GRANTS,
  DEFAULT_ROLE_NAMES,
  type Privilege,
  type ServiceRole,
  type RoleNames,
} from "./roles.js";
