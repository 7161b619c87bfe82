import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLError, GraphQLFormattedError } from "graphql";
import { DomainError } from "./errors.js";

/**
 * The boundary mapping for unexpected errors: a failure that is not a DomainError (a database
 * error, a bug) is logged in full and answered as INTERNAL_SERVER_ERROR without its message,
 * which could carry SQL or object keys. Validation errors from GraphQL itself pass unchanged.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown, log: (msg: string) => void): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return formatted;
  const code = formatted.extensions?.code;
  if (code && code !== "INTERNAL_SERVER_ERROR") return formatted;
  // GraphQL's own errors (no original error) describe the query, not the server
  if (!(error as GraphQLError)?.originalError) return formatted;
  const busy = unavailableFor(original) ?? unavailableFor((error as GraphQLError).originalError);
  if (busy) return { message: busy.message, ...(formatted.path ? { path: formatted.path } : {}), extensions: { ...busy.extensions } };
  log(`internal error at ${formatted.path?.join(".") ?? "?"}: ${(original as Error)?.stack ?? String(original)}`);
  return { message: "internal error", ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

/** How long a client should wait before retrying an operation refused for load. */
export const RETRY_AFTER_MS = 1000;
/** SQLSTATEs of load or of a database that is restarting: connection exceptions (08…), too many connections, shutdown, statement timeout. */
const TRANSIENT_SQLSTATE = /^(08...|53300|53400|57P01|57P02|57P03|57014|55P03)$/;
const TRANSIENT_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Load is never an internal error: a pool that could not hand out a connection within its bounded
 * wait (pg-pool's connectionTimeoutMillis), a lost or refused connection, or a statement cancelled
 * for time becomes UNAVAILABLE with `retryAfterMs` (docs/live-events.md). null for anything else.
 * Looks through wrappers (drizzle's "Failed query" keeps the driver's error as `cause`).
 */
export function unavailableFor(err: unknown): DomainError | null {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === "object" && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const { code, message } = e as { code?: unknown; message?: unknown };
    const msg = typeof message === "string" ? message : "";
    const transient =
      (typeof code === "string" && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_ERRNO.has(code))) ||
      /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i.test(msg);
    if (transient)
      return new DomainError("UNAVAILABLE", "the service is busy or its database is briefly unreachable: retry shortly", undefined, {
        retryAfterMs: RETRY_AFTER_MS,
      });
  }
  return null;
}
