import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@studio/db";
import { repoRoot } from "@studio/infra/paths";
import { StorageRepository as TrainerStorage } from "../../trainer/src/repositories/storage.repository.js";
import { createTeam, errorOf, gqlAs, okAs, type TestTeam } from "../support/auth.js";
import { rowCounts, testDb } from "../support/fixtures.js";
import { backpackPhoto, listObjects, objectExists, postUpload, s3, uploadImage } from "../support/images.js";
import { startApi } from "../support/processes.js";
import { until } from "../support/trainer-fixtures.js";
import { services } from "../support/services.js";

/**
 * Issue 11, points 3 and 4 (docs/security-uploads.md): hostile uploads against a real API and MinIO.
 * Storage refuses what the presigned policy does not allow; what the API validated cannot be changed
 * afterwards, and the trainer refuses bytes that differ from the record; a 95 MB safetensors header is
 * refused from its 8-byte length; import checks are bounded; abandoned uploads are removed.
 */

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const CREATE_SUBJECT = `mutation { createSubject(input: {name: "Hostile", classNoun: "backpack"}) { id } }`;
const CREATE_UPLOAD = `mutation($s: ID!, $f: String!, $t: String!, $n: Int!) {
  createImageUpload(subjectId: $s, filename: $f, contentType: $t, byteSize: $n) { uploadId url fields expiresAt } }`;
const ADD_IMAGE = `mutation($s: ID!, $u: ID!) { addSubjectImage(subjectId: $s, uploadId: $u) { id sha256 byteSize } }`;
const CREATE_IMPORT_UPLOAD = `mutation($f: String!, $n: Float!) { createModelImportUpload(filename: $f, byteSize: $n, role: CHECKPOINT) { uploadId url fields } }`;
const IMPORT = `mutation($u: ID!) { importModel(input: {name: "Imported", classNoun: "backpack", baseModel: "tiny-random", checkpointUploadId: $u}) { id state } }`;

/** A well-formed safetensors file: one F32 tensor of `floats` values. */
function safetensors(floats: number): Buffer {
  const header = Buffer.from(JSON.stringify({ w: { dtype: "F32", shape: [floats], data_offsets: [0, floats * 4] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(floats * 4, 1)]);
}

/** The API's node process (tsx runs it as a child) — the one with the most memory in the tree. */
async function apiPid(rootPid: number): Promise<number> {
  const { stdout } = await promisify(execFile)("ps", ["-e", "-o", "pid=,ppid=,rss="]);
  const rows = stdout
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number, number]);
  const tree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of rows)
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
  }
  return rows.filter(([pid]) => tree.has(pid)).sort((a, b) => b[2] - a[2])[0]![0];
}
async function memKb(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))![1]);
}

