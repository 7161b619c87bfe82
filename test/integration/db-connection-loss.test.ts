import { openDb } from "@studio/db";
import { describe, expect, it } from "vitest";
import { services } from "../support/services.js";

/**
 * db/src/client.ts: a pooled client whose connection dies while it is checked out (a transaction waiting
 * between statements when PostgreSQL restarts or an admin terminates it) must not kill the process with
 * an unhandled 'error' event; the error is reported, and the pool goes on with new connections.
 */
describe("a checked-out connection that dies", () => {
  it("is reported through onError instead of crashing the process; the pool keeps working", async () => {
    const errors: Error[] = [];
    const db = openDb(services().databaseUrl, { max: 2, onError: (e) => errors.push(e) });
    try {
      const client = await db.pool.connect();
      const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
      // another connection of the same role ends this one while it is checked out and idle
      await db.pool.query("select pg_terminate_backend($1)", [rows[0]!.pid]);
      const deadline = Date.now() + 10_000;
      while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(errors.map((e) => e.message).join("\n")).toMatch(/terminat/i);
      client.release(true);
      const again = await db.pool.query<{ one: number }>("select 1 as one");
      expect(again.rows[0]!.one).toBe(1);
    } finally {
      await db.close();
    }
  });
});
