import { createHash } from "node:crypto";
import { schema, type DbHandle } from "@studio/db";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, gqlAs, okAs, wsClientAs } from "../support/auth.js";
import { bootstrapTeam } from "../support/bootstrap.js";
import { insertImage, insertRunWithCheckpoint, insertSubject, testDb } from "../support/fixtures.js";
import { TrainerFixtures } from "../support/trainer-fixtures.js";
import { startApi } from "../support/processes.js";

const RUN = `query($id: ID!) { run(id: $id) { id subject { id name classNoun images { id } runs { id } }
  samples { id } checkpoints { id files { name url } downloadUrl } } }`;
const CARD = `query($id: ID!) { checkpoint(id: $id) { id modelCard { baseModel baseModelRevision method token classNoun stage step
  stageSettings subjectImages { sha256 thumbnailUrl } evaluations { protocol clipI clipT dino } team { id name }
  trainedBy { id } trainedAt checkpointSha256 markdown } } }`;
const GENERATE = `mutation($c: ID!) { generate(input: { checkpointId: $c, prompt: "a photo of <rare> backpack", steps: 2 }) { id state } }`;
const SHARE = `mutation($i: CreateShareInput!) { createShare(input: $i) { token url share { id kind active promptOnly expiresAt
  targetTeam { id name } run { id } createdBy { id } } } }`;
const REVOKE = `mutation($id: ID!) { revokeShare(id: $id) { id active revokedAt revokedBy { id } } }`;
const count = async (db: DbHandle, table: string) => Number((await db.pool.query(`select count(*) as n from ${table}`)).rows[0].n);

