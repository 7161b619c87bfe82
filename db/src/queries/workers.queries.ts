import { desc, gt, sql } from "drizzle-orm";
import type { Database } from "../client.js";
import { CHANNELS, notify } from "../notifications.js";
import { workers } from "../schema/workers.js";

export interface WorkerRegistration {
  id: string;
  hostname: string;
  pid: number;
  engine: Record<string, unknown>;
  /** The base models the engine has on this machine; omitted: not reported (unknown). */
  baseModels?: string[];
}

/** Channel on which trainers announce heartbeats; the API LISTENs on it. */
/** @deprecated use CHANNELS.worker (db/src/notifications.ts) */
export const WORKER_CHANNEL = CHANNELS.worker;

export async function upsertWorker(db: Database, w: WorkerRegistration): Promise<void> {
  const now = new Date();
  await db
    .insert(workers)
    .values({ ...w, pid: String(w.pid), startedAt: now, heartbeatAt: now })
    .onConflictDoUpdate({
      target: workers.id,
      set: { hostname: w.hostname, pid: String(w.pid), engine: w.engine, baseModels: w.baseModels ?? null, startedAt: now, heartbeatAt: now },
    });
}

/** Refreshes the heartbeat and notifies listeners in one transaction, so a notice implies a stored beat. */
export async function beatWorker(db: Database, id: string): Promise<Date> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(workers)
      .set({ heartbeatAt: sql`now()` })
      .where(sql`${workers.id} = ${id}`)
      .returning({ heartbeatAt: workers.heartbeatAt });
    const at = rows[0]?.heartbeatAt;
    if (!at) throw new Error(`worker ${id} is not registered`);
    await notify(tx, CHANNELS.worker, { workerId: id, at: at.toISOString() });
    return at;
  });
}

export async function deleteWorker(db: Database, id: string): Promise<void> {
  await db.delete(workers).where(sql`${workers.id} = ${id}`);
}

/** Workers whose heartbeat is newer than `maxAgeMs`. */
export async function liveWorkers(db: Database, maxAgeMs: number) {
  return db
    .select()
    .from(workers)
    .where(gt(workers.heartbeatAt, sql`now() - make_interval(secs => ${maxAgeMs / 1000})`))
    .orderBy(desc(workers.heartbeatAt));
}

/** Records which base models a trainer's engine has now (it re-checks every TRAINER_MODELS_CHECK_MS). */
export async function setWorkerBaseModels(db: Database, id: string, baseModels: string[]): Promise<void> {
  await db
    .update(workers)
    .set({ baseModels })
    .where(sql`${workers.id} = ${id}`);
}

export interface BaseModelAvailability {
  /** Live trainers (heartbeat newer than maxAgeMs). */
  liveTrainers: number;
  /** Live trainers that have not reported their models (older trainers): they may have any. */
  unreportedTrainers: number;
  /** For each model id, the live trainers that reported having it. */
  trainersByModel: Map<string, string[]>;
}

/** Which live trainers have which base model (docs/base-models.md). */
export async function baseModelAvailability(db: Database, maxAgeMs: number): Promise<BaseModelAvailability> {
  const rows = await db
    .select({ id: workers.id, baseModels: workers.baseModels })
    .from(workers)
    .where(gt(workers.heartbeatAt, sql`now() - make_interval(secs => ${maxAgeMs / 1000})`))
    .orderBy(workers.id);
  const trainersByModel = new Map<string, string[]>();
  let unreportedTrainers = 0;
  for (const r of rows) {
    if (r.baseModels === null) unreportedTrainers++;
    for (const m of r.baseModels ?? []) trainersByModel.set(m, [...(trainersByModel.get(m) ?? []), r.id]);
  }
  return { liveTrainers: rows.length, unreportedTrainers, trainersByModel };
}
