import { createHash, randomUUID } from "node:crypto";
import { appendRunEvents, openDb, schema, type DbHandle, type NewRunEvent } from "@studio/db";
import { services } from "./services.js";

/** Direct database access for arranging state the API cannot create yet (runs the trainer advances). */
export function testDb(): DbHandle {
  return openDb(services().databaseUrl, { max: 4 });
}

const hex = (s: string) => createHash("sha256").update(s).digest("hex");

export async function insertSubject(db: DbHandle, teamId: string, name = "fixture subject") {
  const [s] = await db.db.insert(schema.subjects).values({ teamId, name, classNoun: "backpack" }).returning();
  return s!;
}

export async function insertImage(db: DbHandle, teamId: string, subjectId: string) {
  const id = randomUUID();
  const [row] = await db.db
    .insert(schema.subjectImages)
    .values({
      id,
      teamId,
      subjectId,
      objectKey: `teams/${teamId}/subjects/${subjectId}/images/${id}/x.jpg`,
      displayKey: `teams/${teamId}/subjects/${subjectId}/display/${id}.webp`,
      filename: "x.jpg",
      contentType: "image/jpeg",
      byteSize: 100,
      sha256: hex(id),
      width: 512,
      height: 512,
    })
    .returning();
  return row!;
}

/** A run as a trainer would leave it mid-way: RUNNING with a lease, plus a checkpoint and a generation. */
export async function insertRunWithCheckpoint(db: DbHandle, teamId: string, subjectId: string) {
  const [run] = await db.db
    .insert(schema.runs)
    .values({
      teamId,
      subjectId,
      method: "TWO_STAGE",
      baseModel: "tiny-random",
      config: {},
      state: "RUNNING",
      totalSteps: 500,
      leaseOwner: "fixture",
      leaseExpiresAt: new Date(Date.now() + 60_000),
      startedAt: new Date(),
    })
    .returning();
  const ckptDir = `teams/${teamId}/runs/${run!.id}/checkpoints/stage2-step-000200`;
  const [checkpoint] = await db.db
    .insert(schema.checkpoints)
    .values({
      runId: run!.id,
      teamId,
      stage: "stage2",
      step: 200,
      sizeBytes: 1234,
      sha256: hex(run!.id),
      files: [
        { name: "checkpoint.json", objectKey: `${ckptDir}/checkpoint.json`, sizeBytes: 34, sha256: hex("a") },
        { name: "unet.safetensors", objectKey: `${ckptDir}/unet.safetensors`, sizeBytes: 1200, sha256: hex("b") },
      ],
    })
    .returning();
  const [generation] = await db.db
    .insert(schema.generations)
    .values({ teamId, checkpointId: checkpoint!.id, prompt: "a photo of <rare> backpack", seed: 1, steps: 10, guidanceScale: 7.5, count: 1 })
    .returning();
  return { run: run!, checkpoint: checkpoint!, generation: generation! };
}

export async function appendEvents(db: DbHandle, runId: string, events: NewRunEvent[]): Promise<number> {
  return db.db.transaction((tx) => appendRunEvents(tx, runId, events));
}

export function lossEvents(from: number, to: number): NewRunEvent[] {
  const out: NewRunEvent[] = [];
  for (let step = from; step <= to; step++) out.push({ type: "LossLogged", payload: { stage: "stage1", step, loss: 1 / step, learningRate: 5e-4 } });
  return out;
}

/** Row counts of the tables a bad request must not touch. */
export async function rowCounts(db: DbHandle): Promise<Record<string, number>> {
  const tables = ["subjects", "uploads", "subject_images", "runs", "run_events", "generations", "api_keys"];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await db.pool.query<{ n: string }>(`select count(*)::text as n from ${t}`);
    out[t] = Number(r.rows[0]!.n);
  }
  return out;
}