describe("api: sharing runs with other teams and through links; model cards", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let a: Awaited<ReturnType<typeof bootstrapTeam>>;
  let b: Awaited<ReturnType<typeof bootstrapTeam>>;
  let c: Awaited<ReturnType<typeof bootstrapTeam>>;
  let db: DbHandle;
  let fx: TrainerFixtures;
  let shared: Awaited<ReturnType<typeof insertRunWithCheckpoint>>;
  let other: Awaited<ReturnType<typeof insertRunWithCheckpoint>>;
  let subjectId: string;
  const imageHashes: string[] = [];

  beforeAll(async () => {
    [api, a, b, c] = await Promise.all([startApi(), bootstrapTeam("share-owner"), bootstrapTeam("share-b"), bootstrapTeam("share-c")]);
    db = testDb();
    fx = new TrainerFixtures();
    const subject = await insertSubject(db, a.teamId, "backpack");
    subjectId = subject.id;
    for (let i = 0; i < 2; i++) {
      const img = await insertImage(db, a.teamId, subject.id);
      imageHashes.push(img.sha256);
      const webp = await sharp({ create: { width: 600, height: 400, channels: 3, background: { r: 200, g: 10 * i, b: 0 } } })
        .webp()
        .toBuffer();
      await fx.s3.putObject(fx.bucket, img.displayKey, webp, webp.length, { "Content-Type": "image/webp" });
    }
    shared = await insertRunWithCheckpoint(db, a.teamId, subject.id);
    other = await insertRunWithCheckpoint(db, a.teamId, subject.id);
    await db.pool.query("update runs set created_by = $1, config = $2 where id = $3", [a.userId, { stage2: { steps: 400 } }, shared.run.id]);
    const meta = Buffer.from(JSON.stringify({ baseModel: { id: "tiny-random", fingerprint: "f1ngerpr1nt" }, token: "<rare>" }));
    await fx.s3.putObject(fx.bucket, shared.checkpoint.files.find((f) => f.name === "checkpoint.json")!.objectKey, meta, meta.length);
    await db.db.insert(schema.samples).values({ runId: shared.run.id, teamId: a.teamId, stage: "stage2", step: 200, promptIndex: 0, prompt: "p", seed: 0, objectKey: "k" });
    await db.db.insert(schema.evaluations).values({
      teamId: a.teamId,
      runId: shared.run.id,
      checkpointId: shared.checkpoint.id,
      protocol: "QUICK",
      state: "SUCCEEDED",
      spec: { baseModel: "tiny-random", token: "<rare>", classNoun: "backpack", steps: 2, guidanceScale: 7.5, prompts: [], drift: { prompt: "", seeds: [] } },
      imagesTotal: 1,
      imagesDone: 1,
      clipI: 0.8,
      clipT: 0.3,
      dino: 0.6,
      finishedAt: new Date(),
    });
  });
  afterAll(async () => {
    await api?.proc.stop();
    await db?.close();
    await fx?.close();
  });

  it("a team share: the other team sees exactly the shared run, its checkpoints and model card — nothing else", async () => {
    const s = await okAs(api.url, a.secret, SHARE, { i: { runId: shared.run.id, kind: "TEAM", targetTeamId: b.teamId } });
    expect(s.createShare).toMatchObject({
      token: null,
      url: null,
      share: { kind: "TEAM", active: true, targetTeam: { id: b.teamId, name: "share-b" }, run: { id: shared.run.id }, createdBy: { id: a.userId } },
    });
    const mine = await okAs(api.url, b.secret, `{ sharedWithMe { shareId run { id } team { id name } } }`);
    expect(mine.sharedWithMe).toEqual([{ shareId: s.createShare.share.id, run: { id: shared.run.id }, team: { id: a.teamId, name: "share-owner" } }]);

    const r = (await okAs(api.url, b.secret, RUN, { id: shared.run.id })).run;
    expect(r.id).toBe(shared.run.id);
    // the subject's name and class, but not its photos (originals stay with the owner) nor its other runs
    expect(r.subject).toEqual({ id: subjectId, name: "backpack", classNoun: "backpack", images: [], runs: [] });
    expect(r.samples).toHaveLength(1);
    expect(r.checkpoints.map((x: any) => x.id)).toEqual([shared.checkpoint.id]);
    expect(r.checkpoints[0].downloadUrl).toMatch(/^http/);
    expect(r.checkpoints[0].files[0].url).toMatch(/^http/);

    const card = (await okAs(api.url, b.secret, CARD, { id: shared.checkpoint.id })).checkpoint.modelCard;
    expect(card).toMatchObject({
      baseModel: "tiny-random",
      baseModelRevision: "f1ngerpr1nt",
      method: "TWO_STAGE",
      token: "<rare>",
      classNoun: "backpack",
      stage: "stage2",
      step: 200,
      stageSettings: { stage2: { steps: 400 } },
      evaluations: [{ protocol: "QUICK", clipI: 0.8, clipT: 0.3, dino: 0.6 }],
      team: { id: a.teamId, name: "share-owner" },
      trainedBy: { id: a.userId },
      checkpointSha256: shared.checkpoint.sha256,
    });
    expect(card.subjectImages.map((i: any) => i.sha256)).toEqual(imageHashes);
    const thumb = await fetch(card.subjectImages[0].thumbnailUrl);
    expect(thumb.status).toBe(200);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([meta.format, Math.max(meta.width!, meta.height!)]).toEqual(["webp", 256]);
    expect(card.markdown).toMatch(/^---\nbase_model: "tiny-random"\nbase_model_revision: "f1ngerpr1nt"/);
    expect(card.markdown).toContain(imageHashes[0]);
    expect(card.markdown).toContain("| QUICK | 0.800 | 0.300 | 0.600 |");

    // nothing else of the owner team
    expect((await okAs(api.url, b.secret, RUN, { id: other.run.id })).run).toBeNull();
    expect((await okAs(api.url, b.secret, CARD, { id: other.checkpoint.id })).checkpoint).toBeNull();
    expect((await okAs(api.url, b.secret, `query($id: ID!) { subject(id: $id) { id } }`, { id: subjectId })).subject).toBeNull();
    expect((await okAs(api.url, b.secret, `{ runs { edges { node { id } } } }`)).runs.edges).toEqual([]);
    expect((await okAs(api.url, b.secret, `query($id: ID!) { generation(id: $id) { id } }`, { id: shared.generation.id })).generation).toBeNull();
    // a third team sees none of it
    expect((await okAs(api.url, c.secret, RUN, { id: shared.run.id })).run).toBeNull();
    expect((await okAs(api.url, c.secret, `{ sharedWithMe { shareId } }`)).sharedWithMe).toEqual([]);
  });

  it("the other team may generate (its own generation) but not change, re-share or cancel the run", async () => {
    const g = await okAs(api.url, b.secret, GENERATE, { c: shared.checkpoint.id });
    expect(g.generate.state).toBe("QUEUED");
    const { rows } = await db.pool.query("select team_id, created_by, share_id from generations where id = $1", [g.generate.id]);
    expect(rows[0]).toEqual({ team_id: b.teamId, created_by: b.userId, share_id: null });
    const before = [await count(db, "shares"), await count(db, "runs")];
    expect(errorOf((await gqlAs(api.url, b.secret, `mutation($r: ID!) { cancelRun(id: $r) { id } }`, { r: shared.run.id })).body).code).toBe("FORBIDDEN");
    expect(errorOf((await gqlAs(api.url, b.secret, SHARE, { i: { runId: shared.run.id, kind: "LINK" } })).body).code).toBe("FORBIDDEN");
    expect(errorOf((await gqlAs(api.url, b.secret, SHARE, { i: { runId: shared.run.id, kind: "TEAM", targetTeamId: c.teamId } })).body).code).toBe("FORBIDDEN");
    const start = await gqlAs(api.url, b.secret, `mutation($s: ID!) { startRun(input: { subjectId: $s }) { id } }`, { s: subjectId });
    expect(errorOf(start.body).code).toBe("NOT_FOUND");
    expect([await count(db, "shares"), await count(db, "runs")]).toEqual(before);
  });

  it("another team's ids answer NOT_FOUND and change nothing", async () => {
    const [share] = (await okAs(api.url, a.secret, `query($r: ID) { shares(runId: $r) { id } }`, { r: shared.run.id })).shares;
    const before = [await count(db, "shares"), await count(db, "access_audit")];
    expect(errorOf((await gqlAs(api.url, c.secret, REVOKE, { id: share.id })).body).code).toBe("NOT_FOUND");
    expect(errorOf((await gqlAs(api.url, c.secret, SHARE, { i: { runId: shared.run.id, kind: "TEAM", targetTeamId: b.teamId } })).body).code).toBe("NOT_FOUND");
    expect(errorOf((await gqlAs(api.url, c.secret, `query($r: ID) { shares(runId: $r) { id } }`, { r: shared.run.id })).body).code).toBe("NOT_FOUND");
    const noTeam = await gqlAs(api.url, a.secret, SHARE, { i: { runId: shared.run.id, kind: "TEAM", targetTeamId: "00000000-0000-0000-0000-000000000001" } });
    expect(errorOf(noTeam.body).code).toBe("NOT_FOUND");
    const self = await gqlAs(api.url, a.secret, SHARE, { i: { runId: shared.run.id, kind: "TEAM", targetTeamId: a.teamId } });
    expect(errorOf(self.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "targetTeamId" });
    expect([await count(db, "shares"), await count(db, "access_audit")]).toEqual(before);
  });

  it("revoking a team share takes effect on the very next request, and ends the other team's open run stream", async () => {
    const [share] = (await okAs(api.url, a.secret, `{ shares { id kind active } }`)).shares;
    // team B is watching the shared run's events when A revokes the share
    const client = wsClientAs(api.wsUrl, b.secret);
    const got: { errors?: { message: string; extensions?: { code?: string } }[]; data?: unknown }[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the stream did not end: ${JSON.stringify(got)}`)), 20_000);
      client.subscribe(
        { query: `subscription($r: ID!) { runEvents(runId: $r) { __typename } }`, variables: { r: shared.run.id } },
        {
          next: (v) => void got.push(v as never),
          error: (e) => {
            clearTimeout(timer);
            got.push({ errors: Array.isArray(e) ? e : [{ message: String((e as Error).message ?? e) }] });
            resolve();
          },
          complete: () => {
            clearTimeout(timer);
            resolve();
          },
        },
      );
    });
    await new Promise((r) => setTimeout(r, 500)); // subscribed and replaying
    expect(got.some((g) => g.errors)).toBe(false);
    const r = await okAs(api.url, a.secret, REVOKE, { id: share.id });
    await ended;
    await client.dispose();
    const last = got.at(-1)!;
    expect(last.errors?.[0]?.message ?? "").toMatch(/no longer shared|FORBIDDEN|not found/i);
    expect(r.revokeShare).toMatchObject({ active: false, revokedBy: { id: a.userId } });
    expect((await okAs(api.url, b.secret, RUN, { id: shared.run.id })).run).toBeNull();
    expect((await okAs(api.url, b.secret, `{ sharedWithMe { shareId } }`)).sharedWithMe).toEqual([]);
    expect(errorOf((await gqlAs(api.url, b.secret, GENERATE, { c: shared.checkpoint.id })).body).code).toBe("NOT_FOUND");
    // revoking twice is harmless
    expect((await okAs(api.url, a.secret, REVOKE, { id: share.id })).revokeShare.active).toBe(false);
  });

  it("a link share reads only its run and generates (under the owner team, no user); everything else is FORBIDDEN", async () => {
    const s = (await okAs(api.url, a.secret, SHARE, { i: { runId: shared.run.id, kind: "LINK", expiresInHours: 24 } })).createShare;
    expect(s.token).toMatch(/^shl_[A-Za-z0-9_-]{43}$/);
    expect(s.url).toBe(`/shared/${s.token}`);
    const { rows: stored } = await db.pool.query("select token_hash from shares where id = $1", [s.share.id]);
    expect(stored[0].token_hash).toBe(createHash("sha256").update(s.token).digest("hex"));

    const link = s.token as string;
    const opened = await okAs(api.url, link, `{ sharedLink { shareId promptOnly run { id } team { name } } }`);
    expect(opened.sharedLink).toEqual({ shareId: s.share.id, promptOnly: false, run: { id: shared.run.id }, team: { name: "share-owner" } });
    const r = (await okAs(api.url, link, RUN, { id: shared.run.id })).run;
    expect(r.checkpoints[0].downloadUrl).toMatch(/^http/);
    expect((await okAs(api.url, link, RUN, { id: other.run.id })).run).toBeNull();
    for (const q of [
      `{ viewer { role } }`,
      `{ subjects { edges { node { id } } } }`,
      `{ runs { edges { node { id } } } }`,
      `{ sharedWithMe { shareId } }`,
      `mutation { createApiKey(name: "x") { secret } }`,
    ]) {
      const { body } = await gqlAs(api.url, link, q);
      expect(errorOf(body).code, q).toBe("FORBIDDEN");
    }
    const g = await okAs(api.url, link, GENERATE, { c: shared.checkpoint.id });
    const { rows } = await db.pool.query("select team_id, created_by, share_id from generations where id = $1", [g.generate.id]);
    expect(rows[0]).toEqual({ team_id: a.teamId, created_by: null, share_id: s.share.id });
    expect((await okAs(api.url, link, `query($id: ID!) { generation(id: $id) { id } }`, { id: g.generate.id })).generation.id).toBe(g.generate.id);
    expect(errorOf((await gqlAs(api.url, link, GENERATE, { c: other.checkpoint.id })).body).code).toBe("NOT_FOUND");

    // revoked: FORBIDDEN on the very next request, saying so
    await okAs(api.url, a.secret, REVOKE, { id: s.share.id });
    const after = await gqlAs(api.url, link, RUN, { id: shared.run.id });
    expect(errorOf(after.body).code).toBe("FORBIDDEN");
    expect(errorOf(after.body).message).toMatch(/revoked/);
    expect(errorOf((await gqlAs(api.url, link, GENERATE, { c: shared.checkpoint.id })).body).code).toBe("FORBIDDEN");
  });

  it("a promptOnly link hides files and thumbnails; an expired link is FORBIDDEN, saying so", async () => {
    const s = (await okAs(api.url, a.secret, SHARE, { i: { runId: shared.run.id, kind: "LINK", promptOnly: true } })).createShare;
    expect(s.share).toMatchObject({ promptOnly: true, expiresAt: null });
    const link = s.token as string;
    const r = await okAs(api.url, link, `query($id: ID!) { checkpoint(id: $id) { id files { name } modelCard { subjectImages { sha256 thumbnailUrl } } } }`, {
      id: shared.checkpoint.id,
    });
    expect(r.checkpoint.files).toEqual([]);
    expect(r.checkpoint.modelCard.subjectImages.map((i: any) => i.thumbnailUrl)).toEqual([null, null]);
    const dl = await gqlAs(api.url, link, `query($id: ID!) { checkpoint(id: $id) { downloadUrl } }`, { id: shared.checkpoint.id });
    expect(errorOf(dl.body).code).toBe("FORBIDDEN");
    expect((await okAs(api.url, link, GENERATE, { c: shared.checkpoint.id })).generate.state).toBe("QUEUED");

    await db.pool.query("update shares set expires_at = now() - interval '1 second' where id = $1", [s.share.id]);
    const expired = await gqlAs(api.url, link, `{ sharedLink { shareId } }`);
    expect(errorOf(expired.body).code).toBe("FORBIDDEN");
    expect(errorOf(expired.body).message).toMatch(/expired/);
    const unknown = await gqlAs(api.url, `shl_${"A".repeat(43)}`, `{ sharedLink { shareId } }`);
    expect(errorOf(unknown.body).code).toBe("UNAUTHENTICATED");
  });

  it("every share and revoke is in the owner team's access log, with who and when", async () => {
    const log = (await okAs(api.url, a.secret, `{ shareAudit(first: 20) { action actor { id } at shareId details } }`)).shareAudit;
    const actions = log.map((e: any) => e.action);
    const shareIds = new Set((await okAs(api.url, a.secret, `query($r: ID) { shares(runId: $r) { id } }`, { r: shared.run.id })).shares.map((x: any) => x.id));
    expect(actions.filter((x: string) => x === "SHARE_CREATED")).toHaveLength(3);
    expect(actions.filter((x: string) => x === "SHARE_REVOKED")).toHaveLength(2);
    for (const e of log) {
      expect(e.actor).toEqual({ id: a.userId });
      expect(Date.now() - new Date(e.at).getTime()).toBeLessThan(120_000);
      expect(e.details.runId).toBe(shared.run.id);
      expect(shareIds.has(e.shareId)).toBe(true); // the entry names one of this run's shares
    }
    // each share's creation is recorded once, under its own id
    const created = log.filter((e: any) => e.action === "SHARE_CREATED").map((e: any) => e.shareId);
    expect(new Set(created)).toEqual(shareIds);
    expect((await okAs(api.url, b.secret, `{ shareAudit { id } }`)).shareAudit).toEqual([]);
  });
});
