import { listRunEvents, openDb, runStory, type DbHandle, type PgListener } from "@studio/db";
import type pg from "pg";
import type { ApiConfig } from "../config.js";
import { LiveHub } from "./live-hub.js";

/**
 * The process's live hub (docs/live-events.md). Its topic reads (new rows of a run, a run's story)
 * go through a small pool of their own (LIVE_DB_POOL_MAX connections), so live delivery never waits
 * behind request traffic in the API's pool; a subscriber's replay uses the API's pool like any request.
 */
export function liveHubFor(
  listener: PgListener,
  db: DbHandle,
  config: Pick<ApiConfig, "DATABASE_URL" | "RUN_EVENTS_POLL_MS" | "LIVE_MAX_QUEUED_EVENTS" | "LIVE_MAX_BUFFERED_BYTES" | "LIVE_DB_POOL_MAX">,
  automaticSince: () => Date | null,
  log: (level: "info" | "warn", msg: string) => void,
  onPool: (pool: pg.Pool) => void = () => undefined,
): LiveHub {
  const own = openDb(config.DATABASE_URL, { max: config.LIVE_DB_POOL_MAX, onError: (e) => log("warn", `postgres (live): ${e.message}`) });
  onPool(own.pool);
  return new LiveHub(
    listener,
    {
      readEvents: (runId, afterSeq, limit, purpose) => listRunEvents(purpose === "tail" ? own.db : db.db, runId, afterSeq, limit),
      story: (runId) => runStory(own.db, runId, automaticSince()),
      pollMs: config.RUN_EVENTS_POLL_MS,
      maxQueuedEvents: config.LIVE_MAX_QUEUED_EVENTS,
      maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
      log,
    },
    () => own.close(),
  );
}
