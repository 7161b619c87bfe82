import { apiQueries, type Database } from "@studio/db";
import { describe, expect, expectTypeOf, it } from "vitest";
import { bindModule, bindQueries, takesHandle, type ApiData } from "./data.js";

/** A handle that names the first thing a query asks of it, so a test sees the handle was passed through. */
const handle = new Proxy({} as Database, {
  get(_t, prop) {
    if (prop === "then") return undefined;
    throw new Error(`handle used: ${String(prop)}`);
  },
});

/** The only functions of apiQueries that do not take the handle first (they build SQL from columns). */
const PURE_HELPERS = ["runReadable"];

describe("bindModule", () => {
  const mod = {
    read: async (db: Database, id: string, limit = 5) => ({ db, id, limit }),
    write: function (tx: Database, n: number) {
      return [tx, n] as const;
    },
    pure: (column: string, n: number) => `${column}${n}`,
    none: () => 1,
    LABEL: "x",
  };

  it("binds what takes the handle first, passes the handle and the arguments, and leaves the rest out", async () => {
    const db = { name: "handle" } as unknown as Database;
    const bound = bindModule(mod, db);
    expect(Object.keys(bound).sort()).toEqual(["read", "write"]);
    expect(await bound.read("a")).toEqual({ db, id: "a", limit: 5 });
    expect(await bound.read("b", 9)).toEqual({ db, id: "b", limit: 9 });
    expect(bound.write(3)).toEqual([db, 3]);
    expect(Object.isFrozen(bound)).toBe(true);
    expectTypeOf(bound).toEqualTypeOf<{
      readonly read: (id: string, limit?: number) => Promise<{ db: Database; id: string; limit: number }>;
      readonly write: (n: number) => readonly [Database, number];
    }>();
  });

  it("recognises the handle by the first parameter's name only", () => {
    expect(takesHandle(async (db: unknown) => db)).toBe(true);
    expect(
      takesHandle(function named(db: unknown) {
        return db;
      }),
    ).toBe(true);
    expect(takesHandle((tx: unknown) => tx)).toBe(true);
    expect(takesHandle((dbName: unknown) => dbName)).toBe(false);
    expect(takesHandle((a: unknown, db: unknown) => [a, db])).toBe(false);
    expect(takesHandle(() => 1)).toBe(false);
  });
});

describe("bindQueries (apiQueries on one handle)", () => {
  const data = bindQueries(handle);

  it("binds every query function of apiQueries and nothing else (the type's rule and the run-time rule agree)", () => {
    const functions = Object.entries(apiQueries)
      .filter(([, v]) => typeof v === "function")
      .map(([k]) => k);
    expect(functions.length).toBeGreaterThan(50);
    expect(Object.keys(data).sort()).toEqual(functions.filter((k) => !PURE_HELPERS.includes(k)).sort());
    for (const k of ["getRun", "appendAudit", "serverVersion", "liveWorkers", "rateTake"]) expect(data).toHaveProperty(k);
    for (const k of [...PURE_HELPERS, "ACCESS_CHANNEL", "ACTIVE_EVALUATION_STATES", "TRANSFERS_CHANNEL"]) expect(data).not.toHaveProperty(k);
    expectTypeOf<ApiData>().not.toHaveProperty("runReadable");
    expectTypeOf<ApiData>().not.toHaveProperty("ACCESS_CHANNEL");
    expectTypeOf<ApiData>().toHaveProperty("appendAudit");
    expectTypeOf<ApiData["getRun"]>().parameters.toEqualTypeOf<[teamId: string, id: string]>();
    expectTypeOf<ApiData["listApiKeys"]>().parameters.toEqualTypeOf<[teamId: string, userId?: string]>();
  });

  it("runs each query on the bound handle", async () => {
    await expect(data.getRun("t", "r")).rejects.toThrow("handle used: select");
    await expect(data.serverVersion()).rejects.toThrow(/handle used: (execute|select)/);
  });
});
