import { createHash, randomUUID } from "node:crypto";
import { applyGrants, openDb, roleOfUrl, schema, TABLE_GRANTS, type DbHandle } from "@studio/db";
import * as Minio from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { okAs } from "../support/auth.js";
import { bootstrapTeam } from "../support/bootstrap.js";
import { insertRunWithCheckpoint, insertSubject, testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";
import { services } from "../support/services.js";

/**
 * Issue 11 point 6 (docs/security-privileges.md): the API and the trainer run as PostgreSQL roles and
 * MinIO users that can do only what they need; file and archive URLs stop working soon after access
 * is lost.
 */

/** Runs one statement as `url`'s role; resolves with the SQLSTATE it failed with, or "ok". */
async function sqlAs(url: string, text: string, values: unknown[] = []): Promise<string> {
  const h = openDb(url, { max: 1 });
  try {
    await h.pool.query(text, values);
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  } finally {
    await h.close();
  }
}

function s3As(creds: { accessKey: string; secretKey: string }): Minio.Client {
  const url = new URL(services().s3.endpoint);
  return new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, region: "us-east-1", ...creds });
}

/** "ok", or the S3 error code a call failed with. */
async function s3Outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  }
}

const DENIED = "42501"; // insufficient_privilege

describe("hostile tenants: least privilege in PostgreSQL", () => {
  const s = services();
  let db: DbHandle;
  let team: Awaited<ReturnType<typeof bootstrapTeam>>;

  beforeAll(async () => {
    db = testDb();
    team = await bootstrapTeam("privileges");
  });
  afterAll(async () => {
    await db?.close();
  });

  it("the API and the trainer log in as their own roles: no superuser, no role or database creation, no owner", async () => {
    const roles = [roleOfUrl(s.databaseUrlApi), roleOfUrl(s.databaseUrlTrainer)];
    expect(new Set([...roles, roleOfUrl(s.databaseUrl)]).size).toBe(3);
    const { rows } = await db.pool.query("select rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls from pg_roles where rolname = any($1) order by rolname", [roles]);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
    const owned = await db.pool.query("select count(*)::int as n from pg_class where relowner in (select oid from pg_roles where rolname = any($1))", [roles]);
    expect(owned.rows[0].n).toBe(0);
  });

  it("every table's privileges for each service are exactly its TABLE_GRANTS entry", async () => {
    const privs = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"] as const;
    for (const [service, url] of [
      ["api", s.databaseUrlApi],
      ["trainer", s.databaseUrlTrainer],
    ] as const) {
      const role = roleOfUrl(url);
      const { rows } = await db.pool.query<{ table: string; priv: string; has: boolean }>(
        `select c.relname as table, p as priv, has_table_privilege($1, c.oid, p) as has
           from pg_class c, unnest($2::text[]) p
          where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'`,
        [role, privs],
      );
      const actual: Record<string, string[]> = {};
      for (const r of rows) if (r.has) (actual[r.table] ??= []).push(r.priv);
      const expected: Record<string, string[]> = {};
      for (const [t, g] of Object.entries(TABLE_GRANTS)) if (g[service].length) expected[t] = [...g[service]];
      for (const t of Object.keys(actual)) actual[t]!.sort();
      for (const t of Object.keys(expected)) expected[t]!.sort();
      expect(actual, service).toEqual(expected);
    }
  });

  it("access_audit is append-only for the API: INSERT and SELECT work, UPDATE, DELETE and TRUNCATE are refused", async () => {
    const api = s.databaseUrlApi;
    expect(await sqlAs(api, "insert into access_audit (team_id, action, details) values ($1, 'KEY_REVOKED', '{}')", [team.teamId])).toBe("ok");
    expect(await sqlAs(api, "select * from access_audit where team_id = $1", [team.teamId])).toBe("ok");
    expect(await sqlAs(api, "update access_audit set details = '{\"forged\":true}' where team_id = $1", [team.teamId])).toBe(DENIED);
    expect(await sqlAs(api, "delete from access_audit where team_id = $1", [team.teamId])).toBe(DENIED);
    expect(await sqlAs(api, "truncate access_audit")).toBe(DENIED);
    // the audit line is still there, unchanged
    const { rows } = await db.pool.query("select details from access_audit where team_id = $1", [team.teamId]);
    expect(rows).toEqual([{ details: {} }]);
    // other append-only logs: nobody rewrites run events
    for (const url of [api, s.databaseUrlTrainer]) {
      expect(await sqlAs(url, "update run_events set payload = '{}'")).toBe(DENIED);
      expect(await sqlAs(url, "delete from run_events")).toBe(DENIED);
    }
  });

  it("the API cannot read the migration history nor create or alter objects", async () => {
    const api = s.databaseUrlApi;
    expect(await sqlAs(api, "select * from drizzle.__drizzle_migrations")).toBe(DENIED);
    expect(await sqlAs(api, "create table evil (id int)")).toBe(DENIED);
    expect(await sqlAs(api, "alter table access_audit disable trigger all")).toBe(DENIED);
    expect(await sqlAs(api, "drop table access_audit")).toBe(DENIED);
    expect(await sqlAs(api, "update checkpoints set sha256 = 'x'")).toBe(DENIED); // what was trained is the trainer's record
  });

  it("the trainer cannot read keys, members, invitations, shares or the audit, nor touch teams", async () => {
    const t = s.databaseUrlTrainer;
    for (const table of ["api_keys", "users", "memberships", "invitations", "shares", "access_audit", "teams", "uploads"])
      expect(await sqlAs(t, `select * from ${table} limit 1`), table).toBe(DENIED);
    expect(await sqlAs(t, "update api_keys set revoked_at = null")).toBe(DENIED);
    expect(await sqlAs(t, "insert into memberships (team_id, user_id, role) values ($1, $2, 'OWNER')", [team.teamId, team.userId])).toBe(DENIED);
    expect(await sqlAs(t, "delete from checkpoints")).toBe(DENIED);
    // what it does need works: LISTEN/NOTIFY, advisory locks, its registry
    expect(await sqlAs(t, "select pg_notify('studio_worker', '{}'), pg_try_advisory_lock(42)")).toBe("ok");
    expect(await sqlAs(t, "select count(*) from workers")).toBe("ok");
  });

  it("the grants step refuses a table that has no TABLE_GRANTS entry (a migration cannot forget its grants)", async () => {
    await db.pool.query("create table brand_new_table (id int)");
    try {
      await expect(applyGrants(s.databaseUrl, { api: roleOfUrl(s.databaseUrlApi), trainer: roleOfUrl(s.databaseUrlTrainer) })).rejects.toThrow(/no entry for brand_new_table/);
      expect(await sqlAs(s.databaseUrlApi, "select * from brand_new_table")).toBe(DENIED);
    } finally {
      await db.pool.query("drop table brand_new_table");
    }
    // and with the schema in sync it applies (idempotent)
    await applyGrants(s.databaseUrl, { api: roleOfUrl(s.databaseUrlApi), trainer: roleOfUrl(s.databaseUrlTrainer) });
  });
});

