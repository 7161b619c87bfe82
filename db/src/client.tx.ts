import type { Database } from "./client.js";

/** A drizzle transaction handle; queries that must run inside one take `Executor`. */
export type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type Executor = Database | Tx;
