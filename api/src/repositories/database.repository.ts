import { liveWorkers, serverVersion, type DbHandle } from "@studio/db";

/** Reads about the database itself and the trainers registered in it. */
export class DatabaseRepository {
  constructor(private readonly handle: DbHandle) {}

  /** Round trip to PostgreSQL; returns the server version. Throws when it is unreachable. */
  ping(): Promise<string> {
    return serverVersion(this.handle.db);
  }

  liveWorkers(maxAgeMs: number) {
    return liveWorkers(this.handle.db, maxAgeMs);
  }
}
