import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema/index.js";

export type Database = NodePgDatabase<typeof schema>;

export interface DbHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * Opens a pool that survives the database going away: idle-client errors are reported, not thrown,
 * so a restart of PostgreSQL degrades health instead of crashing the process.
 */
export function openDb(url: string, opts: { max?: number; onError?: (err: Error) => void; connectTimeoutMs?: number } = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 3000,
    idleTimeoutMillis: 10_000,
  });
  pool.on("error", (err) => opts.onError?.(err));
  // A client that loses its connection while checked out (inside a transaction, between statements) emits
  // 'error' when the pool no longer listens to it: unhandled, that kills the process. The statement or
  // transaction using it fails on its own; this only keeps the process alive (a trainer cut off from
  // PostgreSQL must still stop its engine at its lease deadline).
  pool.on("connect", (client) => client.on("error", (err) => opts.onError?.(err)));
  const db = drizzle(pool, { schema, casing: "snake_case" });
  return { db, pool, close: () => pool.end() };
}
