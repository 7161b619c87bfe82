/**
 * Typed domain errors. Services throw these; GraphQL copies `extensions` of an original error onto
 * the error it reports, so every response carries `extensions.code` (and `field` for bad input)
 * without services depending on graphql.
 */
export type ErrorCode = "BAD_USER_INPUT" | "NOT_FOUND" | "FORBIDDEN" | "UNAUTHENTICATED" | "CONFLICT" | "EVALUATOR_UNAVAILABLE"
  | "UNSAFE_FORMAT"
  | "BAD_SAFETENSORS"
  /** Overloaded or briefly unreachable (database pool exhausted, a slow stream cut): retry after `retryAfterMs`. */
  | "UNAVAILABLE";

export class DomainError extends Error {
  readonly extensions: { code: ErrorCode; field?: string; retryAfterMs?: number };
  constructor(code: ErrorCode, message: string, field?: string, extra?: { retryAfterMs?: number }) {
    super(message);
    this.name = code;
    this.extensions = { code, ...(field ? { field } : {}), ...extra };
  }
}

export const badInput = (field: string, message: string) => new DomainError("BAD_USER_INPUT", message, field);
/** Another team's id answers exactly like an id that does not exist. */
export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);
export const forbidden = (message: string) => new DomainError("FORBIDDEN", message);
export const unauthenticated = (message = "an API key is required: send Authorization: Bearer <key>") =>
  new DomainError("UNAUTHENTICATED", message);
export const conflict = (message: string) => new DomainError("CONFLICT", message);
