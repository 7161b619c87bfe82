import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { maskError, unavailableFor } from "./errors.format.js";
import { notFound } from "./errors.js";

const located = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ["run"] });

describe("maskError", () => {
  it("keeps domain errors with their code", () => {
    const err = located(notFound("run"));
    expect(maskError(err.toJSON(), err, () => undefined)).toMatchObject({ message: "run not found", extensions: { code: "NOT_FOUND" } });
  });

  it("hides an unexpected error's message and logs it", () => {
    const logged: string[] = [];
    const err = located(new Error('Failed query: select * from "api_keys" where secret_hash = $1'));
    const out = maskError({ ...err.toJSON(), extensions: { code: "INTERNAL_SERVER_ERROR" } }, err, (m) => logged.push(m));
    expect(out).toEqual({ message: "internal error", path: ["run"], extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(logged[0]).toContain("Failed query");
  });

  it("keeps GraphQL's own validation errors", () => {
    const err = new GraphQLError('Variable "$n" got invalid value', { extensions: { code: "BAD_USER_INPUT" } });
    expect(maskError(err.toJSON(), err, () => undefined).message).toMatch(/invalid value/);
  });
});

describe("maskError on subscription errors", () => {
  it("hides SQL of an error thrown while a stream runs (graphql-ws wraps it without a code or path)", () => {
    const logged: string[] = [];
    const original = new Error('Failed query: select "seq" from "run_events" where "run_id" = $1\nparams: 5f0c…');
    const err = new GraphQLError(original.message, { originalError: original }); // as graphql-ws builds it
    const out = maskError(err.toJSON(), err, (m) => logged.push(m));
    expect(out).toEqual({ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(JSON.stringify(out)).not.toMatch(/select|run_events|params/);
    expect(logged[0]).toContain("Failed query");
  });
});

describe("unavailableFor (load is never an internal error)", () => {
  const masked = (original: Error) => {
    const logged: string[] = [];
    const err = located(original);
    return { out: maskError({ ...err.toJSON(), extensions: { code: "INTERNAL_SERVER_ERROR" } }, err, (m) => logged.push(m)), logged };
  };

  it("answers a pool that timed out as UNAVAILABLE with retryAfterMs, without the SQL", () => {
    const pool = new Error("timeout exceeded when trying to connect");
    const wrapped = Object.assign(new Error('Failed query: select "id" from "api_keys"'), { cause: pool });
    const { out } = masked(wrapped);
    expect(out.extensions).toEqual({ code: "UNAVAILABLE", retryAfterMs: 1000 });
    expect(out.message).not.toMatch(/select|api_keys/);
    expect(out.path).toEqual(["run"]);
  });

  it("maps refused connections and PostgreSQL's load SQLSTATEs", () => {
    expect(unavailableFor(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))?.extensions.code).toBe("UNAVAILABLE");
    expect(unavailableFor(Object.assign(new Error("sorry, too many clients already"), { code: "53300" }))?.extensions.code).toBe("UNAVAILABLE");
    expect(unavailableFor(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).not.toBeNull();
    expect(unavailableFor(new Error("Connection terminated unexpectedly"))).not.toBeNull();
  });

  it("leaves other failures internal", () => {
    expect(unavailableFor(Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: "23505" }))).toBeNull();
    expect(masked(new Error("boom")).out.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
  });
});
