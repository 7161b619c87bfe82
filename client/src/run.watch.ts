import { isTransient, StudioError } from "./client.errors.js";
import type { RunEventBatchesSubscription, RunState } from "./generated/graphql.js";

/** One of a run's events (the client subscribes to runEventBatches: one message per committed batch). */
export type RunEvent = RunEventBatchesSubscription["runEventBatches"]["events"][number];
export const TERMINAL_RUN_STATES: readonly RunState[] = ["SUCCEEDED", "FAILED", "CANCELED"];

export function isTerminalEvent(e: RunEvent): boolean {
  return e.__typename === "RunStateChanged" && TERMINAL_RUN_STATES.includes(e.state);
}

export interface WatchOptions {
  /** Deliver events after this seq (0: the whole history, then live ones). */
  afterSeq?: number;
  /** How many reconnects in a row without an event before giving up (default 8). */
  maxReconnects?: number;
  /** Ceiling of the first pause before reconnecting; doubles up to 10 s (default 500 ms). Each pause is jittered. */
  reconnectDelayMs?: number;
  /** Told before each reconnect, e.g. to show "connection lost, reconnecting…". */
  onReconnect?: (info: { attempt: number; delayMs: number; afterSeq: number; error: StudioError }) => void;
  /** Told when events flow again after a reconnect (the first event of the new subscription). */
  onResumed?: (info: { afterSeq: number }) => void;
  /** For tests: a number in [0, 1) that picks each pause under its ceiling (default Math.random). */
  random?: () => number;
  signal?: AbortSignal;
}

/**
 * A run's events until its terminal RunStateChanged, or until the API completes the stream (the
 * run's story ended: docs/live-events.md). When the connection drops, the API is busy
 * (UNAVAILABLE), or it cut this client for falling behind (close code 4290), it subscribes again
 * with `afterSeq` = the last seq delivered after a jittered exponential pause, so the caller sees
 * no gap and no duplicate (events at or below that seq are skipped, should a server resend them).
 */
export async function* watchRunEvents(subscribe: (afterSeq: number) => AsyncIterable<RunEvent>, opts: WatchOptions = {}): AsyncGenerator<RunEvent> {
  let after = opts.afterSeq ?? 0;
  let attempt = 0;
  let reconnecting = false;
  const max = opts.maxReconnects ?? 8;
  const random = opts.random ?? Math.random;
  while (!opts.signal?.aborted) {
    try {
      for await (const e of subscribe(after)) {
        if (opts.signal?.aborted) return;
        if (e.seq <= after) continue;
        attempt = 0;
        after = e.seq;
        if (reconnecting) {
          reconnecting = false;
          opts.onResumed?.({ afterSeq: after });
        }
        yield e;
        if (isTerminalEvent(e)) return;
      }
      // the API completed the stream: the run's story ended (nothing more will come)
      return;
    } catch (err) {
      if (opts.signal?.aborted) return; // the caller stopped watching (closing the socket ends the stream)
      if (!isTransient(err) || attempt >= max) throw err;
      attempt += 1;
      reconnecting = true;
      // "equal jitter": half the ceiling plus a random part of the other half, so clients dropped
      // together (an API restart) do not come back together
      const ceiling = Math.min(10_000, (opts.reconnectDelayMs ?? 500) * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + random() * (ceiling / 2));
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
