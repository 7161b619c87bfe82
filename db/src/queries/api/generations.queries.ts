import { and, desc, eq, inArray } from "drizzle-orm";
import type { Database } from "../../client.js";
import { generations } from "../../schema/generations.js";
import { CHANNELS, notify } from "../run-events.queries.js";

export type NewGeneration = Omit<typeof generations.$inferInsert, "id" | "state">;

/** Inserts a QUEUED generation and tells trainers there is work (delivered at commit). */
export async function createGeneration(db: Database, g: NewGeneration) {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(generations).values(g).returning();
    await notify(tx, CHANNELS.work, { kind: "generation", id: row!.id });
    await notify(tx, CHANNELS.generations, { generationId: row!.id, state: row!.state });
    return row!;
  });
}

export async function getGeneration(db: Database, teamId: string, id: string) {
  const [row] = await db.select().from(generations).where(and(eq(generations.teamId, teamId), eq(generations.id, id)));
  return row ?? null;
}

export function generationsByCheckpointIds(db: Database, teamId: string, checkpointIds: readonly string[]) {
  return db
    .select()
    .from(generations)
    .where(and(eq(generations.teamId, teamId), inArray(generations.checkpointId, [...checkpointIds])))
    .orderBy(desc(generations.createdAt));
}

/** The newest generations of one checkpoint (the playground's shared history). */
export function generationsOfCheckpoint(db: Database, teamId: string, checkpointId: string, limit: number) {
  return db
    .select()
    .from(generations)
    .where(and(eq(generations.teamId, teamId), eq(generations.checkpointId, checkpointId)))
    .orderBy(desc(generations.createdAt))
    .limit(limit);
}
