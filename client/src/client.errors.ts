/**
 * Every failure the client reports is a StudioError with a stable `code`: the API's
 * `extensions.code` (BAD_USER_INPUT, NOT_FOUND, UNAUTHENTICATED, …) for GraphQL errors, or one of
 * the client's own codes below for what happens before or around GraphQL.
 */
export type ClientErrorCode =
  /** The API could not be reached (connection refused, DNS, timeout). */
  | "UNREACHABLE"
  /** Something answered, but not with GraphQL (wrong URL, proxy error page). */
  | "BAD_RESPONSE"
  /** The presigned POST to object storage failed (or storage refused it: wrong size or type). */
  | "UPLOAD_FAILED"
  /** A local file is not a JPEG, PNG or WebP. */
  | "UNSUPPORTED_FILE"
  /** Downloading a result (image, checkpoint file, export) failed or did not match its hash. */
  | "DOWNLOAD_FAILED"
  /** An export's files were asked for before it SUCCEEDED. */
  | "NOT_READY";

export interface GraphQLErrorLike {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

export class StudioError extends Error {
  override readonly name = "StudioError";
  constructor(
    /** extensions.code of the API, or a ClientErrorCode. */
    readonly code: string,
    message: string,
    /** The input field the API blamed (extensions.field), when it named one. */
    readonly field?: string,
    /** Every GraphQL error of the response, for callers that want more than the first. */
    readonly errors: readonly GraphQLErrorLike[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** A one-line description for people: `NOT_FOUND: run not found` or `BAD_USER_INPUT (classNoun): …`. */
  describe(): string {
    return `${this.code}${this.field ? ` (${this.field})` : ""}: ${this.message}`;
  }

  toJSON(): { code: string; message: string; field?: string } {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

/** The first GraphQL error of a response decides code and field; the rest are kept. */
export function errorFromGraphQL(errors: readonly GraphQLErrorLike[]): StudioError {
  const first = errors[0] ?? { message: "the API answered with an empty error list" };
  const ext = first.extensions ?? {};
  const code = typeof ext.code === "string" ? ext.code : "GRAPHQL_ERROR";
  const field = typeof ext.field === "string" ? ext.field : undefined;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new StudioError(code, `${first.message}${more}`, field, errors);
}

/** A failed fetch/WebSocket connect: names the URL and the system's reason (ECONNREFUSED, …). */
export function unreachable(url: string, cause: unknown): StudioError {
  return new StudioError("UNREACHABLE", `cannot reach the API at ${url} (${reasonOf(cause)}); is it running? (./studio up)`, undefined, [], { cause });
}

function reasonOf(cause: unknown): string {
  const seen = new Set<unknown>();
  let c: unknown = cause;
  // fetch wraps the socket error: TypeError("fetch failed", { cause: Error("connect ECONNREFUSED …") })
  while (c && typeof c === "object" && !seen.has(c)) {
    seen.add(c);
    const e = c as { code?: unknown; cause?: unknown; message?: unknown; errors?: unknown };
    if (typeof e.code === "string" && /^E[A-Z]+/.test(e.code)) return e.code;
    if (Array.isArray(e.errors) && e.errors.length > 0) c = e.errors[0];
    else if (e.cause) c = e.cause;
    else return typeof e.message === "string" && e.message ? e.message : String(c);
  }
  return String(cause);
}

/**
 * True for errors worth retrying after a pause: the connection, not the request, failed, or the API
 * was busy (UNAVAILABLE, with extensions.retryAfterMs).
 */
export function isTransient(err: unknown): boolean {
  return err instanceof StudioError && (err.code === "UNREACHABLE" || err.code === "CONNECTION_LOST" || err.code === "UNAVAILABLE");
}
