import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";

/**
 * Debug aid (API_COUNT_SQL=1): counts the SQL statements each request sends, so tests can prove
 * that DataLoaders keep a list query at a fixed number of round trips.
 */
export class SqlCounter {
  private readonly als = new AsyncLocalStorage<{ n: number }>();
  /** Every statement the process sent, requests or not (live streams read outside any request). */
  total = 0;

  attach(pool: pg.Pool): void {
    const als = this.als;
    pool.on("connect", (client) => {
      const original = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        this.total += 1;
        const store = als.getStore();
        if (store) store.n += 1;
        return original(...args);
      };
    });
  }

  run<T>(fn: () => T): T {
    return this.als.run({ n: 0 }, fn);
  }

  get current(): number | null {
    return this.als.getStore()?.n ?? null;
  }
}