describe("hostile tenants: MinIO users per service", () => {
  const s = services();
  const root = s3As(s.s3);
  const api = s3As(s.s3.api);
  const trainer = s3As(s.s3.trainer);
  const other = `studio-other-${randomUUID().slice(0, 8)}`;
  const t = randomUUID();
  const body = Buffer.from("bytes");

  beforeAll(async () => {
    await root.makeBucket(other);
    await root.putObject(other, "secret.txt", body, body.length);
  });
  afterAll(async () => {
    await root.removeObject(other, "secret.txt").catch(() => undefined);
    await root.removeBucket(other).catch(() => undefined);
  });

  it("the API writes photos and import uploads only; never what the trainer produced, another bucket, or bucket settings", async () => {
    const photo = `teams/${t}/subjects/${randomUUID()}/uploads/${randomUUID()}/a.jpg`;
    expect(await s3Outcome(api.putObject(s.s3.bucket, photo, body, body.length))).toBe("ok");
    expect(await s3Outcome(api.getObject(s.s3.bucket, photo))).toBe("ok");
    expect(await s3Outcome(api.removeObject(s.s3.bucket, photo))).toBe("ok");
    expect(await s3Outcome(api.putObject(s.s3.bucket, `teams/${t}/imports/files/${randomUUID()}/m.safetensors`, body, body.length))).toBe("ok");
    expect(await s3Outcome(api.putObject(s.s3.bucket, `uploads/teams/${t}/subjects/${randomUUID()}/u/a.jpg`, body, body.length))).toBe("ok");
    for (const key of [
      `teams/${t}/runs/${randomUUID()}/checkpoints/stage2-step-000010/unet.safetensors`,
      `teams/${t}/exports/${randomUUID()}/x`,
      `teams/${t}/generations/g/image.png`,
      "outside-teams.txt",
    ])
      expect(await s3Outcome(api.putObject(s.s3.bucket, key, body, body.length)), key).toBe("AccessDenied");
    expect(await s3Outcome(api.getObject(other, "secret.txt"))).toBe("AccessDenied");
    expect(await s3Outcome(api.putObject(other, "x.txt", body, body.length))).toBe("AccessDenied");
    expect(await s3Outcome(api.makeBucket(`studio-evil-${randomUUID().slice(0, 8)}`))).toBe("AccessDenied");
    expect(await s3Outcome(api.removeBucket(s.s3.bucket))).toBe("AccessDenied");
    expect(await s3Outcome(api.setBucketPolicy(s.s3.bucket, "{}"))).toBe("AccessDenied");
    // MinIO lists only the buckets a user may use
    expect((await api.listBuckets()).map((b) => b.name)).toEqual([s.s3.bucket]);
  });

  it("a URL presigned with the API's credentials cannot write a checkpoint either", async () => {
    const key = `teams/${t}/runs/${randomUUID()}/checkpoints/stage2-step-000010/unet.safetensors`;
    const url = await api.presignedPutObject(s.s3.bucket, key, 60);
    const res = await fetch(url, { method: "PUT", body });
    expect(res.status).toBe(403);
    expect(await s3Outcome(root.statObject(s.s3.bucket, key))).toBe("NotFound");
  });

  it("the trainer writes runs, generations, evaluations and exports; never photos, another bucket or bucket settings", async () => {
    for (const d of ["runs", "generations", "evaluations", "exports"]) {
      const key = `teams/${t}/${d}/${randomUUID()}/f.bin`;
      expect(await s3Outcome(trainer.putObject(s.s3.bucket, key, body, body.length)), key).toBe("ok");
      expect(await s3Outcome(trainer.removeObject(s.s3.bucket, key)), key).toBe("ok");
    }
    const photo = `teams/${t}/subjects/${randomUUID()}/uploads/${randomUUID()}/a.jpg`;
    expect(await s3Outcome(trainer.putObject(s.s3.bucket, photo, body, body.length))).toBe("AccessDenied");
    expect(await s3Outcome(trainer.getObject(other, "secret.txt"))).toBe("AccessDenied");
    expect(await s3Outcome(trainer.makeBucket(`studio-evil-${randomUUID().slice(0, 8)}`))).toBe("AccessDenied");
    expect((await trainer.listBuckets()).map((b) => b.name)).toEqual([s.s3.bucket]);
  });
});

