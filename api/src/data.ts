import { apiQueries, type Database } from "@studio/db";

/**
 * The API's one data layer: `@studio/db`'s apiQueries, bound to the API's drizzle handle.
 *
 * Every query function there has the shape `(db, ...args) => R`; `bindQueries(db)` returns the same
 * functions as `(...args) => R`, built once in compose.ts and handed to the services (each service
 * names the part it uses with `Pick<ApiData, ...>`, so its tests mock only that). Code that needs a
 * transaction calls the query functions themselves with its `tx`: same functions, same layer.
 *
 * What gets bound is derived, never listed: by type, every function of the module whose first
 * parameter accepts the handle; at run time, every function whose first parameter is named `db` or
 * `tx` (the query modules' convention for the handle). Pure helpers (apiQueries.runReadable builds SQL
 * from columns), constants and types are left out of both; data.test.ts checks the two rules agree.
 */
export type QueryName<M> = {
  [K in keyof M]: M[K] extends (...args: infer P) => unknown ? (P extends [infer First, ...unknown[]] ? (Database extends First ? K : never) : never) : never;
}[keyof M];

/** `(db, ...args) => R` without its handle. */
export type Bound<F> = F extends (db: never, ...args: infer A) => infer R ? (...args: A) => R : never;

/** A query module's functions, bound to one handle. */
export type BoundQueries<M> = { readonly [K in QueryName<M>]: Bound<M[K]> };

/** apiQueries bound to the API's handle: the API's data layer. */
export type ApiData = BoundQueries<typeof apiQueries>;

/** First parameter named `db` or `tx`: `async function name(db, …)`, `function (tx…`, `(db) =>`, `db =>`. */
const TAKES_HANDLE = /^(?:async\s*)?(?:function\s*\*?\s*[\w$]*\s*)?\(?\s*(?:db|tx)\s*[,):=]/;

/** Whether a function takes the drizzle handle first (see the convention above). */
export function takesHandle(fn: (...args: never[]) => unknown): boolean {
  return fn.length > 0 && TAKES_HANDLE.test(fn.toString());
}

/** Binds every handle-taking function of `module` to `db`; everything else is left out. */
export function bindModule<M extends object>(module: M, db: Database): BoundQueries<M> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(module)) {
    if (typeof fn === "function" && takesHandle(fn)) out[name] = (...args: unknown[]) => fn(db, ...args);
  }
  return Object.freeze(out) as BoundQueries<M>;
}

/** The API's data layer on one drizzle handle (compose.ts builds it once; admin.cli.ts on its own). */
export function bindQueries(db: Database): ApiData {
  return bindModule(apiQueries, db);
}
