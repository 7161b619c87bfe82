import { and, desc, eq, inArray, sql } from "drizzle-orm";
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

/**
 * Like createGeneration, but only while the team has fewer than `maxUnfinished` QUEUED or RUNNING
 * generations: the count and the insert run under a per-team transaction lock, so concurrent requests
 * (other replicas included) cannot overshoot. Over the budget nothing is written.
 */
export async function createGenerationWithin(db: Database, g: NewGeneration, maxUnfinished: number) {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`studio.unfinished-generations:${g.teamId}`}, 0))`);
    const [{ n }] = (await tx.execute<{ n: string }>(sql`select count(*) as n from generations where team_id = ${g.teamId} and state in ('QUEUED', 'RUNNING')`)).rows as [
      { n: string },
    ];
    if (Number(n) >= maxUnfinished) return { row: null, unfinished: Number(n) };
    const [row] = await tx.insert(generations).values(g).returning();
    await notify(tx, CHANNELS.work, { kind: "generation", id: row!.id });
    await notify(tx, CHANNELS.generations, { generationId: row!.id, state: row!.state });
    return { row: row!, unfinished: Number(n) + 1 };
  });
}

export async function getGeneration(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(generations)
    .where(and(eq(generations.teamId, teamId), eq(generations.id, id)));
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