describe("hostile uploads: storage-enforced policies, immutable validated objects, bounded import checks", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let db: DbHandle;
  let subjectId: string;
  const bucket = services().s3.bucket;

  beforeAll(async () => {
    [api, team] = await Promise.all([
      // one import check at a time and no queue, so a burst shows the bound; the default header cap (4 MiB)
      startApi({ IMPORT_CHECKS_CONCURRENT: "1", IMPORT_CHECKS_QUEUE_MS: "0", UPLOAD_SWEEP_INTERVAL_MS: "0" }),
      createTeam("hostile-uploads"),
    ]);
    db = testDb();
    subjectId = (await okAs(api.url, team.secret, CREATE_SUBJECT)).createSubject.id;
  });
  afterAll(async () => {
    // imports queued here must not be picked up by a trainer of a later test file
    await db?.pool.query("delete from model_imports where team_id = $1", [team.teamId]);
    await api?.proc.stop();
    await db?.close();
  });

  it("storage refuses an oversized body, a wrong Content-Type, another key and an off-by-one size; nothing is recorded", async () => {
    const before = await rowCounts(db);
    const photo = await backpackPhoto(0);
    const up = (await okAs(api.url, team.secret, CREATE_UPLOAD, { s: subjectId, f: "a.jpg", t: "image/jpeg", n: photo.length })).createImageUpload;
    expect(up.fields).toMatchObject({ key: expect.stringMatching(/^uploads\//), "Content-Type": "image/jpeg", policy: expect.any(String) });
    const policy = JSON.parse(Buffer.from(up.fields.policy, "base64").toString()) as { conditions: unknown[]; expiration: string };
    expect(policy.conditions).toContainEqual(["content-length-range", photo.length, photo.length]);
    expect(new Date(policy.expiration).getTime() - Date.now()).toBeLessThanOrEqual(300_000);

    const html = Buffer.alloc(20 * 2 ** 20, "<html>");
    const probes = [
      ["20 MB text/html against a declared JPEG", await postUpload(up.url, up.fields, html, { contentType: "text/html" })],
      ["a wrong Content-Type field", await postUpload(up.url, up.fields, photo, { overrides: { "Content-Type": "text/html" } })],
      ["another key", await postUpload(up.url, up.fields, photo, { overrides: { key: `teams/${team.teamId}/subjects/${subjectId}/images/evil.jpg` } })],
      ["one byte more", await postUpload(up.url, up.fields, Buffer.concat([photo, Buffer.from([0])]))],
      ["one byte less", await postUpload(up.url, up.fields, photo.subarray(1))],
    ] as const;
    for (const [what, res] of probes) {
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      expect(res.body, what).toMatch(/EntityTooLarge|EntityTooSmall|AccessDenied|Policy|condition/i);
    }
    expect(await objectExists(up.fields.key)).toBe(false);
    expect(await objectExists(`teams/${team.teamId}/subjects/${subjectId}/images/evil.jpg`)).toBe(false);
    const add = await gqlAs(api.url, team.secret, ADD_IMAGE, { s: subjectId, u: up.uploadId });
    expect(errorOf(add.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "uploadId" });
    expect(await rowCounts(db)).toEqual({ ...before, uploads: before.uploads! + 1 }); // only createImageUpload's row

    // the same for an import file: exactly byteSize, as application/octet-stream
    const file = safetensors(16);
    const imp = (await okAs(api.url, team.secret, CREATE_IMPORT_UPLOAD, { f: "m.safetensors", n: file.length })).createModelImportUpload;
    expect((await postUpload(imp.url, imp.fields, Buffer.concat([file, Buffer.alloc(1 << 20)]))).status).toBe(400);
    expect((await postUpload(imp.url, imp.fields, file, { overrides: { "Content-Type": "text/html" } })).status).toBe(403);
    expect(await objectExists(imp.fields.key)).toBe(false);

    // and the policy really admits the declared file
    expect((await postUpload(up.url, up.fields, photo)).status).toBe(204);
  });

  it("a re-upload after validation changes neither the record nor what the trainer downloads; tampered bytes are refused by the trainer", async () => {
    const photo = await backpackPhoto(1);
    const r = await uploadImage(api.url, team.secret, subjectId, photo, { filename: "b.jpg" });
    expect(r.error.code).toBeUndefined();
    const added = r.added.data!.addSubjectImage;
    expect(added).toMatchObject({ sha256: sha256(photo), byteSize: photo.length });
    const { rows } = await db.pool.query<{ object_key: string; sha256: string; byte_size: string }>("select object_key, sha256, byte_size from subject_images where id = $1", [
      added.id,
    ]);
    const row = rows[0]!;
    expect(row.object_key.startsWith(`teams/${team.teamId}/subjects/${subjectId}/images/`)).toBe(true);
    expect(await objectExists(r.fields.key!)).toBe(false); // staging object deleted once validated

    // the same presigned policy, same size and type, other bytes: storage may take it — into staging only
    const other = Buffer.from(photo);
    other.fill(0x41, 1000, 2000);
    expect((await postUpload(r.postUrl, r.fields, other)).status).toBe(204);
    expect(await objectExists(r.fields.key!)).toBe(true);
    const again = await gqlAs(api.url, team.secret, ADD_IMAGE, { s: subjectId, u: r.uploadId });
    expect(errorOf(again.body).code).toBe("CONFLICT");
    const stored = Buffer.from(await new Response((await s3().getObject(bucket, row.object_key)) as unknown as ReadableStream).arrayBuffer());
    expect(sha256(stored)).toBe(sha256(photo));
    const after = await db.pool.query("select object_key, sha256, byte_size from subject_images where id = $1", [added.id]);
    expect(after.rows[0]).toEqual(row);

    // what the trainer downloads: its own code, with the recorded size and sha256
    const s = services().s3;
    const trainerStorage = new TrainerStorage({ S3_ENDPOINT: s.endpoint, S3_ACCESS_KEY: s.accessKey, S3_SECRET_KEY: s.secretKey, S3_BUCKET: s.bucket, S3_REGION: "us-east-1" });
    const dir = await mkdtemp(join(tmpdir(), "hostile-trainer-"));
    try {
      await trainerStorage.download(row.object_key, join(dir, "in.jpg"), { sizeBytes: Number(row.byte_size), sha256: row.sha256 });
      expect(sha256(await readFile(join(dir, "in.jpg")))).toBe(sha256(photo));
      // had anything (storage credentials, not a client) replaced the validated object, the trainer refuses it
      await s3().putObject(bucket, row.object_key, other, other.length);
      await expect(trainerStorage.download(row.object_key, join(dir, "tampered.jpg"), { sizeBytes: Number(row.byte_size), sha256: row.sha256 })).rejects.toMatchObject({
        code: "INPUT_VERIFY_FAILED",
      });
    } finally {
      await s3().putObject(bucket, row.object_key, photo, photo.length);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an import records the validated copy's size and sha256; re-uploading the staging key afterwards changes nothing", async () => {
    const file = safetensors(64);
    const up = (await okAs(api.url, team.secret, CREATE_IMPORT_UPLOAD, { f: "ok.safetensors", n: file.length })).createModelImportUpload;
    expect((await postUpload(up.url, up.fields, file)).status).toBe(204);
    const imp = (await okAs(api.url, team.secret, IMPORT, { u: up.uploadId })).importModel;
    const { rows } = await db.pool.query<{ uploads: { objectKey: string; sizeBytes: number; sha256: string }[] }>("select uploads from model_imports where id = $1", [imp.id]);
    const ref = rows[0]!.uploads[0]!;
    expect(ref).toMatchObject({ objectKey: `teams/${team.teamId}/imports/files/${up.uploadId}/ok.safetensors`, sizeBytes: file.length, sha256: sha256(file) });
    expect(await objectExists(up.fields.key)).toBe(false);
    const evil = safetensors(64).fill(7, 100);
    expect((await postUpload(up.url, up.fields, evil)).status).toBe(204); // lands in staging; nobody reads it
    const kept = Buffer.from(await new Response((await s3().getObject(bucket, ref.objectKey)) as unknown as ReadableStream).arrayBuffer());
    expect(sha256(kept)).toBe(ref.sha256);
  });

  it("a 95 MB declared safetensors header is refused with BAD_SAFETENSORS from its 8-byte length, without the API buffering it", async () => {
    const n = 95_000_000;
    const file = Buffer.alloc(8 + n + 2);
    file.writeBigUInt64LE(BigInt(n));
    file.write("{}", 8);
    const up = (await okAs(api.url, team.secret, CREATE_IMPORT_UPLOAD, { f: "huge.safetensors", n: file.length })).createModelImportUpload;
    expect((await postUpload(up.url, up.fields, file)).status).toBe(204);
    const before = await rowCounts(db);
    const imports = Number((await db.pool.query("select count(*) from model_imports")).rows[0].count);

    const pid = await apiPid(api.proc.child.pid!);
    const rssBefore = await memKb(pid, "VmRSS");
    await writeFile(`/proc/${pid}/clear_refs`, "5"); // reset the peak (VmHWM) to the current RSS
    const res = await gqlAs(api.url, team.secret, IMPORT, { u: up.uploadId });
    const peak = await memKb(pid, "VmHWM");

    expect(errorOf(res.body)).toMatchObject({ code: "BAD_SAFETENSORS", field: "checkpointUploadId" });
    expect(errorOf(res.body).message).toMatch(/declares a header of 95000000 bytes; at most 4194304 are accepted \(SAFETENSORS_HEADER_MAX_BYTES\)/);
    // the old check read the whole header: +320 MB RSS for this file
    const grewMb = (peak - rssBefore) / 1024;
    console.log(JSON.stringify({ probe: "95MB safetensors header", apiRssBeforeMb: Math.round(rssBefore / 1024), apiPeakMb: Math.round(peak / 1024), grewMb: Math.round(grewMb) }));
    expect(grewMb).toBeLessThan(48);
    // refused as a whole: staging object, validated copy and upload row are gone, nothing else was written
    expect(await objectExists(up.fields.key)).toBe(false);
    expect(await listObjects(`teams/${team.teamId}/imports/files/${up.uploadId}/`)).toEqual([]);
    expect((await db.pool.query("select 1 from model_import_uploads where id = $1", [up.uploadId])).rowCount).toBe(0);
    expect(await rowCounts(db)).toEqual(before);
    expect(Number((await db.pool.query("select count(*) from model_imports")).rows[0].count)).toBe(imports);
  });

  it("import checks are bounded per process: a burst beyond IMPORT_CHECKS_CONCURRENT gets SERVER_BUSY (retryable, nothing changed)", async () => {
    const file = safetensors(2 * 2 ** 20); // 8 MiB: each check copies and hashes it
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const up = (await okAs(api.url, team.secret, CREATE_IMPORT_UPLOAD, { f: `b${i}.safetensors`, n: file.length })).createModelImportUpload;
      expect((await postUpload(up.url, up.fields, file)).status).toBe(204);
      ids.push(up.uploadId);
    }
    const results = await Promise.all(ids.map((u) => gqlAs(api.url, team.secret, IMPORT, { u })));
    const ok = results.filter((r) => !r.body.errors);
    const busy = results.filter((r) => errorOf(r.body).code === "SERVER_BUSY");
    expect(ok.length + busy.length).toBe(ids.length); // nothing else: no internal error under load
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const r of busy) expect(r.body.errors![0]!.extensions).toMatchObject({ code: "SERVER_BUSY", retryAfterMs: expect.any(Number) });
    // a refused request changed nothing: its upload is still there and a retry succeeds
    const refused = ids.filter((_, i) => errorOf(results[i]!.body).code === "SERVER_BUSY");
    const left = await db.pool.query("select id from model_import_uploads where id = any($1)", [refused]);
    expect(left.rowCount).toBe(refused.length);
    const retry = await gqlAs(api.url, team.secret, IMPORT, { u: refused[0] });
    expect(retry.body.errors).toBeUndefined();
  });

  it("the README's curl walkthrough uploads photos through the presigned POST policy", async () => {
    const readme = await readFile(join(repoRoot, "README.md"), "utf8");
    const block = readme.slice(readme.indexOf("gq() {"), readme.indexOf("\ndone\n", readme.indexOf("# 1. a subject")) + 6);
    expect(block).toContain("createImageUpload");
    const script = `set -euo pipefail\nAPI=${api.url}\nKEY=${team.secret}\n${block}\necho "SUBJECT=$SUBJECT"\n`;
    const { stdout } = await promisify(execFile)("bash", ["-c", script], { cwd: repoRoot, maxBuffer: 1 << 24 });
    const subject = stdout.match(/SUBJECT=(\S+)/)![1];
    const d = await okAs(api.url, team.secret, `query($id: ID!) { subject(id: $id) { images { id width } } }`, { id: subject });
    expect(d.subject.images).toHaveLength(5);
  });

  describe("abandoned uploads", () => {
    let sweeping: Awaited<ReturnType<typeof startApi>>;
    const operatorRule = { ID: "operator-rule", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 30 } };
    beforeAll(async () => {
      // an operator's own lifecycle rule, which the API's start must keep
      await s3().setBucketLifecycle(bucket, { Rule: [operatorRule, ...[(await s3().getBucketLifecycle(bucket))?.Rule ?? []].flat()] });
      // URLs live 2 s, uploads are abandoned 1 s after that, swept every 300 ms
      sweeping = await startApi({ UPLOAD_URL_EXPIRY_SECONDS: "2", IMPORT_PART_URL_EXPIRY_SECONDS: "2", UPLOAD_STAGING_TTL_SECONDS: "1", UPLOAD_SWEEP_INTERVAL_MS: "300" });
    });
    afterAll(async () => {
      await sweeping?.proc.stop();
      const rules = [(await s3().getBucketLifecycle(bucket))?.Rule ?? []].flat().filter((r) => r.ID !== operatorRule.ID);
      await s3().setBucketLifecycle(bucket, { Rule: rules });
    });

    it("sets a bucket lifecycle rule expiring the staging prefix, keeping the operator's other rules", async () => {
      expect(sweeping.proc.output).not.toMatch(/cannot set the staging lifecycle rule/);
      const config = await s3().getBucketLifecycle(bucket);
      const rules = [config?.Rule ?? []].flat();
      expect(rules.map((r) => r.ID).sort()).toEqual(["operator-rule", "studio-expire-staging-uploads"]);
      expect(rules).toContainEqual(
        expect.objectContaining({
          ID: "studio-expire-staging-uploads",
          Status: "Enabled",
          Filter: expect.objectContaining({ Prefix: "uploads/" }),
          Expiration: expect.objectContaining({ Days: 1 }),
        }),
      );
    });

    it("removes abandoned photo and import uploads (rows and staging objects) and a re-upload after validation, keeping validated images", async () => {
      const photo = await backpackPhoto(2);
      const kept = await uploadImage(sweeping.url, team.secret, subjectId, photo, { filename: "kept.jpg" });
      expect(kept.error.code).toBeUndefined();
      const validatedKey = (await db.pool.query("select object_key from subject_images where id = $1", [kept.added.data!.addSubjectImage.id])).rows[0].object_key as string;
      expect((await postUpload(kept.postUrl, kept.fields, photo)).status).toBe(204); // a re-upload nobody will consume

      const abandoned = (await okAs(sweeping.url, team.secret, CREATE_UPLOAD, { s: subjectId, f: "gone.jpg", t: "image/jpeg", n: photo.length })).createImageUpload;
      expect((await postUpload(abandoned.url, abandoned.fields, photo)).status).toBe(204);
      const file = safetensors(16);
      const imp = (await okAs(sweeping.url, team.secret, CREATE_IMPORT_UPLOAD, { f: "gone.safetensors", n: file.length })).createModelImportUpload;
      expect((await postUpload(imp.url, imp.fields, file)).status).toBe(204);
      // a multipart import with a part uploaded, never completed: the sweep aborts it (storage drops the part)
      const multi = (
        await okAs(
          sweeping.url,
          team.secret,
          `mutation($n: Float!) { createModelImportMultipartUpload(filename: "parts.safetensors", byteSize: $n, role: CHECKPOINT) { uploadId parts { url } } }`,
          {
            n: file.length,
          },
        )
      ).createModelImportMultipartUpload;
      expect((await fetch(multi.parts[0].url, { method: "PUT", body: file })).status).toBe(200);
      const multiKey = `uploads/teams/${team.teamId}/imports/${multi.uploadId}/parts.safetensors`;
      const incomplete = async () => {
        const found: string[] = [];
        for await (const u of s3().listIncompleteUploads(bucket, multiKey, true) as AsyncIterable<{ key: string }>) found.push(u.key);
        return found;
      };
      expect(await incomplete()).toEqual([multiKey]);

      await until(
        "abandoned uploads swept",
        async () => ({
          objects: (await Promise.all([kept.fields.key, abandoned.fields.key, imp.fields.key].map(objectExists))).filter(Boolean).length,
          rows:
            ((await db.pool.query("select 1 from uploads where id = $1", [abandoned.uploadId])).rowCount ?? 0) +
            ((await db.pool.query("select 1 from model_import_uploads where id = $1", [imp.uploadId])).rowCount ?? 0) +
            ((await db.pool.query("select 1 from model_import_uploads where id = $1", [multi.uploadId])).rowCount ?? 0),
          parts: (await incomplete()).length,
        }),
        (v) => v.objects === 0 && v.rows === 0 && v.parts === 0,
        30_000,
        200,
      );
      // the URL is useless now, the upload cannot be added, and the validated image stays
      const late = await gqlAs(sweeping.url, team.secret, ADD_IMAGE, { s: subjectId, u: abandoned.uploadId });
      expect(errorOf(late.body).code).toBe("NOT_FOUND");
      expect(await objectExists(validatedKey)).toBe(true);
      expect((await db.pool.query("select consumed_at from uploads where id = $1", [kept.uploadId])).rows[0].consumed_at).not.toBeNull();
    });
  });
});
