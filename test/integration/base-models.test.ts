import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beatWorker, deleteWorker, upsertWorker, type DbHandle } from "@studio/db";
import { createTeam, errorOf, gqlAs, okAs, type TestTeam } from "../support/auth.js";
import { insertImage, insertSubject, rowCounts, testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";

const MODELS = `{ baseModels { id default available trainers pullCommand } }`;
const START = `mutation($i: StartRunInput!) { startRun(input: $i) { id state baseModel } }`;
const SD21 = "stable-diffusion-2-1-base";

/**
 * Base model availability (docs/base-models.md): trainers record which base models they have on
 * their worker row; `baseModels` reports it; `startRun` refuses at once a model no live trainer has
 * when live trainers have reported, and accepts (queues) when none is live.
 */
describe("api: base model availability", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let db: DbHandle;
  let subjectId: string;
  const workerIds: string[] = [];

  const register = async (id: string, baseModels?: string[]) => {
    workerIds.push(id);
    await upsertWorker(db.db, { id, hostname: "test-host", pid: 1, engine: { engineVersion: "test" }, ...(baseModels ? { baseModels } : {}) });
    await beatWorker(db.db, id);
  };
  const models = async () => Object.fromEntries(((await okAs(api.url, team.secret, MODELS)).baseModels as { id: string }[]).map((m) => [m.id, m]));

  beforeAll(async () => {
    [api, team] = await Promise.all([startApi(), createTeam("base-models-team")]);
    db = testDb();
    const s = await insertSubject(db, team.teamId, "backpack");
    for (let i = 0; i < 4; i++) await insertImage(db, team.teamId, s.id);
    subjectId = s.id;
    // no trainer of an earlier test file may still count as live here
    await db.pool.query(`update workers set heartbeat_at = now() - interval '1 hour'`);
  });
  afterAll(async () => {
    for (const id of workerIds) await deleteWorker(db.db, id).catch(() => undefined);
    await api?.proc.stop();
    await db?.close();
  });

  it("with no live trainer: nothing is available, and a run is still accepted (it waits in the queue)", async () => {
    const m = await models();
    expect(m[SD21]).toEqual({ id: SD21, default: true, available: false, trainers: 0, pullCommand: `./studio models pull ${SD21}` });
    expect(m["tiny-random"]).toMatchObject({ available: false, trainers: 0 });
    const run = (await okAs(api.url, team.secret, START, { i: { subjectId } })).startRun;
    expect(run).toMatchObject({ state: "QUEUED", baseModel: SD21 });
    await okAs(api.url, team.secret, `mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: run.id });
  });

  it("a model no live trainer has is refused at once with the command that fixes it, and nothing is created", async () => {
    await register("bm-trainer-a", ["tiny-random"]);
    await register("bm-trainer-b", ["tiny-random"]);
    const m = await models();
    expect(m["tiny-random"]).toMatchObject({ available: true, trainers: 2 });
    expect(m[SD21]).toMatchObject({ available: false, trainers: 0 });

    const before = await rowCounts(db);
    const started = Date.now();
    const refused = await gqlAs(api.url, team.secret, START, { i: { subjectId } });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(errorOf(refused.body)).toMatchObject({ code: "BASE_MODEL_UNAVAILABLE", field: "baseModel" });
    const e = refused.body.errors![0] as { message: string; extensions: Record<string, unknown> };
    expect(e.extensions).toMatchObject({ fix: `./studio models pull ${SD21}`, liveTrainers: 2 });
    expect(e.message).toContain(`./studio models pull ${SD21}`);
    expect(await rowCounts(db)).toEqual(before);

    const tiny = (await okAs(api.url, team.secret, START, { i: { subjectId, baseModel: "tiny-random" } })).startRun;
    expect(tiny).toMatchObject({ state: "QUEUED", baseModel: "tiny-random" });
    await okAs(api.url, team.secret, `mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: tiny.id });
  });

  it("a trainer that reports the model makes it available; one that has not reported yet is given the benefit of the doubt", async () => {
    await register("bm-trainer-c", ["tiny-random", SD21]);
    expect((await models())[SD21]).toMatchObject({ available: true, trainers: 1 });
    const ok = (await okAs(api.url, team.secret, START, { i: { subjectId } })).startRun;
    expect(ok.state).toBe("QUEUED");
    await okAs(api.url, team.secret, `mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: ok.id });

    await deleteWorker(db.db, "bm-trainer-c");
    expect((await models())[SD21]).toMatchObject({ available: false, trainers: 0 });
    await register("bm-trainer-old"); // no base_models column value: an older trainer
    const accepted = (await okAs(api.url, team.secret, START, { i: { subjectId } })).startRun;
    expect(accepted.state).toBe("QUEUED");
    await okAs(api.url, team.secret, `mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: accepted.id });
  });

  it("a trainer whose heartbeat is stale no longer counts", async () => {
    await db.pool.query(`update workers set heartbeat_at = now() - interval '1 hour' where id = any($1)`, [workerIds]);
    expect((await models())["tiny-random"]).toMatchObject({ available: false, trainers: 0 });
  });
});
