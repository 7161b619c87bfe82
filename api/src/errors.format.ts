import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLError, GraphQLFormattedError } from "graphql";
import { DomainError } from "./errors.js";

/**
 * The boundary mapping for unexpected errors: a failure that is not a DomainError (a database
 * error, a bug) is logged in full and answered as INTERNAL_SERVER_ERROR without its message,
 * which could carry SQL or object keys. Validation errors from GraphQL itself pass unchanged.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log: (msg: string) => void,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return formatted;
  const code = formatted.extensions?.code;
  if (code && code !== "INTERNAL_SERVER_ERROR") return formatted;
  // GraphQL's own errors (no original error) describe the query, not the server
  if (!(error as GraphQLError)?.originalError) return formatted;
  log(`internal error at ${formatted.path?.join(".") ?? "?"}: ${(original as Error)?.stack ?? String(original)}`);
  return { message: "internal error", ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: "INTERNAL_SERVER_ERROR" } };
}
