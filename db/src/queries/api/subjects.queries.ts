import { and, asc, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "../../client.js";
import type { Executor } from "../../client.tx.js";
import { subjectImages, uploads } from "../../schema/images.js";
import { subjects } from "../../schema/subjects.js";

export type NewSubject = typeof subjects.$inferInsert;
export type NewUpload = typeof uploads.$inferInsert;
export type NewSubjectImage = typeof subjectImages.$inferInsert;

export async function insertSubject(db: Database, s: NewSubject) {
  const [row] = await db.insert(subjects).values(s).returning();
  return row!;
}

export async function getSubject(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(subjects)
    .where(and(eq(subjects.teamId, teamId), eq(subjects.id, id)));
  return row ?? null;
}

export function subjectsByIds(db: Database, teamId: string, ids: readonly string[]) {
  return db
    .select()
    .from(subjects)
    .where(and(eq(subjects.teamId, teamId), inArray(subjects.id, [...ids])));
}

/**
 * Newest first, keyset-paginated on (created_at, id). `after` is the id of the last row seen; its
 * position is read in SQL so the timestamp keeps its full precision.
 */
export function listSubjects(db: Database, teamId: string, limit: number, after?: string | null) {
  const conds = [eq(subjects.teamId, teamId)];
  if (after) conds.push(sql`(${subjects.createdAt}, ${subjects.id}) < (select s2.created_at, s2.id from subjects s2 where s2.id = ${after} and s2.team_id = ${teamId})`);
  return db
    .select()
    .from(subjects)
    .where(and(...conds))
    .orderBy(desc(subjects.createdAt), desc(subjects.id))
    .limit(limit);
}

export async function insertUpload(db: Database, u: NewUpload) {
  const [row] = await db.insert(uploads).values(u).returning();
  return row!;
}

export async function getUpload(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(uploads)
    .where(and(eq(uploads.teamId, teamId), eq(uploads.id, id)));
  return row ?? null;
}

/**
 * Records a validated image and consumes its upload in one transaction. Returns null (and writes
 * nothing) when the upload was consumed meanwhile.
 */
export async function insertImageConsumingUpload(db: Database, uploadId: string, img: NewSubjectImage) {
  return db.transaction(async (tx) => {
    const consumed = await tx
      .update(uploads)
      .set({ consumedAt: new Date() })
      .where(and(eq(uploads.id, uploadId), isNull(uploads.consumedAt)))
      .returning({ id: uploads.id });
    if (consumed.length === 0) return null;
    const [row] = await tx.insert(subjectImages).values(img).returning();
    return row!;
  });
}

export async function getSubjectImage(db: Database, teamId: string, id: string) {
  const [row] = await db
    .select()
    .from(subjectImages)
    .where(and(eq(subjectImages.teamId, teamId), eq(subjectImages.id, id)));
  return row ?? null;
}

export async function deleteSubjectImage(db: Executor, teamId: string, id: string) {
  const rows = await db
    .delete(subjectImages)
    .where(and(eq(subjectImages.teamId, teamId), eq(subjectImages.id, id)))
    .returning();
  return rows[0] ?? null;
}

/** Images of many subjects, each list in createdAt order (the order training reads them). */
export function imagesBySubjectIds(db: Database, teamId: string, subjectIds: readonly string[]) {
  return db
    .select()
    .from(subjectImages)
    .where(and(eq(subjectImages.teamId, teamId), inArray(subjectImages.subjectId, [...subjectIds])))
    .orderBy(asc(subjectImages.createdAt), asc(subjectImages.id));
}

export async function countSubjectImages(db: Executor, teamId: string, subjectId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(subjectImages)
    .where(and(eq(subjectImages.teamId, teamId), eq(subjectImages.subjectId, subjectId)));
  return Number(row?.n ?? 0);
}