describe("hostile tenants: file and archive URLs", () => {
  const s = services();
  let api: Awaited<ReturnType<typeof startApi>>;
  let db: DbHandle;
  let owner: Awaited<ReturnType<typeof bootstrapTeam>>;
  let other: Awaited<ReturnType<typeof bootstrapTeam>>;
  let fixture: Awaited<ReturnType<typeof insertRunWithCheckpoint>>;
  let exportId: string;
  const root = s3As(s.s3);
  const content = Buffer.from("model bytes ".repeat(100));

  const CKPT = `query($id: ID!) { checkpoint(id: $id) { id files { name url } exports { id state archiveUrl } } }`;
  const SHARE = `mutation($i: CreateShareInput!) { createShare(input: $i) { token share { id } } }`;
  const REVOKE = `mutation($id: ID!) { revokeShare(id: $id) { id active } }`;

  beforeAll(async () => {
    [api, owner, other] = await Promise.all([startApi(), bootstrapTeam("url-owner"), bootstrapTeam("url-other")]);
    db = testDb();
    const subject = await insertSubject(db, owner.teamId, "backpack");
    fixture = await insertRunWithCheckpoint(db, owner.teamId, subject.id);
    exportId = randomUUID();
    const objectKey = `teams/${owner.teamId}/exports/${exportId}/model.safetensors`;
    await root.putObject(s.s3.bucket, objectKey, content, content.length);
    await db.db.insert(schema.modelExports).values({
      id: exportId,
      teamId: owner.teamId,
      checkpointId: fixture.checkpoint.id,
      runId: fixture.run.id,
      format: "SINGLE_FILE",
      state: "SUCCEEDED",
      finishedAt: new Date(),
      files: [{ name: "model.safetensors", objectKey, sizeBytes: content.length, sha256: createHash("sha256").update(content).digest("hex") }],
    });
  });
  afterAll(async () => {
    await api?.proc.stop();
    await db?.close();
  });

  const archiveUrlAs = async (key: string) => {
    const c = (await okAs(api.url, key, CKPT, { id: fixture.checkpoint.id })).checkpoint;
    return { archiveUrl: c.exports.find((e: { id: string }) => e.id === exportId).archiveUrl as string, fileUrl: c.files[0].url as string };
  };

  it("presigned file URLs and archive URLs live 5 minutes by default", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { archiveUrl, fileUrl } = await archiveUrlAs(owner.secret);
    expect(new URL(fileUrl).searchParams.get("X-Amz-Expires")).toBe("300");
    const expires = Number(new URL(archiveUrl).searchParams.get("token")!.split(".")[0]);
    expect(expires - before).toBeGreaterThanOrEqual(299);
    expect(expires - before).toBeLessThanOrEqual(301);
    const res = await fetch(archiveUrl);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(content.length);
  });

  it("an archive URL fetched through a team share stops working once the share is revoked", async () => {
    const share = (await okAs(api.url, owner.secret, SHARE, { i: { runId: fixture.run.id, kind: "TEAM", targetTeamId: other.teamId } })).createShare;
    const { archiveUrl } = await archiveUrlAs(other.secret);
    expect((await fetch(archiveUrl, { method: "HEAD" })).status).toBe(200);
    await okAs(api.url, owner.secret, REVOKE, { id: share.share.id });
    const after = await fetch(archiveUrl);
    expect(after.status).toBe(404);
    expect(await after.text()).toMatch(/revoked/);
  });

  it("an archive URL fetched with a share link stops working once the link is revoked; a prompt-only link gets none", async () => {
    const link = (await okAs(api.url, owner.secret, SHARE, { i: { runId: fixture.run.id, kind: "LINK" } })).createShare;
    const { archiveUrl } = await archiveUrlAs(link.token);
    expect((await fetch(archiveUrl, { method: "HEAD" })).status).toBe(200);
    await okAs(api.url, owner.secret, REVOKE, { id: link.share.id });
    expect((await fetch(archiveUrl)).status).toBe(404);

    const promptOnly = (await okAs(api.url, owner.secret, SHARE, { i: { runId: fixture.run.id, kind: "LINK", promptOnly: true } })).createShare;
    const c = (await okAs(api.url, promptOnly.token, CKPT, { id: fixture.checkpoint.id })).checkpoint;
    expect(c.exports).toEqual([]);
  });

  it("an archive URL stops working once the API key that fetched it is revoked", async () => {
    const created = await okAs(api.url, owner.secret, `mutation { createApiKey(name: "short-lived") { secret apiKey { id } } }`);
    const key = created.createApiKey;
    const { archiveUrl } = await archiveUrlAs(key.secret);
    expect((await fetch(archiveUrl, { method: "HEAD" })).status).toBe(200);
    await okAs(api.url, owner.secret, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: key.apiKey.id });
    expect((await fetch(archiveUrl)).status).toBe(404);
    // a forged grant (another key's id under the same signature) is refused too
    const mine = new URL((await archiveUrlAs(owner.secret)).archiveUrl);
    const [exp, , mac] = mine.searchParams.get("token")!.split(".");
    mine.searchParams.set("token", `${exp}.k${key.apiKey.id}.${mac}`);
    expect((await fetch(mine)).status).toBe(404);
  });
});
