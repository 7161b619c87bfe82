/**
 * API refusals in words (docs/dashboard.md): one sentence per `extensions.code`, the API's own message
 * after it, and the raw code kept for a "Details" disclosure. Nothing here shows a server path.
 */
const LEAD: Record<string, string> = {
  NOT_FOUND: "Not found",
  FORBIDDEN: "Not allowed",
  UNAUTHENTICATED: "Not signed in or the key/link is not valid",
  BAD_USER_INPUT: "Please check the input",
  CONFLICT: "That conflicts with the current state",
  RATE_LIMITED: "Too many requests; wait a moment and try again",
  SERVER_BUSY: "The server is busy; try again shortly",
  UNAVAILABLE: "The service is busy; try again shortly",
  EVALUATOR_UNAVAILABLE: "Scoring is not set up on this server",
  UNSAFE_FORMAT: "That file format is not accepted",
  BAD_SAFETENSORS: "That weights file is not valid",
  NETWORK_ERROR: "Cannot reach the API",
  HTTP_ERROR: "The API answered with an error",
};

export interface HumaneError {
  /** The sentence shown: the code's lead, then the API's message. */
  text: string;
  /** The raw code, for "Details". */
  code: string;
}

export function humaneError(code: string | undefined | null, message: string): HumaneError {
  const c = code ?? "ERROR";
  const lead = LEAD[c];
  const msg = message.trim();
  // A message that already says what the lead says ("cannot reach the API at …") stands alone.
  const repeats = lead !== undefined && msg.toLowerCase().startsWith(lead.toLowerCase());
  const text = !lead ? msg || "Something went wrong" : !msg ? lead : repeats ? msg.charAt(0).toUpperCase() + msg.slice(1) : `${lead}: ${msg}`;
  return { text, code: c };
}

/** Any thrown value or `{ code, message }` record as a humane error. */
export function toHumane(err: unknown): HumaneError {
  if (err && typeof err === "object" && "message" in err) {
    const code = "code" in err ? String((err as { code: unknown }).code) : null;
    return humaneError(code, String((err as { message: unknown }).message));
  }
  return humaneError(null, String(err));
}
