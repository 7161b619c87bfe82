import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@studio/db";
import { createTeam, errorOf, gqlAs, okAs, runAdmin, wsClientAs, type TestTeam } from "../support/auth.js";
import { testDb } from "../support/fixtures.js";
import { takeSubscription } from "../support/graphql.js";
import { startApi } from "../support/processes.js";

const VIEWER = `{ viewer { role user { id name } team { id name role } teams { id role } apiKeys { id name prefix revokedAt } } }`;

describe("api: API keys, the admin CLI and authentication", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let db: DbHandle;

  beforeAll(async () => {
    [api, team] = await Promise.all([startApi(), createTeam("auth-team")]);
    db = testDb();
  });
  afterAll(async () => {
    await api?.proc.stop();
    await db?.close();
  });

  it("the admin CLI creates a team, its OWNER and a key, storing only the key's SHA-256", async () => {
    expect(team.secret).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.pool.query("select * from api_keys where id = $1", [team.apiKeyId]);
    expect(rows[0].secret_hash).toBe(createHash("sha256").update(team.secret).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(team.secret);
    expect(team.secret.startsWith(rows[0].prefix)).toBe(true);
    const bad = await runAdmin(["create-team", "--name", "x"]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--user/);
  });

  it("answers the key's user and team", async () => {
    const d = await okAs(api.url, team.secret, VIEWER);
    expect(d.viewer.role).toBe("OWNER");
    expect(d.viewer.team).toEqual({ id: team.teamId, name: "auth-team", role: "OWNER" });
    expect(d.viewer.user.id).toBe(team.userId);
    expect(d.viewer.teams).toEqual([{ id: team.teamId, role: "OWNER" }]);
    expect(d.viewer.apiKeys.map((k: { id: string }) => k.id)).toContain(team.apiKeyId);
  });

  it("no key, a malformed key and an unknown key are UNAUTHENTICATED; health's overall status stays public", async () => {
    for (const key of [null, "", "sk_unknown", `sk_${"A".repeat(43)}`]) {
      const { body } = await gqlAs(api.url, key, VIEWER);
      expect(errorOf(body).code, `key ${key}`).toBe("UNAUTHENTICATED");
      expect(body.data?.viewer ?? null).toBeNull();
    }
    const { body } = await gqlAs(api.url, null, "{ health { version } subjects { edges { node { id } } } }");
    expect(errorOf(body).code).toBe("UNAUTHENTICATED");
    const health = await gqlAs<{ health: { status: string; checkedAt: string } }>(api.url, null, "{ health { status checkedAt } }");
    expect(health.body.errors).toBeUndefined();
    expect(health.body.data?.health.status).toMatch(/^(OK|DOWN)$/);
    // its details (versions, hostnames, worker ids) need a key
    for (const q of ["{ health { version } }", "{ health { engine { details } } }"]) {
      const anon = await gqlAs(api.url, null, q);
      expect(errorOf(anon.body).code, q).toBe("UNAUTHENTICATED");
    }
    const keyed = await okAs(api.url, team.secret, "{ health { version postgres { status } } }");
    expect(keyed.health.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("createApiKey shows a working secret once; revokeApiKey stops it at once", async () => {
    const created = await okAs(api.url, team.secret, `mutation { createApiKey(name: "ci") { secret apiKey { id name prefix revokedAt } } }`);
    const { secret, apiKey } = created.createApiKey;
    expect(secret).toMatch(/^sk_/);
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect((await okAs(api.url, secret, VIEWER)).viewer.team.id).toBe(team.teamId);
    // the secret is never readable again
    const list = await gqlAs(api.url, team.secret, VIEWER);
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const revoked = await okAs(api.url, team.secret, `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { id: apiKey.id });
    expect(revoked.revokeApiKey.revokedAt).not.toBeNull();
    const after = await gqlAs(api.url, secret, VIEWER);
    expect(errorOf(after.body).code).toBe("UNAUTHENTICATED");
    // the other key is untouched
    expect((await okAs(api.url, team.secret, VIEWER)).viewer.role).toBe("OWNER");
    const bad = await gqlAs(api.url, team.secret, `mutation { createApiKey(name: "") { secret } }`);
    expect(errorOf(bad.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
  });

  it("a VIEWER may read but not change the team's things (FORBIDDEN)", async () => {
    const secret = "sk_viewer_fixture_key_for_tests_only_0000000000";
    const { rows } = await db.pool.query("insert into users (name) values ('viewer') returning id");
    await db.pool.query("insert into memberships (team_id, user_id, role) values ($1, $2, 'VIEWER')", [team.teamId, rows[0].id]);
    await db.pool.query("insert into api_keys (team_id, user_id, name, prefix, secret_hash) values ($1, $2, 'v', 'sk_viewer', $3)", [
      team.teamId,
      rows[0].id,
      createHash("sha256").update(secret).digest("hex"),
    ]);
    expect((await okAs(api.url, secret, VIEWER)).viewer.role).toBe("VIEWER");
    expect((await okAs(api.url, secret, "{ subjects { edges { node { id } } } }")).subjects.edges).toBeDefined();
    const { body } = await gqlAs(api.url, secret, `mutation { createSubject(input: { name: "n", classNoun: "dog" }) { id } }`);
    expect(errorOf(body).code).toBe("FORBIDDEN");
    // and cannot revoke the OWNER's key
    const revoke = await gqlAs(api.url, secret, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: team.apiKeyId });
    expect(errorOf(revoke.body).code).toBe("FORBIDDEN");
  });

  it("subscriptions need a key in connectionParams too", async () => {
    const anon = wsClientAs(api.wsUrl, null);
    const wrong = wsClientAs(api.wsUrl, "sk_nope");
    try {
      for (const c of [anon, wrong]) {
        const [r] = await takeSubscription(c, `subscription { runEvents(runId: "00000000-0000-0000-0000-000000000000") { __typename } }`, {}, 1);
        expect(r!.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      }
      // the overall status of health subscriptions stays public
      const [h] = await takeSubscription<{ health: { status: string } }>(anon, "subscription { health(everySeconds: 1) { status } }", {}, 1);
      expect(h!.data?.health.status).toMatch(/^(OK|DOWN)$/);
    } finally {
      await anon.dispose();
      await wrong.dispose();
    }
  });
});
