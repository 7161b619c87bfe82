import { isTransient, StudioError } from "./client.errors.js";
import type { RunEventsSubscription, RunState } from "./generated/graphql.js";

export type RunEvent = RunEventsSubscription["runEvents"];
export const TERMINAL_RUN_STATES: readonly RunState[] = ["SUCCEEDED", "FAILED", "CANCELED"];

export function isTerminalEvent(e: RunEvent): boolean {
  return e.__typename === "RunStateChanged" && TERMINAL_RUN_STATES.includes(e.state);
}

export interface WatchOptions {
  /** Deliver events after this seq (0: the whole history, then live ones). */
  afterSeq?: number;
  /** How many reconnects in a row without an event before giving up (default 8). */
  maxReconnects?: number;
  /** First pause before reconnecting; doubles up to 10 s (default 500 ms). */
  reconnectDelayMs?: number;
  /** Told before each reconnect, e.g. to show "connection lost, reconnecting". */
  onReconnect?: (info: { attempt: number; delayMs: number; afterSeq: number; error: StudioError }) => void;
  signal?: AbortSignal;
}

/**
 * A run's events until its terminal RunStateChanged. When the connection drops it subscribes
 * again with `afterSeq` = the last seq delivered, so the caller sees no gap and no duplicate
 * (events at or below that seq are skipped, should a server resend them).
 */
export async function* watchRunEvents(
  subscribe: (afterSeq: number) => AsyncIterable<RunEvent>,
  opts: WatchOptions = {},
): AsyncGenerator<RunEvent> {
  let after = opts.afterSeq ?? 0;
  let attempt = 0;
  const max = opts.maxReconnects ?? 8;
  while (!opts.signal?.aborted) {
    try {
      for await (const e of subscribe(after)) {
        if (opts.signal?.aborted) return;
        if (e.seq <= after) continue;
        attempt = 0;
        after = e.seq;
        yield e;
        if (isTerminalEvent(e)) return;
      }
      if (opts.signal?.aborted) return;
      // the server ended the stream before the run ended: resume like after a drop
      throw new StudioError("CONNECTION_LOST", "the API ended the event stream before the run finished");
    } catch (err) {
      if (opts.signal?.aborted) return; // the caller stopped watching (closing the socket ends the stream)
      if (!isTransient(err) || attempt >= max) throw err;
      attempt += 1;
      const delayMs = Math.min(10_000, (opts.reconnectDelayMs ?? 500) * 2 ** (attempt - 1));
      opts.onReconnect?.({ attempt, delayMs, afterSeq: after, error: err as StudioError });
      await sleep(delayMs, opts.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
