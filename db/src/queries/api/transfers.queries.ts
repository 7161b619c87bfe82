import { and, desc, eq, inArray, ne, sql, TransactionRollbackError } from "drizzle-orm";
import type { Database } from "../../client.js";
import { modelExports, modelImports, modelImportUploads } from "../../schema/transfers.js";
import { CHANNELS, notify } from "../run-events.queries.js";

/** NOTIFY channel of exports and imports: {kind: "export" | "import", id, state}; listeners re-read the row. */
/** @deprecated use CHANNELS.transfers (db/src/notifications.ts) */
export const TRANSFERS_CHANNEL = CHANNELS.transfers;

export type NewModelExport = Pick<typeof modelExports.$inferInsert, "teamId" | "checkpointId" | "runId" | "format" | "requestedBy"> & { half: boolean };

/**
 * The live export of (checkpoint, format, half) — QUEUED, RUNNING or SUCCEEDED — or a new QUEUED one
 * (then trainers are told; delivered at commit). The partial unique index makes two concurrent
 * requests end with one row: the loser's insert does nothing and it reads the winner's.
 */
export async function createOrReuseExport(db: Database, e: NewModelExport) {
  return db.transaction(async (tx) => {
    const live = and(eq(modelExports.checkpointId, e.checkpointId), eq(modelExports.format, e.format), eq(modelExports.half, e.half), ne(modelExports.state, "FAILED"));
    const [inserted] = await tx
      .insert(modelExports)
      .values(e)
      .onConflictDoNothing({ target: [modelExports.checkpointId, modelExports.format, modelExports.half], where: sql`state <> 'FAILED'` })
      .returning();
    if (inserted) {
      await notify(tx, CHANNELS.work, { kind: "export", id: inserted.id });
      await notify(tx, CHANNELS.transfers, { kind: "export", id: inserted.id, state: inserted.state });
      return { row: inserted, reused: false };
    }
    const [existing] = await tx.select().from(modelExports).where(live);
    return { row: existing!, reused: true };
  });
}

export async function getExport(db: Database, id: string) {
  const [row] = await db.select().from(modelExports).where(eq(modelExports.id, id));
  return row ?? null;
}

/** Exports of the given checkpoints (the caller has already checked it may read them), newest first. */
export function exportsByCheckpointIds(db: Database, checkpointIds: readonly string[]) {
  return db
    .select()
    .from(modelExports)
    .where(inArray(modelExports.checkpointId, [...checkpointIds]))
    .orderBy(desc(modelExports.createdAt));
}

export async function insertImportUpload(db: Database, u: typeof modelImportUploads.$inferInsert) {
  const [row] = await db.insert(modelImportUploads).values(u).returning();
  return row!;
}

export function importUploadsByIds(db: Database, teamId: string, ids: readonly string[]) {
  return db
    .select()
    .from(modelImportUploads)
    .where(and(eq(modelImportUploads.teamId, teamId), inArray(modelImportUploads.id, [...ids])));
}

/** Forgets refused uploads (their objects are deleted by the caller). */
export async function deleteImportUploads(db: Database, teamId: string, ids: readonly string[]) {
  await db.delete(modelImportUploads).where(and(eq(modelImportUploads.teamId, teamId), inArray(modelImportUploads.id, [...ids])));
}

export type NewModelImport = Omit<typeof modelImports.$inferInsert, "id" | "state">;

/**
 * Inserts a QUEUED import, consuming its uploads in the same transaction (an upload is imported at
 * most once: null when another request consumed one first), and tells trainers there is work.
 */
export async function createImport(db: Database, uploadIds: readonly string[], i: NewModelImport) {
  return db
    .transaction(async (tx) => {
      const consumed = await tx
        .delete(modelImportUploads)
        .where(and(eq(modelImportUploads.teamId, i.teamId), inArray(modelImportUploads.id, [...uploadIds])))
        .returning({ id: modelImportUploads.id });
      if (consumed.length !== uploadIds.length) tx.rollback();
      const [row] = await tx.insert(modelImports).values(i).returning();
      await notify(tx, CHANNELS.work, { kind: "import", id: row!.id });
      await notify(tx, CHANNELS.transfers, { kind: "import", id: row!.id, state: row!.state });
      return row!;
    })
    .catch((err: unknown) => {
      if (err instanceof TransactionRollbackError) return null;
      throw err;
    });
}

export async function getImport(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(modelImports)
    .where(and(eq(modelImports.teamId, teamId), eq(modelImports.id, id)));
  return row ?? null;
}
