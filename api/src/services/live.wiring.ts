import { listRunEvents, runStory, type DbHandle, type PgListener } from "@studio/db";
import type { ApiConfig } from "../config.js";
import { LiveHub } from "./live-hub.js";

/** The process's live hub, reading through the API's pool (docs/live-events.md). */
export function liveHubFor(
  listener: PgListener,
  db: DbHandle,
  config: Pick<ApiConfig, "RUN_EVENTS_POLL_MS" | "LIVE_MAX_QUEUED_EVENTS" | "LIVE_MAX_BUFFERED_BYTES">,
  automaticSince: () => Date | null,
  log: (level: "info" | "warn", msg: string) => void,
): LiveHub {
  return new LiveHub(listener, {
    readEvents: (runId, afterSeq, limit) => listRunEvents(db.db, runId, afterSeq, limit),
    story: (runId) => runStory(db.db, runId, automaticSince()),
    pollMs: config.RUN_EVENTS_POLL_MS,
    maxQueuedEvents: config.LIVE_MAX_QUEUED_EVENTS,
    maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
    log,
  });
}
