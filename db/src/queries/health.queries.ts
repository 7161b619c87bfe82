import { sql } from "drizzle-orm";
import type { Database } from "../client.js";

/** One round trip; returns the server's version. */
export async function serverVersion(db: Database): Promise<string> {
  const res = await db.execute<{ version: string }>(sql`select current_setting('server_version') as version`);
  return res.rows[0]?.version ?? "unknown";
}
