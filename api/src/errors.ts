/**
 * Typed domain errors. Services throw these; GraphQL copies `extensions` of an original error onto
 * the error it reports, so every response carries `extensions.code` (and `field` for bad input)
 * without services depending on graphql.
 */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "UNAUTHENTICATED"
  | "CONFLICT"
  | "EVALUATOR_UNAVAILABLE"
  | "UNSAFE_FORMAT"
  | "BAD_SAFETENSORS"
  | "RATE_LIMITED"
  | "SERVER_BUSY"
  /** Overloaded or briefly unreachable (database pool exhausted, a slow stream cut): retry after `retryAfterMs`. */
  | "UNAVAILABLE"
  /** startRun: no live trainer has the base model; `extensions.fix` is the command that fixes it. */
  | "BASE_MODEL_UNAVAILABLE"
  /** createModelImportUpload: the file is over the single-POST limit; upload it in parts. */
  | "USE_MULTIPART"
  /** completeModelImportUpload: a part is not uploaded yet, or has the wrong size. */
  | "PARTS_MISSING"
  | "PART_SIZE_MISMATCH";

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
export const unauthenticated = (message = "an API key is required: send Authorization: Bearer <key>") => new DomainError("UNAUTHENTICATED", message);
export const conflict = (message: string) => new DomainError("CONFLICT", message);

/** What a rate limit or budget refused (docs/security-rate-limits.md): which one, and when to retry. */
export interface RateLimitedExtensions {
  code: "RATE_LIMITED";
  /** Milliseconds after which the same request can succeed (a hint for team budgets). */
  retryAfterMs: number;
  /** Which limit: ip, key, link, auth-failures, link-generations, team-unfinished-generations, team-unfinished-runs. */
  scope: string;
  /** The limit's size (its burst or budget). */
  limit: number;
}

export class RateLimitedError extends DomainError {
  declare readonly extensions: RateLimitedExtensions;
  constructor(message: string, scope: string, retryAfterMs: number, limit: number) {
    super("RATE_LIMITED", message);
    (this as { extensions: RateLimitedExtensions }).extensions = { code: "RATE_LIMITED", retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)), scope, limit };
  }
}
/**
 * This process is at its limit for bounded work (e.g. import checks): nothing was changed; try again
 * after `extensions.retryAfterMs`.
 */
export const serverBusy = (message: string, retryAfterMs: number) => {
  const err = new DomainError("SERVER_BUSY", message);
  Object.assign(err.extensions, { retryAfterMs });
  return err;
};
