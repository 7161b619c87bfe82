import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import type { DbHandle } from "@studio/db";
import { createTeam, errorOf, gqlAs, okAs, type TestTeam } from "../support/auth.js";
import { rowCounts, testDb } from "../support/fixtures.js";
import { backpackPhoto, bombPng, listObjects, objectExists, postUpload, uploadImage } from "../support/images.js";
import { startApi } from "../support/processes.js";

const CREATE_SUBJECT = `mutation($i: CreateSubjectInput!) { createSubject(input: $i) { id name classNoun kind createdAt images { id } } }`;
const SUBJECT = `query($id: ID!) { subject(id: $id) { id images { id url originalUrl width height sha256 byteSize contentType filename } } }`;

describe("api: subjects and photo uploads (presigned POST policy to MinIO, validated with sharp)", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let db: DbHandle;
  let subjectId: string;

  beforeAll(async () => {
    [api, team] = await Promise.all([startApi(), createTeam("subjects-team")]);
    db = testDb();
    const d = await okAs(api.url, team.secret, CREATE_SUBJECT, { i: { name: "My backpack", classNoun: "backpack" } });
    subjectId = d.createSubject.id;
  });
  afterAll(async () => {
    await api?.proc.stop();
    await db?.close();
  });

  it("creates a subject and lists it as a connection", async () => {
    const d = await okAs(api.url, team.secret, `{ subjects(first: 10) { edges { cursor node { id name classNoun kind } } pageInfo { hasNextPage endCursor } } }`);
    expect(d.subjects.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(subjectId);
    expect(d.subjects.edges[0].node).toMatchObject({ name: "My backpack", classNoun: "backpack", kind: "OBJECT" });
  });

  it("pages subjects with first/after without gaps or repeats", async () => {
    for (let i = 0; i < 4; i++) await okAs(api.url, team.secret, CREATE_SUBJECT, { i: { name: `page ${i}`, classNoun: "dog", kind: "LIVE" } });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const d: any = await okAs(api.url, team.secret, `query($a: String) { subjects(first: 2, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, {
        a: after,
      });
      seen.push(...d.subjects.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!d.subjects.pageInfo.hasNextPage) break;
      after = d.subjects.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it("uploads real JPEGs through presigned POSTs; images get a WebP display URL that fetches", async () => {
    for (const i of [0, 1, 2]) {
      const bytes = await backpackPhoto(i);
      const r = await uploadImage(api.url, team.secret, subjectId, bytes, { filename: `0${i}.jpg` });
      expect(r.error.code, r.error.message).toBeUndefined();
      const meta = await sharp(bytes).metadata();
      expect(r.added.data!.addSubjectImage).toMatchObject({ width: meta.width, height: meta.height, byteSize: bytes.length, contentType: "image/jpeg" });
    }
    const d = await okAs(api.url, team.secret, SUBJECT, { id: subjectId });
    expect(d.subject.images).toHaveLength(3);
    for (const img of d.subject.images) {
      const res = await fetch(img.url);
      expect(res.status).toBe(200);
      const webp = Buffer.from(await res.arrayBuffer());
      const meta = await sharp(webp).metadata();
      expect(meta.format).toBe("webp");
      expect([meta.width, meta.height]).toEqual([img.width, img.height]);
      expect(img.url).toMatch(/X-Amz-Expires=300/); // PRESIGN_EXPIRY_SECONDS default: 5 min
      const orig = await fetch(img.originalUrl);
      expect(orig.status).toBe(200);
      expect(createHashHex(Buffer.from(await orig.arrayBuffer()))).toBe(img.sha256);
    }
  });

  it("records width and height after EXIF orientation", async () => {
    const rotated = await sharp({ create: { width: 200, height: 100, channels: 3, background: "#336699" } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const r = await uploadImage(api.url, team.secret, subjectId, rotated);
    expect(r.error.code, r.error.message).toBeUndefined();
    expect(r.added.data!.addSubjectImage).toMatchObject({ width: 100, height: 200 });
    const img = await fetch(r.added.data!.addSubjectImage.url);
    const meta = await sharp(Buffer.from(await img.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([100, 200]);
    const removed = await okAs(api.url, team.secret, `mutation($id: ID!) { removeSubjectImage(id: $id) }`, { id: r.added.data!.addSubjectImage.id });
    expect(removed.removeSubjectImage).toBe(r.added.data!.addSubjectImage.id);
  });

  const refusals: [string, () => Promise<{ bytes: Buffer; contentType?: string; declaredSize?: number }>, RegExp][] = [
    ["a text file", async () => ({ bytes: Buffer.from("hello, I am not a picture\n".repeat(20)) }), /not a readable image/],
    [
      "a truncated JPEG",
      async () => {
        const b = await backpackPhoto(3);
        return { bytes: b.subarray(0, Math.floor(b.length * 0.6)) };
      },
      /decoded completely|truncat|premature|readable/i,
    ],
    ["a decompression-bomb PNG (IHDR claims 20000×20000)", async () => ({ bytes: await bombPng(), contentType: "image/png" }), /pixel/i],
    [
      "a PNG declared as JPEG",
      async () => ({
        bytes: await sharp({ create: { width: 128, height: 128, channels: 3, background: "#000" } })
          .png()
          .toBuffer(),
      }),
      /png, but image\/jpeg/,
    ],
    [
      "a 32×32 image",
      async () => ({
        bytes: await sharp({ create: { width: 32, height: 32, channels: 3, background: "#fff" } })
          .jpeg()
          .toBuffer(),
      }),
      /outside 64/,
    ],
  ];

  for (const [what, make, message] of refusals) {
    it(`refuses ${what}: BAD_USER_INPUT, the object is deleted, nothing is recorded`, async () => {
      const { bytes, contentType, declaredSize } = await make();
      const before = await rowCounts(db);
      const r = await uploadImage(api.url, team.secret, subjectId, bytes, { contentType, declaredSize });
      expect(r.error).toMatchObject({ code: "BAD_USER_INPUT", field: "uploadId" });
      expect(r.error.message).toMatch(message);
      const after = await rowCounts(db);
      // the upload row was made by createImageUpload; nothing else was written
      expect(after).toEqual({ ...before, uploads: before.uploads! + 1 });
      const { rows } = await db.pool.query("select object_key, consumed_at from uploads where id = $1", [r.uploadId]);
      expect(rows[0].consumed_at).toBeNull();
      expect(await objectExists(rows[0].object_key)).toBe(false);
      expect((await listObjects(`teams/${team.teamId}/subjects/${subjectId}/display/`)).length).toBe(3);
    });
  }

  it("refuses adding the same upload twice, and an upload never POSTed", async () => {
    const bytes = await backpackPhoto(5);
    const r = await uploadImage(api.url, team.secret, subjectId, bytes);
    expect(r.error.code).toBeUndefined();
    const again = await gqlAs(api.url, team.secret, `mutation($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id } }`, { s: subjectId, u: r.uploadId });
    expect(errorOf(again.body).code).toBe("CONFLICT");
    const up = await okAs(
      api.url,
      team.secret,
      `mutation($s: ID!) { createImageUpload(subjectId: $s, filename: "a.jpg", contentType: "image/jpeg", byteSize: 1000) { uploadId } }`,
      { s: subjectId },
    );
    const never = await gqlAs(api.url, team.secret, `mutation($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id } }`, {
      s: subjectId,
      u: up.createImageUpload.uploadId,
    });
    expect(errorOf(never.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "uploadId" });
  });

  it("refuses an expired upload and deletes what was uploaded", async () => {
    const bytes = await backpackPhoto(1);
    const up = await okAs(
      api.url,
      team.secret,
      `mutation($s: ID!, $n: Int!) { createImageUpload(subjectId: $s, filename: "late.jpg", contentType: "image/jpeg", byteSize: $n) { uploadId url fields } }`,
      { s: subjectId, n: bytes.length },
    );
    const { uploadId, url, fields } = up.createImageUpload;
    expect((await postUpload(url, fields, bytes)).status).toBe(204);
    // past its URL's expiry and the staging TTL (UPLOAD_STAGING_TTL_SECONDS, default 1 hour)
    const { rows } = await db.pool.query("update uploads set expires_at = now() - interval '1 day' where id = $1 returning object_key", [uploadId]);
    const before = await rowCounts(db);
    const r = await gqlAs(api.url, team.secret, `mutation($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id } }`, { s: subjectId, u: uploadId });
    expect(errorOf(r.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "uploadId" });
    expect(errorOf(r.body).message).toMatch(/expired/);
    expect(await rowCounts(db)).toEqual(before);
    expect(await objectExists(rows[0].object_key)).toBe(false);
  });

  it("bad subject and upload requests answer BAD_USER_INPUT with the field, and write nothing", async () => {
    const before = await rowCounts(db);
    const cases: [string, Record<string, unknown>, string][] = [
      [CREATE_SUBJECT, { i: { name: "x", classNoun: "Backpack!" } }, "classNoun"],
      [CREATE_SUBJECT, { i: { name: "x", classNoun: "a".repeat(41) } }, "classNoun"],
      [CREATE_SUBJECT, { i: { name: "", classNoun: "dog" } }, "name"],
      [CREATE_SUBJECT, { i: { name: "n".repeat(101), classNoun: "dog" } }, "name"],
    ];
    const upload = `mutation($s: ID!, $t: String!, $n: Int!) { createImageUpload(subjectId: $s, filename: "a.jpg", contentType: $t, byteSize: $n) { uploadId } }`;
    cases.push([upload, { s: subjectId, t: "text/plain", n: 10 }, "contentType"]);
    cases.push([upload, { s: subjectId, t: "image/jpeg", n: 0 }, "byteSize"]);
    cases.push([upload, { s: subjectId, t: "image/jpeg", n: 26 * 1024 * 1024 }, "byteSize"]);
    for (const [q, v, field] of cases) {
      const { body } = await gqlAs(api.url, team.secret, q, v);
      expect(errorOf(body), JSON.stringify(v)).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    expect(await rowCounts(db)).toEqual(before);
  });

  it("a subject holds at most SUBJECT_MAX_IMAGES photos: one more is refused before anything is signed", async () => {
    const small = await startApi({ SUBJECT_MAX_IMAGES: "2" });
    try {
      const s = (await okAs(small.url, team.secret, CREATE_SUBJECT, { i: { name: "Two photos", classNoun: "backpack" } })).createSubject.id;
      // a second upload is signed before the first is added: both fit, the check is repeated when adding
      for (const i of [0, 1]) expect((await uploadImage(small.url, team.secret, s, await backpackPhoto(i))).error.code).toBeUndefined();
      const before = await rowCounts(db);
      const bytes = await backpackPhoto(2);
      const r = await gqlAs(
        small.url,
        team.secret,
        `mutation($s: ID!, $n: Int!) { createImageUpload(subjectId: $s, filename: "x.jpg", contentType: "image/jpeg", byteSize: $n) { uploadId } }`,
        { s, n: bytes.length },
      );
      expect(errorOf(r.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "subjectId" });
      expect(errorOf(r.body).message).toMatch(/at most 2 photos/);
      expect(await rowCounts(db)).toEqual(before);
    } finally {
      await small.proc.stop();
    }
  });
});

function createHashHex(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}
