import { createHash } from "node:crypto";
import type { DbHandle } from "@studio/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, gqlAs, okAs, wsClientAs } from "../support/auth.js";
import { bootstrapTeam } from "../support/bootstrap.js";
import { appendEvents, insertImage, insertRunWithCheckpoint, insertSubject, testDb } from "../support/fixtures.js";
import { invite, openSubscription } from "../support/sharing.js";
import { startApi } from "../support/processes.js";

const ME = `{ viewer { role user { id } team { id role members { role user { id } } } apiKeys { id } } }`;
const RUN_EVENTS = `subscription($id: ID!) { runEvents(runId: $id) { __typename ... on RunStateChanged { seq state } } }`;
const count = async (db: DbHandle, sql: string, args: unknown[] = []) => Number((await db.pool.query(sql, args)).rows[0].n);

describe("api: roles, invitations, member removal", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let owner: Awaited<ReturnType<typeof bootstrapTeam>>;
  let db: DbHandle;
  let runId: string;
  let checkpointId: string;
  let subjectId: string;

  beforeAll(async () => {
    [api, owner] = await Promise.all([startApi(), bootstrapTeam("roles-team")]);
    db = testDb();
    const subject = await insertSubject(db, owner.teamId);
    subjectId = subject.id;
    await insertImage(db, owner.teamId, subject.id);
    const r = await insertRunWithCheckpoint(db, owner.teamId, subject.id);
    runId = r.run.id;
    checkpointId = r.checkpoint.id;
    await appendEvents(db, runId, [{ type: "RunStateChanged", payload: { state: "QUEUED", previousState: null } }]);
  });
  afterAll(async () => {
    await api?.proc.stop();
    await db?.close();
  });

  it("an invitation code works once, without a key: a new user, membership and first key; only its hash is stored", async () => {
    const c = await okAs(api.url, owner.secret, `mutation { createInvitation(role: MEMBER) { code invitation { id role expiresAt acceptedAt createdBy { id } } } }`);
    const { code, invitation } = c.createInvitation;
    expect(code).toMatch(/^inv_[A-Za-z0-9_-]{43}$/);
    expect(invitation).toMatchObject({ role: "MEMBER", acceptedAt: null, createdBy: { id: owner.userId } });
    expect(new Date(invitation.expiresAt).getTime() - Date.now()).toBeGreaterThan(71 * 3600_000);
    const { rows } = await db.pool.query("select * from invitations where id = $1", [invitation.id]);
    expect(rows[0].code_hash).toBe(createHash("sha256").update(code).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(code);

    const ACCEPT = `mutation($c: String!, $n: String, $e: String) { acceptInvitation(code: $c, name: $n, email: $e) { user { id name email } team { id role } apiKey { secret } } }`;
    const noName = await gqlAs(api.url, null, ACCEPT, { c: code });
    expect(errorOf(noName.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
    const ok = await gqlAs<Record<string, any>>(api.url, null, ACCEPT, { c: code, n: "Ada", e: "ada@example.com" });
    expect(ok.body.errors).toBeUndefined();
    const a = ok.body.data!.acceptInvitation;
    expect(a.user).toMatchObject({ name: "Ada", email: "ada@example.com" });
    expect(a.team).toEqual({ id: owner.teamId, role: "MEMBER" });
    const me = await okAs(api.url, a.apiKey.secret, ME);
    expect(me.viewer).toMatchObject({ role: "MEMBER", user: { id: a.user.id }, team: { id: owner.teamId } });
    // any member lists the members
    expect(me.viewer.team.members.map((m: any) => [m.user.id, m.role])).toEqual([
      [owner.userId, "OWNER"],
      [a.user.id, "MEMBER"],
    ]);

    const users = await count(db, "select count(*) as n from users");
    const again = await gqlAs(api.url, null, ACCEPT, { c: code, n: "Eve" });
    expect(errorOf(again.body)).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(again.body).message).toMatch(/already used/);
    expect(await count(db, "select count(*) as n from users")).toBe(users);
    const audit = await okAs(api.url, owner.secret, `{ shareAudit { action actor { id } at details } }`);
    const joined = audit.shareAudit.find((e: any) => e.action === "MEMBER_JOINED");
    expect(joined).toMatchObject({ actor: { id: a.user.id }, details: { userId: a.user.id, role: "MEMBER" } });
    expect(audit.shareAudit.some((e: any) => e.action === "MEMBER_INVITED" && e.actor.id === owner.userId)).toBe(true);
  });

  it("revoked and expired codes are FORBIDDEN (saying which), unknown ones NOT_FOUND; only an OWNER invites", async () => {
    const ACCEPT = `mutation($c: String!) { acceptInvitation(code: $c, name: "X") { user { id } } }`;
    const mk = async () => (await okAs(api.url, owner.secret, `mutation { createInvitation(role: VIEWER, expiresInHours: 1) { code invitation { id } } }`)).createInvitation;
    const revoked = await mk();
    const r = await okAs(api.url, owner.secret, `mutation($id: ID!) { revokeInvitation(id: $id) { id revokedAt } }`, { id: revoked.invitation.id });
    expect(r.revokeInvitation.revokedAt).not.toBeNull();
    const expired = await mk();
    await db.pool.query("update invitations set expires_at = now() - interval '1 second' where id = $1", [expired.invitation.id]);
    const members = await count(db, "select count(*) as n from memberships where team_id = $1", [owner.teamId]);
    const a = await gqlAs(api.url, null, ACCEPT, { c: revoked.code });
    expect(errorOf(a.body).code).toBe("FORBIDDEN");
    expect(errorOf(a.body).message).toMatch(/revoked/);
    const b = await gqlAs(api.url, null, ACCEPT, { c: expired.code });
    expect(errorOf(b.body).code).toBe("FORBIDDEN");
    expect(errorOf(b.body).message).toMatch(/expired/);
    const c = await gqlAs(api.url, null, ACCEPT, { c: `inv_${"A".repeat(43)}` });
    expect(errorOf(c.body).code).toBe("NOT_FOUND");
    expect(await count(db, "select count(*) as n from memberships where team_id = $1", [owner.teamId])).toBe(members);

    const member = await invite(api.url, owner.secret, "MEMBER");
    const no = await gqlAs(api.url, member.secret, `mutation { createInvitation(role: OWNER) { code } }`);
    expect(errorOf(no.body).code).toBe("FORBIDDEN");
  });

  it("with a key, an existing user joins another team and gets a key for it", async () => {
    const other = await bootstrapTeam("roles-other");
    const c = await okAs(api.url, other.secret, `mutation { createInvitation(role: VIEWER) { code } }`);
    const a = await okAs(api.url, owner.secret, `mutation($c: String!) { acceptInvitation(code: $c) { user { id } team { id role } apiKey { secret } } }`, {
      c: c.createInvitation.code,
    });
    expect(a.acceptInvitation).toMatchObject({ user: { id: owner.userId }, team: { id: other.teamId, role: "VIEWER" } });
    const me = await okAs(api.url, a.acceptInvitation.apiKey.secret, `{ viewer { role team { id } teams { id role } } }`);
    expect(me.viewer.role).toBe("VIEWER");
    expect(me.viewer.teams).toEqual(
      expect.arrayContaining([
        { id: owner.teamId, role: "OWNER" },
        { id: other.teamId, role: "VIEWER" },
      ]),
    );
  });

  it("a VIEWER cannot create subjects, start or cancel runs, but can generate", async () => {
    const viewer = await invite(api.url, owner.secret, "VIEWER");
    const runs = await count(db, "select count(*) as n from runs where team_id = $1", [owner.teamId]);
    for (const [q, v] of [
      [`mutation { createSubject(input: { name: "n", classNoun: "dog" }) { id } }`, {}],
      [`mutation($s: ID!) { startRun(input: { subjectId: $s, baseModel: "tiny-random" }) { id } }`, { s: subjectId }],
      [`mutation($r: ID!) { cancelRun(id: $r) { id } }`, { r: runId }],
    ] as const) {
      const { body } = await gqlAs(api.url, viewer.secret, q, v);
      expect(errorOf(body).code, q).toBe("FORBIDDEN");
    }
    expect(await count(db, "select count(*) as n from runs where team_id = $1", [owner.teamId])).toBe(runs);
    const g = await okAs(api.url, viewer.secret, `mutation($c: ID!) { generate(input: { checkpointId: $c, prompt: "a photo of <rare> backpack", steps: 2 }) { id state } }`, {
      c: checkpointId,
    });
    expect(g.generate.state).toBe("QUEUED");
    const { rows } = await db.pool.query("select team_id, created_by from generations where id = $1", [g.generate.id]);
    expect(rows[0]).toEqual({ team_id: owner.teamId, created_by: viewer.userId });
    // and reads (downloads included)
    const r = await okAs(api.url, viewer.secret, `query($c: ID!) { checkpoint(id: $c) { downloadUrl } }`, { c: checkpointId });
    expect(r.checkpoint.downloadUrl).toMatch(/^http/);
  });

  it("a MEMBER manages only their own keys: cannot revoke others' or see the team's keys, roles or the log", async () => {
    const member = await invite(api.url, owner.secret, "MEMBER");
    const own = await okAs(api.url, member.secret, `mutation { createApiKey(name: "mine") { apiKey { id } } }`);
    const list = await okAs(api.url, member.secret, `{ viewer { apiKeys { id } } }`);
    expect(list.viewer.apiKeys.map((k: any) => k.id).sort()).toEqual([member.keyId, own.createApiKey.apiKey.id].sort());
    const ownerKeys = await okAs(api.url, owner.secret, `{ viewer { apiKeys { id } } }`);
    const ownerKeyId = ownerKeys.viewer.apiKeys.map((k: any) => k.id).find((id: string) => id !== member.keyId && id !== own.createApiKey.apiKey.id);
    const bad = await gqlAs(api.url, member.secret, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: ownerKeyId });
    expect(errorOf(bad.body).code).toBe("FORBIDDEN");
    expect((await okAs(api.url, owner.secret, `{ viewer { role } }`)).viewer.role).toBe("OWNER");
    for (const q of [`mutation($u: ID!) { setMemberRole(userId: $u, role: VIEWER) { role } }`, `mutation($u: ID!) { removeMember(userId: $u) { role } }`]) {
      const { body } = await gqlAs(api.url, member.secret, q, { u: owner.userId });
      expect(errorOf(body).code, q).toBe("FORBIDDEN");
    }
    expect(errorOf((await gqlAs(api.url, member.secret, `{ shareAudit { id } }`)).body).code).toBe("FORBIDDEN");
    const revokedOwn = await okAs(api.url, member.secret, `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: own.createApiKey.apiKey.id });
    expect(revokedOwn.revokeApiKey.revokedAt).not.toBeNull();
  });

  it("the last OWNER can be neither demoted nor removed (CONFLICT); roles change at once", async () => {
    const t = await bootstrapTeam("roles-last-owner");
    for (const q of [`mutation($u: ID!) { setMemberRole(userId: $u, role: MEMBER) { role } }`, `mutation($u: ID!) { removeMember(userId: $u) { role } }`]) {
      const { body } = await gqlAs(api.url, t.secret, q, { u: t.userId });
      expect(errorOf(body).code, q).toBe("CONFLICT");
    }
    const m = await invite(api.url, t.secret, "MEMBER");
    await okAs(api.url, t.secret, `mutation($u: ID!) { setMemberRole(userId: $u, role: VIEWER) { role } }`, { u: m.userId });
    expect((await okAs(api.url, m.secret, `{ viewer { role } }`)).viewer.role).toBe("VIEWER");
    // with a second OWNER the first may step down
    await okAs(api.url, t.secret, `mutation($u: ID!) { setMemberRole(userId: $u, role: OWNER) { role } }`, { u: m.userId });
    const down = await okAs(api.url, t.secret, `mutation($u: ID!) { setMemberRole(userId: $u, role: MEMBER) { role joinedAt } }`, { u: t.userId });
    expect(down.setMemberRole.role).toBe("MEMBER");
    const log = await okAs(api.url, m.secret, `{ shareAudit { action details } }`);
    expect(log.shareAudit.filter((e: any) => e.action === "ROLE_CHANGED").map((e: any) => e.details.role)).toEqual(["MEMBER", "OWNER", "VIEWER"]);
    // another team's user answers like a user that does not exist
    const foreign = await gqlAs(api.url, m.secret, `mutation($u: ID!) { setMemberRole(userId: $u, role: MEMBER) { role } }`, { u: owner.userId });
    expect(errorOf(foreign.body).code).toBe("NOT_FOUND");
  });

  it("removeMember: the member's key fails at once and their open subscription ends with an error", async () => {
    const member = await invite(api.url, owner.secret, "MEMBER");
    const client = wsClientAs(api.wsUrl, member.secret);
    try {
      const sub = openSubscription(client, RUN_EVENTS, { id: runId });
      await sub.waitFor(() => sub.results.length >= 1, 15_000, "first event");
      expect(sub.results[0]!.errors).toBeUndefined();
      const t0 = Date.now();
      const removed = await okAs(api.url, owner.secret, `mutation($u: ID!) { removeMember(userId: $u) { role user { id } } }`, { u: member.userId });
      expect(removed.removeMember).toEqual({ role: "MEMBER", user: { id: member.userId } });
      expect(errorOf((await gqlAs(api.url, member.secret, ME)).body).code).toBe("UNAUTHENTICATED");
      await sub.waitFor(() => sub.ended() !== null, 5_000, "subscription end");
      expect(Date.now() - t0).toBeLessThan(5_000);
      const last = sub.results[sub.results.length - 1]!;
      expect(last.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(sub.ended()).toBe("complete");
      const { rows } = await db.pool.query("select revoked_at from api_keys where user_id = $1 and team_id = $2", [member.userId, owner.teamId]);
      expect(rows.every((r) => r.revoked_at !== null)).toBe(true);
      const log = await okAs(api.url, owner.secret, `{ shareAudit(first: 5) { action actor { id } details } }`);
      expect(log.shareAudit[0]).toMatchObject({ action: "MEMBER_REMOVED", actor: { id: owner.userId }, details: { userId: member.userId } });
    } finally {
      await client.dispose();
    }
  });

  it("revoking an API key ends that key's open subscriptions too", async () => {
    const k = await okAs(api.url, owner.secret, `mutation { createApiKey(name: "ws") { secret apiKey { id } } }`);
    const client = wsClientAs(api.wsUrl, k.createApiKey.secret);
    try {
      const sub = openSubscription(client, RUN_EVENTS, { id: runId });
      await sub.waitFor(() => sub.results.length >= 1, 15_000, "first event");
      await okAs(api.url, owner.secret, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: k.createApiKey.apiKey.id });
      await sub.waitFor(() => sub.ended() !== null, 5_000, "subscription end");
      expect(sub.results[sub.results.length - 1]!.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    } finally {
      await client.dispose();
    }
  });
});
