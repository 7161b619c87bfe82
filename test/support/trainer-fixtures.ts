import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { appendRunEvents, CHANNELS, notify, openDb, schema, type DbHandle } from "@studio/db";
import { repoRoot } from "@studio/infra/paths";
import * as Minio from "minio";
import sharp from "sharp";
import { services } from "./services.js";

/**
 * Rows and objects as the api would create them (the api is built separately): a team, a subject
 * with photos in MinIO, runs and generations. Lets trainer tests exercise the platform contract alone.
 */
export class TrainerFixtures {
  readonly db: DbHandle;
  readonly s3: Minio.Client;
  readonly bucket: string;

  constructor() {
    const s = services();
    this.db = openDb(s.databaseUrl, { max: 3 });
    const url = new URL(s.s3.endpoint);
    this.s3 = new Minio.Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: s.s3.accessKey,
      secretKey: s.s3.secretKey,
      region: "us-east-1",
    });
    this.bucket = s.s3.bucket;
  }

  /**
   * A team and a "backpack" subject with 4 photos uploaded to MinIO; `corrupt` replaces the first
   * photo's bytes with text (what a broken upload would leave), for failure tests; `tampered` stores
   * other bytes than the ones recorded for the second photo (size and sha256 of the real one).
   */
  async subject(opts: { corrupt?: boolean; tampered?: boolean } = {}): Promise<{ teamId: string; subjectId: string }> {
    const { db } = this.db;
    const [team] = await db.insert(schema.teams).values({ name: "trainer tests" }).returning();
    const [subject] = await db.insert(schema.subjects).values({ teamId: team!.id, name: "backpack", classNoun: "backpack" }).returning();
    const dir = join(repoRoot, "examples", "backpack");
    for (const [i, name] of ["00.jpg", "01.jpg", "02.jpg", "03.jpg"].entries()) {
      const real = await readFile(join(dir, name));
      const meta = await sharp(real).metadata();
      const bytes = opts.corrupt && i === 0 ? Buffer.from("this is not a JPEG") : real;
      const objectKey = `teams/${team!.id}/subjects/${subject!.id}/images/u${i}/${name}`;
      const stored = opts.tampered && i === 1 ? Buffer.concat([real, Buffer.from("appended after validation")]) : bytes;
      await this.s3.putObject(this.bucket, objectKey, stored, stored.length, { "Content-Type": "image/jpeg" });
      await db.insert(schema.subjectImages).values({
        teamId: team!.id,
        subjectId: subject!.id,
        objectKey,
        displayKey: `teams/${team!.id}/subjects/${subject!.id}/display/${i}.webp`,
        filename: name,
        contentType: "image/jpeg",
        byteSize: opts.tampered && i === 1 ? real.length : bytes.length,
        sha256: createHash("sha256")
          .update(opts.tampered && i === 1 ? real : bytes)
          .digest("hex"),
        width: meta.width!,
        height: meta.height!,
        // Distinct times: the trainer orders training images by createdAt.
        createdAt: new Date(Date.now() + i),
      });
    }
    return { teamId: team!.id, subjectId: subject!.id };
  }

  /** A QUEUED TWO_STAGE run on tiny-random, as the api's startRun inserts it (+ event, + NOTIFY work). */
  async queueRun(subject: { teamId: string; subjectId: string }, stage2: { steps: number; checkpointEvery: number }, samplesEvery = 3) {
    const config = {
      stage1: { steps: 3, learningRate: 5e-4 },
      stage2: { steps: stage2.steps, learningRate: 5e-6, checkpointEvery: stage2.checkpointEvery },
      samples: { prompts: ["a photo of <rare> backpack"], seeds: [0], every: samplesEvery, steps: 2, guidanceScale: 7.5 },
      seed: 0,
      resolution: null,
    };
    const { db } = this.db;
    const run = await db.transaction(async (tx) => {
      const [r] = await tx
        .insert(schema.runs)
        .values({ ...subject, method: "TWO_STAGE", baseModel: "tiny-random", config, totalSteps: 3 + stage2.steps })
        .returning();
      await appendRunEvents(tx, r!.id, [{ type: "RunStateChanged", payload: { state: "QUEUED", previousState: null } }]);
      await notify(tx, CHANNELS.work, { kind: "run", id: r!.id });
      return r!;
    });
    return run;
  }

  /** A QUEUED run of any method with the given runs.config, as startRun inserts it. */
  async queueRunWith(
    subject: { teamId: string; subjectId: string },
    method: "TWO_STAGE" | "DREAMBOOTH" | "TEXTUAL_INVERSION",
    config: Record<string, unknown>,
    totalSteps: number,
  ) {
    const { db } = this.db;
    return db.transaction(async (tx) => {
      const [r] = await tx
        .insert(schema.runs)
        .values({ ...subject, method, baseModel: "tiny-random", config, totalSteps })
        .returning();
      await appendRunEvents(tx, r!.id, [{ type: "RunStateChanged", payload: { state: "QUEUED", previousState: null } }]);
      await notify(tx, CHANNELS.work, { kind: "run", id: r!.id });
      return r!;
    });
  }

  async queueGeneration(teamId: string, checkpointId: string, count: number) {
    const { db } = this.db;
    return db.transaction(async (tx) => {
      const [g] = await tx
        .insert(schema.generations)
        .values({ teamId, checkpointId, prompt: "a photo of <rare> backpack on the beach", seed: 7, steps: 2, guidanceScale: 7.5, count })
        .returning();
      await notify(tx, CHANNELS.work, { kind: "generation", id: g!.id });
      return g!;
    });
  }

  /**
   * Test files share one database and run one after another: work another file left queued or
   * running would be claimed by this file's trainers and delay the runs under test. Finalise it.
   */
  async clearQueue(): Promise<void> {
    await this.db.pool.query("update runs set state = 'CANCELED', finished_at = now() where state in ('QUEUED', 'RUNNING')");
    await this.db.pool.query(
      "update generations set state = 'FAILED', error_code = 'TEST_ISOLATION', error_message = 'left by another test file', finished_at = now() where state in ('QUEUED', 'RUNNING')",
    );
  }

  async objectSha256(objectKey: string): Promise<{ sha256: string; size: number }> {
    const body = await this.s3.getObject(this.bucket, objectKey);
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of body) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest("hex"), size };
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** Polls `read` until `ok` holds; fails with the last value seen. */
export async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** True while `pid` is a live process (a zombie waiting to be reaped counts as gone). */
export async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
