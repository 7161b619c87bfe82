import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { apiQueries, type DbHandle } from "@studio/db";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { okAs } from "../support/auth.js";
import { wsClient } from "../support/graphql.js";
import { bootstrapTeam } from "../support/bootstrap.js";
import { insertImage, insertRunWithCheckpoint, insertSubject, testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";
import { apiRssMb } from "../support/rss.js";

/**
 * Issue 11 point 5 — rate limits and budgets (docs/security-rate-limits.md), against the real API and
 * PostgreSQL. Clients come from distinct loopback addresses (127.0.0.x: Linux routes all of 127/8 to
 * lo), so "another IP" is a real other TCP peer; the second API trusts one proxy and reads
 * X-Forwarded-For. Small limits keep it fast; no sleep is longer than a bucket's refill (≤ 0.5 s).
 */

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { data?: Record<string, any> | null; errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[] };
}

/** One GraphQL POST from `localAddress`, with optional key and extra headers. */
function post(url: string, from: string, query: string, variables: Record<string, unknown> = {}, key?: string, headers: Record<string, string> = {}): Promise<Reply> {
  const u = new URL(url);
  const payload = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        localAddress: from,
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const code = (r: Reply, i = 0) => r.body.errors?.[i]?.extensions?.code as string | undefined;
const badKey = () => `sk_${randomBytes(32).toString("base64url")}`;
const badCode = () => `inv_${randomBytes(32).toString("base64url")}`;
const RUNS = `{ runs(first: 1) { edges { node { id } } } }`;
/** The bound we state for each API process's resident memory through this whole file. */
const RSS_BOUND_MB = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A 429 as the docs promise it: Retry-After in whole seconds, RATE_LIMITED with scope, limit and retryAfterMs. */
function expect429(r: Reply, scope: string) {
  expect(r.status).toBe(429);
  expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  expect(r.body.errors).toHaveLength(1);
  expect(r.body.errors![0]!.extensions).toMatchObject({ code: "RATE_LIMITED", scope });
  expect(r.body.errors![0]!.extensions!.retryAfterMs).toBeGreaterThan(0);
  expect(Number(r.headers["retry-after"])).toBe(Math.ceil(r.body.errors![0]!.extensions!.retryAfterMs / 1000));
}

describe("hostile tenants: rate limits and budgets", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let fast: Awaited<ReturnType<typeof startApi>>;
  let db: DbHandle;
  let a: Awaited<ReturnType<typeof bootstrapTeam>>;
  let b: Awaited<ReturnType<typeof bootstrapTeam>>;
  let fxA: Awaited<ReturnType<typeof insertRunWithCheckpoint>>;
  let fxB: Awaited<ReturnType<typeof insertRunWithCheckpoint>>;
  let subjectB: string;

  beforeAll(async () => {
    db = testDb();
    await db.pool.query("delete from rate_buckets"); // buckets of earlier test files (same IPs, other limits)
    [api, fast, a, b] = await Promise.all([
      startApi({
        // failed authentications: 5, refilling one per 100 s — exact counts in a test
        RATE_AUTH_FAIL_BURST: "5",
        RATE_AUTH_FAIL_PER_MINUTE: "0.6",
        RATE_LINK_GENERATIONS_PER_HOUR: "3",
        BUDGET_LINK_MAX_IMAGES: "2",
        BUDGET_LINK_MAX_STEPS: "10",
        BUDGET_TEAM_UNFINISHED_GENERATIONS: "6",
        BUDGET_TEAM_UNFINISHED_RUNS: "2",
      }),
      // fast refills, behind one trusted proxy
      startApi({ TRUST_PROXY: "1", RATE_IP_BURST: "4", RATE_IP_PER_SECOND: "2", RATE_AUTH_FAIL_BURST: "2", RATE_AUTH_FAIL_PER_MINUTE: "60" }),
      bootstrapTeam("rate-a"),
      bootstrapTeam("rate-b"),
    ]);
    const sa = await insertSubject(db, a.teamId);
    const sb = await insertSubject(db, b.teamId);
    subjectB = sb.id;
    await insertImage(db, b.teamId, sb.id);
    fxA = await insertRunWithCheckpoint(db, a.teamId, sa.id);
    fxB = await insertRunWithCheckpoint(db, b.teamId, sb.id);
    // the fixtures' generations are done: each team starts with 0 unfinished generations (and 1 RUNNING run)
    await db.pool.query("update generations set state = 'SUCCEEDED' where id = any($1)", [[fxA.generation.id, fxB.generation.id]]);
  });
  // after every probe: both APIs report PostgreSQL and storage OK (asked from an address no test limits,
  // with a key that authenticated) and stay under the stated memory bound
  const rss: number[] = [];
  afterEach(async () => {
    for (const x of [api, fast]) {
      const r = await post(x.url, "127.0.0.99", `{ health { postgres { status } storage { status } } }`, {}, a.secret);
      expect(r.status).toBe(200);
      expect(r.body.data?.health).toEqual({ postgres: { status: "OK" }, storage: { status: "OK" } });
      rss.push(apiRssMb(x.proc.child.pid!));
      expect(rss.at(-1)!).toBeLessThan(RSS_BOUND_MB);
    }
  });
  afterAll(async () => {
    console.log(JSON.stringify({ apiRssMb: rss.map((r) => Math.round(r)), boundMb: RSS_BOUND_MB }));
    await api?.proc.stop();
    await fast?.proc.stop();
    // leave no nearly-empty buckets for 127.0.0.1 behind: later test files call from the same address
    await db?.pool.query("delete from rate_buckets").catch(() => undefined);
    await db?.close();
  });

  it("the buckets' maths in PostgreSQL (rate_take): burst, all or nothing, look, give back, retry time, sweep", async () => {
    const slow = { cap: 3, ratePerSecond: 1e-6 }; // refill negligible while the test runs
    const take = (key: string, cost = 1, need = 1) => apiQueries.rateTake(db.db, [{ key, ...slow, cost, need }]);
    const burst = [];
    for (let i = 0; i < 4; i++) burst.push((await take("t:a"))[0]!);
    expect(burst.map((r) => r.granted)).toEqual([true, true, true, false]);
    expect(burst.map((r) => Math.round(r.remaining))).toEqual([2, 1, 0, 0]);
    expect(burst[3]!.retryAfterMs).toBeGreaterThan(999_000_000); // (1 - ~0) / 1e-6 s
    // all or nothing: t:b is full but t:a empty → neither is charged
    const both = await apiQueries.rateTake(db.db, [
      { key: "t:b", ...slow, cost: 1, need: 1 },
      { key: "t:a", ...slow, cost: 1, need: 1 },
    ]);
    expect(both.map((r) => [r.key, r.granted])).toEqual([
      ["t:a", false],
      ["t:b", false],
    ]);
    expect(both.find((r) => r.key === "t:b")).toMatchObject({ retryAfterMs: 0, remaining: 3 });
    // cost 0 looks; a negative cost gives back up to the cap; need above cost
    expect((await take("t:b", 0))[0]).toMatchObject({ granted: true, remaining: 3 });
    expect(Math.round((await take("t:a", -2, 0))[0]!.remaining)).toBe(2);
    expect(Math.round((await take("t:a", -5, 0))[0]!.remaining)).toBe(3);
    expect((await take("t:a", 1, 4))[0]!.granted).toBe(false);
    expect((await take("t:a"))[0]!.granted).toBe(true); // t:a: 2 of 3, t:b: full
    // refill: 100 per second, 1 token short → retry in 10 ms; a full bucket is swept (same as none)
    const quick = { cap: 1, ratePerSecond: 100 };
    expect((await apiQueries.rateTake(db.db, [{ key: "t:q", ...quick, cost: 1, need: 1 }]))[0]!.granted).toBe(true);
    const short = (await apiQueries.rateTake(db.db, [{ key: "t:q", ...quick, cost: 0, need: 1 }]))[0]!;
    expect(short.retryAfterMs).toBeLessThanOrEqual(10);
    await sleep(50);
    expect((await apiQueries.rateTake(db.db, [{ key: "t:q", ...quick, cost: 0, need: 1 }]))[0]!.granted).toBe(true);
    await sleep(20);
    expect(await apiQueries.sweepRateBuckets(db.db)).toBeGreaterThanOrEqual(1);
    expect((await db.pool.query("select key from rate_buckets where key like 't:%' order by key")).rows.map((r) => r.key)).toEqual(["t:a"]);
    const table = await db.pool.query("select relpersistence from pg_class where relname = 'rate_buckets'");
    expect(table.rows[0].relpersistence).toBe("u"); // UNLOGGED
  });

  it("a burst of bad keys from one IP: 5 are checked, the rest get 429 RATE_LIMITED at once; a good key from another IP keeps working", async () => {
    // X-Forwarded-For is ignored without TRUST_PROXY: forging it does not make other clients
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => post(api.url, "127.0.0.21", RUNS, {}, badKey(), { "x-forwarded-for": `198.51.100.${i}` })));
    expect(burst.filter((r) => r.status === 200 && code(r) === "UNAUTHENTICATED")).toHaveLength(5);
    const limited = burst.filter((r) => r.status === 429);
    expect(limited).toHaveLength(7);
    for (const r of limited) expect429(r, "auth-failures");
    // the IP is refused whatever it sends now, even a good key (a guesser learns nothing)
    expect429(await post(api.url, "127.0.0.21", RUNS, {}, a.secret), "auth-failures");
    expect429(await post(api.url, "127.0.0.21", RUNS, {}, badKey()), "auth-failures");
    // another address: unaffected, with the same good key and without a key
    for (let i = 0; i < 5; i++) {
      const ok = await post(api.url, "127.0.0.22", RUNS, {}, a.secret);
      expect(ok.status).toBe(200);
      expect(ok.body.errors).toBeUndefined();
      expect(ok.body.data!.runs.edges).toHaveLength(1);
    }
    const other = await post(api.url, "127.0.0.22", `{ health { status } }`); // answered, not rate limited (no trainer here: status DOWN)
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data!.health.status).toMatch(/^(OK|DOWN|UNKNOWN)$/);
    // a key that authenticated is not charged to the failure budget again: 10 parallel requests from a fresh IP, all fine
    const good = await Promise.all(Array.from({ length: 10 }, () => post(api.url, "127.0.0.26", RUNS, {}, a.secret)));
    expect(good.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(good.every((r) => r.body.data?.runs.edges.length === 1)).toBe(true);
  });

  it("wrong invitation codes: a parallel burst stops at the budget, the IP is then refused; nothing is written; a right code from elsewhere works", async () => {
    const before = (await db.pool.query("select (select count(*) from users) u, (select count(*) from memberships) m, (select count(*) from api_keys) k")).rows[0];
    const ACCEPT = `mutation($c: String!) { acceptInvitation(code: $c, name: "guess") { user { id } } }`;
    // (aliases add nothing here: acceptInvitation is non-null, so a request stops at its first error)
    const burst = await Promise.all(Array.from({ length: 8 }, () => post(api.url, "127.0.0.23", ACCEPT, { c: badCode() })));
    // exactly 5 codes are tried; the others are refused — at the field, or (once the bucket is seen
    // empty before the request runs) as a whole with 429
    const codes = burst.map((r) => code(r)).sort();
    expect(codes).toEqual([...Array(5).fill("NOT_FOUND"), ...Array(3).fill("RATE_LIMITED")]);
    for (const r of burst) expect(code(r) === "NOT_FOUND" ? [200] : [200, 429]).toContain(r.status);
    for (const r of burst.filter((x) => x.status === 429)) expect429(r, "auth-failures");
    const limited = burst.find((r) => code(r) === "RATE_LIMITED")!.body.errors![0]!.extensions!;
    expect(limited).toMatchObject({ scope: "auth-failures", limit: 5 });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect429(await post(api.url, "127.0.0.23", ACCEPT, { c: badCode() }), "auth-failures");
    const after = (await db.pool.query("select (select count(*) from users) u, (select count(*) from memberships) m, (select count(*) from api_keys) k")).rows[0];
    expect(after).toEqual(before);

    const inv = await okAs(api.url, a.secret, `mutation { createInvitation(role: VIEWER) { code } }`);
    const joined = await post(api.url, "127.0.0.24", `mutation($c: String!) { acceptInvitation(code: $c, name: "welcome") { team { id } } }`, { c: inv.createInvitation.code });
    expect(joined.body.errors).toBeUndefined();
    expect(joined.body.data!.acceptInvitation.team.id).toBe(a.teamId);
  });

  it("a share link: capped images and steps; 5 generate aliases in one request and a burst queue only 3 per hour; nothing else is persisted", async () => {
    const link = await okAs(api.url, a.secret, `mutation($i: CreateShareInput!) { createShare(input: $i) { token share { id } } }`, {
      i: { runId: fxA.run.id, kind: "LINK", promptOnly: true },
    });
    const token = link.createShare.token as string;
    const shareId = link.createShare.share.id as string;
    const GEN = `mutation($c: ID!, $n: Int, $s: Int) { generate(input: { checkpointId: $c, prompt: "a photo of <rare> backpack", count: $n, steps: $s }) { id } }`;
    const queued = async () => Number((await db.pool.query("select count(*) n from generations where share_id = $1", [shareId])).rows[0].n);

    const big = await post(api.url, "127.0.0.25", GEN, { c: fxA.checkpoint.id, n: 16, s: 10 }, token);
    expect(big.body.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "count" });
    const long = await post(api.url, "127.0.0.25", GEN, { c: fxA.checkpoint.id, n: 2, s: 200 }, token);
    expect(long.body.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "steps" });
    expect(await queued()).toBe(0);

    const aliases = Array.from({ length: 5 }, (_, i) => `g${i}: generate(input: { checkpointId: "${fxA.checkpoint.id}", prompt: "p${i}", count: 2, steps: 10 }) { id }`).join("\n");
    const r = await post(api.url, "127.0.0.25", `mutation { ${aliases} }`, {}, token);
    expect(r.status).toBe(200);
    // mutation fields run one after the other; generate is non-null, so the 4th's refusal ends the request
    expect(r.body.data).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    const e = r.body.errors![0]!;
    expect(e.path).toEqual(["g3"]);
    expect(e.extensions).toMatchObject({ code: "RATE_LIMITED", scope: "link-generations", limit: 3 });
    expect(e.extensions!.retryAfterMs).toBeGreaterThan(0);
    expect(e.extensions!.retryAfterMs).toBeLessThanOrEqual(1_200_000); // one generation per 20 min
    expect(await queued()).toBe(3);
    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => post(api.url, `127.0.0.${30 + i}`, GEN, { c: fxA.checkpoint.id, n: 1, s: 5 }, token)));
    for (const x of burst) expect(code(x)).toBe("RATE_LIMITED");

    const rows = (await db.pool.query("select team_id, created_by, count, steps, state from generations where share_id = $1", [shareId])).rows;
    expect(rows).toHaveLength(3);
    for (const g of rows) expect(g).toEqual({ team_id: a.teamId, created_by: null, count: 2, steps: 10, state: "QUEUED" });
    // the owner team itself is not limited by its link's hourly budget
    expect((await okAs(api.url, a.secret, GEN, { c: fxA.checkpoint.id, n: 16, s: 50 })).generate.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a team's unfinished generations and runs are capped (no row when refused); a finished one frees a place", async () => {
    const GEN = `mutation($c: ID!) { generate(input: { checkpointId: $c, prompt: "a photo of <rare> backpack", steps: 2 }) { id } }`;
    const unfinished = async () => Number((await db.pool.query("select count(*) n from generations where team_id = $1 and state in ('QUEUED','RUNNING')", [b.teamId])).rows[0].n);
    await okAs(api.url, b.secret, RUNS); // the key authenticated once (a first, parallel burst of a new key is charged up front)
    const all = await Promise.all(Array.from({ length: 9 }, () => post(api.url, "127.0.0.40", GEN, { c: fxB.checkpoint.id }, b.secret)));
    const made = all.filter((r) => r.body.data?.generate?.id);
    const refused = all.filter((r) => code(r) === "RATE_LIMITED");
    expect([made.length, refused.length]).toEqual([6, 3]);
    for (const r of refused) expect(r.body.errors![0]!.extensions).toMatchObject({ scope: "team-unfinished-generations", limit: 6, retryAfterMs: 10_000 });
    expect(await unfinished()).toBe(6);
    await db.pool.query("update generations set state = 'SUCCEEDED', finished_at = now() where id = $1", [made[0]!.body.data!.generate.id]);
    expect((await post(api.url, "127.0.0.40", GEN, { c: fxB.checkpoint.id }, b.secret)).body.data!.generate.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(code(await post(api.url, "127.0.0.40", GEN, { c: fxB.checkpoint.id }, b.secret))).toBe("RATE_LIMITED");
    expect(await unfinished()).toBe(6);

    // runs: the fixture's RUNNING run is one of the 2 allowed
    const START = `mutation($s: ID!) { startRun(input: { subjectId: $s, baseModel: "tiny-random", stage1Steps: 2, stage2Steps: 2 }) { id } }`;
    const runsBefore = Number((await db.pool.query("select count(*) n from runs where team_id = $1", [b.teamId])).rows[0].n);
    const starts = await Promise.all(Array.from({ length: 3 }, () => post(api.url, "127.0.0.40", START, { s: subjectB }, b.secret)));
    expect(starts.filter((r) => r.body.data?.startRun?.id)).toHaveLength(1);
    const no = starts.filter((r) => code(r) === "RATE_LIMITED");
    expect(no).toHaveLength(2);
    expect(no[0]!.body.errors![0]!.extensions).toMatchObject({ scope: "team-unfinished-runs", limit: 2 });
    expect(Number((await db.pool.query("select count(*) n from runs where team_id = $1", [b.teamId])).rows[0].n)).toBe(runsBefore + 1);
  });

  it("buckets refill: per IP (X-Forwarded-For behind a trusted proxy) and failed authentications", async () => {
    const TYPE = `{ __typename }`;
    const as = (client: string) => ({ "x-forwarded-for": `198.51.100.77, ${client}` }); // the left part is the client's own: ignored
    // 4, then 2 per second: a parallel burst of 8 gets at least one 429 (unless the machine takes > 2 s for it)
    const burst = await Promise.all(Array.from({ length: 8 }, () => post(fast.url, "127.0.0.1", TYPE, {}, undefined, as("203.0.113.7"))));
    expect(burst.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(4);
    const no = burst.filter((r) => r.status === 429);
    expect(no.length).toBeGreaterThanOrEqual(1);
    for (const r of no) expect429(r, "ip");
    const wait = Math.max(...no.map((r) => r.body.errors![0]!.extensions!.retryAfterMs as number));
    expect(wait).toBeLessThanOrEqual(500);
    // another client behind the same proxy is unaffected
    expect((await post(fast.url, "127.0.0.1", TYPE, {}, undefined, as("203.0.113.8"))).status).toBe(200);
    await sleep(wait + 20);
    expect((await post(fast.url, "127.0.0.1", TYPE, {}, undefined, as("203.0.113.7"))).status).toBe(200);

    // failed authentications: 2, then 1 per second
    const bad = await Promise.all(Array.from({ length: 3 }, () => post(fast.url, "127.0.0.1", RUNS, {}, badKey(), as("203.0.113.9"))));
    expect(bad.filter((r) => code(r) === "UNAUTHENTICATED").length).toBe(2);
    const blocked = bad.find((r) => r.status === 429)!;
    expect429(blocked, "auth-failures");
    expect(blocked.body.errors![0]!.extensions!.retryAfterMs).toBeLessThanOrEqual(1000);
    await sleep(blocked.body.errors![0]!.extensions!.retryAfterMs + 20);
    const back = await post(fast.url, "127.0.0.1", RUNS, {}, a.secret, as("203.0.113.9"));
    expect(back.status).toBe(200);
    expect(back.body.data!.runs.edges).toHaveLength(1);
  });

  it("websocket subscribe messages spend the IP's requests too: the extra ones get an error with RATE_LIMITED", async () => {
    await db.pool.query("delete from rate_buckets where key = 'ip:127.0.0.1'");
    // with a key: an anonymous connection runs at most 2 operations at once (ANONYMOUS_MAX_OPERATIONS)
    const client = wsClient(fast.wsUrl, a.secret); // the upgrade request has no X-Forwarded-For: the client is 127.0.0.1
    try {
      const outcomes = await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            new Promise<string>((resolve) => {
              const stop = client.subscribe(
                { query: `subscription { health { status } }` },
                {
                  next: () => {
                    stop();
                    resolve("ok");
                  },
                  error: (e) => resolve((e as { extensions?: { code?: string } }[])[0]?.extensions?.code ?? String(e)),
                  complete: () => resolve("complete"),
                },
              );
            }),
        ),
      );
      expect(outcomes.filter((o) => o === "ok").length).toBeGreaterThanOrEqual(3); // 4 tokens, the upgrade spends none
      expect(outcomes.filter((o) => o === "RATE_LIMITED").length).toBeGreaterThanOrEqual(1);
      expect(outcomes.every((o) => o === "ok" || o === "RATE_LIMITED")).toBe(true);
    } finally {
      await client.dispose();
    }
  });
});
