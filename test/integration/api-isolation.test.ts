import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@studio/db";
import { createTeam, errorOf, gqlAs, okAs, wsClientAs, type TestTeam } from "../support/auth.js";
import { appendEvents, insertImage, insertRunWithCheckpoint, insertSubject, lossEvents, rowCounts, testDb } from "../support/fixtures.js";
import { takeSubscription } from "../support/graphql.js";
import { startApi } from "../support/processes.js";

describe("api: a team sees and touches only its own things", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let a: TestTeam;
  let b: TestTeam;
  let db: DbHandle;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    [api, a, b] = await Promise.all([startApi(), createTeam("team-a"), createTeam("team-b")]);
    db = testDb();
    const subject = await insertSubject(db, a.teamId, "a's subject");
    const image = await insertImage(db, a.teamId, subject.id);
    const { run, checkpoint, generation } = await insertRunWithCheckpoint(db, a.teamId, subject.id);
    await appendEvents(db, run.id, lossEvents(1, 3));
    const up = await okAs(api.url, a.secret, `mutation($s: ID!) { createImageUpload(subjectId: $s, filename: "a.jpg", contentType: "image/jpeg", byteSize: 100) { uploadId } }`, {
      s: subject.id,
    });
    Object.assign(ids, {
      subject: subject.id,
      image: image.id,
      run: run.id,
      checkpoint: checkpoint.id,
      generation: generation.id,
      upload: up.createImageUpload.uploadId,
      key: a.apiKeyId,
      bSubject: (await insertSubject(db, b.teamId, "b's subject")).id,
    });
  });
  afterAll(async () => {
    await api?.proc.stop();
    await db?.close();
  });

  it("queries: another team's ids are simply not there", async () => {
    const { body } = await gqlAs(
      api.url,
      b.secret,
      `query($s: ID!, $r: ID!, $c: ID!, $g: ID!) {
        subject(id: $s) { id } run(id: $r) { id } checkpoint(id: $c) { id } generation(id: $g) { id }
        subjects(first: 100) { edges { node { id } } }
        runs(first: 100) { edges { node { id } } }
        bySubject: runs(subjectId: $s) { edges { node { id } } }
        viewer { apiKeys { id } teams { id } }
      }`,
      { s: ids.subject, r: ids.run, c: ids.checkpoint, g: ids.generation },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({ subject: null, run: null, checkpoint: null, generation: null, runs: { edges: [] }, bySubject: { edges: [] } });
    expect((body.data as any).subjects.edges).toEqual([{ node: { id: ids.bSubject } }]);
    const text = JSON.stringify(body);
    for (const [name, id] of Object.entries(ids)) if (name !== "bSubject") expect(text, name).not.toContain(id);
    // the owner sees them all
    const own = await okAs(
      api.url,
      a.secret,
      `query($s: ID!, $r: ID!, $c: ID!, $g: ID!) { subject(id: $s) { id } run(id: $r) { id } checkpoint(id: $c) { id } generation(id: $g) { id } }`,
      { s: ids.subject, r: ids.run, c: ids.checkpoint, g: ids.generation },
    );
    expect(own).toEqual({ subject: { id: ids.subject }, run: { id: ids.run }, checkpoint: { id: ids.checkpoint }, generation: { id: ids.generation } });
  });

  it("mutations on another team's ids answer NOT_FOUND and change nothing", async () => {
    const before = await rowCounts(db);
    const cases: [string, string, Record<string, unknown>][] = [
      [
        "createImageUpload",
        `mutation($s: ID!) { createImageUpload(subjectId: $s, filename: "x.jpg", contentType: "image/jpeg", byteSize: 10) { uploadId url } }`,
        { s: ids.subject },
      ],
      ["addSubjectImage", `mutation($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id } }`, { s: ids.subject, u: ids.upload }],
      ["addSubjectImage (own subject, other's upload)", `mutation($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id } }`, { s: ids.bSubject, u: ids.upload }],
      ["removeSubjectImage", `mutation($id: ID!) { removeSubjectImage(id: $id) }`, { id: ids.image }],
      ["startRun", `mutation($s: ID!) { startRun(input: { subjectId: $s }) { id } }`, { s: ids.subject }],
      ["cancelRun", `mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: ids.run }],
      ["generate", `mutation($c: ID!) { generate(input: { checkpointId: $c, prompt: "p" }) { id } }`, { c: ids.checkpoint }],
      ["revokeApiKey", `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: ids.key }],
    ];
    for (const [name, q, v] of cases) {
      const { body } = await gqlAs(api.url, b.secret, q, v);
      expect(errorOf(body).code, name).toBe("NOT_FOUND");
      expect(body.data ?? null, name).toBeNull();
    }
    expect(await rowCounts(db)).toEqual(before);
    const { rows } = await db.pool.query("select state, cancel_requested_at from runs where id = $1", [ids.run]);
    expect(rows[0]).toEqual({ state: "RUNNING", cancel_requested_at: null });
    expect((await okAs(api.url, a.secret, "{ viewer { role } }")).viewer.role).toBe("OWNER");
  });

  it("subscriptions to another team's run or generation answer NOT_FOUND", async () => {
    const client = wsClientAs(api.wsUrl, b.secret);
    const owner = wsClientAs(api.wsUrl, a.secret);
    try {
      const [r] = await takeSubscription(client, `subscription($r: ID!) { runEvents(runId: $r) { __typename } }`, { r: ids.run }, 1);
      expect(r!.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      const [g] = await takeSubscription(client, `subscription($g: ID!) { generationUpdated(id: $g) { id } }`, { g: ids.generation }, 1);
      expect(g!.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      // the same subscription works for the owner
      const events = await takeSubscription<{ runEvents: { __typename: string } }>(owner, `subscription($r: ID!) { runEvents(runId: $r) { __typename } }`, { r: ids.run }, 3);
      expect(events.map((e) => e.data?.runEvents.__typename)).toEqual(["LossLogged", "LossLogged", "LossLogged"]);
    } finally {
      await client.dispose();
      await owner.dispose();
    }
  });
});
