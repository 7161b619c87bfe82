import { apiRssMb } from "../support/rss.js";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTeam, errorOf, gqlAs, okAs, wsClientAs, type TestTeam } from "../support/auth.js";
import { insertRunWithCheckpoint, testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";

/**
 * The API's front door against a hostile client (issue 11 points 1, 2, 6; docs/security-front.md):
 * every probe is refused with its documented code before anything executes, and throughout the API
 * stays healthy and under a stated memory bound. One real API process, real HTTP and graphql-ws.
 */

/** The bound we state for the API process's resident memory through this whole file. */
const RSS_BOUND_MB = 300;
const ALLOWED_ORIGIN = "http://dashboard.example";
const PER_KEY = 3;
const PER_CONNECTION = 3;
/** Every test here stays well below this many open sockets at once (from 127.0.0.1). */
const PER_IP = 12;

/** `subject(id) { runs { subject { runs { … } } } }`, `levels` subject+runs pairs below the root. */
function deepQuery(levels: number): string {
  let inner = "id";
  for (let i = 0; i < levels; i++) inner = `runs { id subject { id ${inner} } }`;
  return `query Deep($id: ID!) { subject(id: $id) { id ${inner} } }`;
}

function aliases(n: number, selection = "health { status }"): string {
  return `{ ${Array.from({ length: n }, (_, i) => `h${i}: ${selection}`).join(" ")} }`;
}

/** Opens a raw graphql-transport-ws socket; resolves once acknowledged (or with the close/refusal). */
function rawSocket(url: string, opts: { origin?: string; authorization?: string } = {}) {
  const ws = new WebSocket(url, "graphql-transport-ws", opts.origin ? { headers: { origin: opts.origin } } : {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise<{ ok: true } | { ok: false; status: number }>((resolve) => {
    ws.once("unexpected-response", (_req, res) => {
      resolve({ ok: false, status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once("error", () => resolve({ ok: false, status: 0 }));
    ws.once("close", () => resolve({ ok: false, status: -1 }));
    ws.once("open", () => {
      ws.send(JSON.stringify({ type: "connection_init", payload: opts.authorization ? { authorization: opts.authorization } : {} }));
      ws.once("message", () => resolve({ ok: true }));
    });
  });
  ws.on("error", () => undefined);
  return { ws, opened, closed };
}

/** Runs one operation on a graphql-ws client; resolves with its first result, or its `error` message as { errors }. */
function first<T = Record<string, any>>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  return new Promise<{ data?: T | null; errors?: { message: string; extensions?: Record<string, any> }[] }>((resolve) => {
    const dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (r) => {
          dispose();
          resolve(r as never);
        },
        error: (e) =>
          resolve({ errors: Array.isArray(e) ? (e as never) : [{ message: String((e as Error).message ?? e), extensions: { closeCode: (e as { code?: number }).code } }] }),
        complete: () => undefined,
      },
    );
  });
}

describe("hostile GraphQL clients at the API's front door", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let subjectId: string;
  /** SQL statements of a request that runs nothing (`{ __typename }`): the rate limiter's bucket only. */
  let baseSql: number;
  const rss: number[] = [];

  const healthOk = async () => {
    const { body } = await gqlAs<{ health: { status: string; postgres: unknown; storage: unknown } }>(
      api.url,
      team.secret,
      "{ health { status postgres { status } storage { status } } }",
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.health.postgres).toEqual({ status: "OK" });
    expect(body.data?.health.storage).toEqual({ status: "OK" });
    rss.push(apiRssMb(api.proc.child.pid!));
    expect(rss.at(-1)!).toBeLessThan(RSS_BOUND_MB);
  };

  beforeAll(async () => {
    const db = testDb();
    await db.pool.query("delete from rate_buckets"); // buckets of earlier test files (same IPs, other limits)
    await db.close();
    [api, team] = await Promise.all([
      startApi({
        API_COUNT_SQL: "1",
        API_CORS_ORIGINS: ALLOWED_ORIGIN,
        API_WS_MAX_CONNECTIONS_PER_KEY: String(PER_KEY),
        API_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: String(PER_CONNECTION),
        API_WS_MAX_CONNECTIONS_PER_IP: String(PER_IP),
      }),
      createTeam("hostile-front"),
    ]);
    baseSql = Number((await gqlAs(api.url, team.secret, "{ __typename }")).body.extensions?.sqlQueries);
    expect(baseSql).toBeLessThanOrEqual(1);
    subjectId = (await okAs(api.url, team.secret, `mutation { createSubject(input: { name: "target", classNoun: "backpack" }) { id } }`)).createSubject.id;
    await healthOk();
  });
  afterAll(async () => {
    console.log(JSON.stringify({ apiRssMb: rss.map((r) => Math.round(r)), boundMb: RSS_BOUND_MB }));
    await api?.proc.stop();
  });

  it("refuses the 50-level subject/runs query before execution (no SQL but the rate limiter's), over HTTP and graphql-ws", async () => {
    const { status, body } = await gqlAs(api.url, team.secret, deepQuery(50), { id: subjectId });
    expect(status).toBe(400);
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "depth", max: 12, actual: 102 });
    // not even the key was looked up: refused before anything ran
    expect(body.extensions?.sqlQueries).toBe(baseSql);
    // shallower but wide: within depth, over the cost budget
    const wide = await gqlAs(api.url, team.secret, deepQuery(5), { id: subjectId });
    expect(wide.body.errors![0]!.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "cost", max: 25000 });
    expect(Number((wide.body.errors![0]!.extensions as { actual?: number }).actual)).toBeGreaterThan(20000);
    expect(wide.body.extensions?.sqlQueries).toBe(baseSql);
    // a sane query still runs
    const ok = await okAs(api.url, team.secret, deepQuery(1), { id: subjectId });
    expect(ok.subject.id).toBe(subjectId);

    const client = wsClientAs(api.wsUrl, team.secret);
    try {
      const r = await first(client, deepQuery(50), { id: subjectId });
      expect(r.data ?? null).toBeNull();
      expect(r.errors![0]!.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "depth", actual: 102 });
    } finally {
      await client.dispose();
    }
    await healthOk();
  });

  it("refuses 1 000 health aliases with and without a key; health is checked once for many requests", async () => {
    for (const key of [null, team.secret]) {
      const big = await gqlAs(api.url, key, aliases(1000));
      expect(big.body.errors![0]!.extensions, `key ${key ? "yes" : "no"}`).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "tokens", max: 5000, actual: 6002 });
      expect(big.body.extensions?.sqlQueries).toBe(baseSql);
      const some = await gqlAs(api.url, key, aliases(100));
      expect(some.body.errors![0]!.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "aliases", max: 30, actual: 100 });
      expect(some.body.extensions?.sqlQueries).toBe(baseSql);
    }
    // 1 000 aliases over graphql-ws, anonymous
    const anon = wsClientAs(api.wsUrl, null);
    try {
      const r = await first(anon, `subscription ${aliases(1000, "health(everySeconds: 1) { status }")}`);
      expect(r.errors![0]!.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "tokens" });
    } finally {
      await anon.dispose();
    }
    // 200 concurrent anonymous health requests share a handful of checks (API_HEALTH_CACHE_MS)
    const many = await Promise.all(Array.from({ length: 200 }, () => gqlAs<{ health: { status: string; checkedAt: string } }>(api.url, null, "{ health { status checkedAt } }")));
    expect(many.every((m) => /^(OK|DOWN)$/.test(m.body.data?.health.status ?? ""))).toBe(true); // DOWN: no trainer here
    const checks = new Set(many.map((m) => m.body.data!.health.checkedAt));
    console.log(JSON.stringify({ healthRequests: 200, distinctChecks: checks.size }));
    expect(checks.size).toBeLessThanOrEqual(5);
    await healthOk();
  });

  it("closes a socket that sends a 5 MB subscribe message (1009), and keeps serving", async () => {
    const s = rawSocket(api.wsUrl, { authorization: `Bearer ${team.secret}` });
    expect(await s.opened).toEqual({ ok: true });
    const huge = JSON.stringify({ id: "1", type: "subscribe", payload: { query: aliases(290_000, "health { status }").slice(0, 5_000_000) } });
    expect(huge.length).toBeGreaterThan(4_900_000);
    s.ws.send(huge);
    expect((await s.closed).code).toBe(1009);
    await healthOk();
  });

  it("refuses 200 sockets from a foreign Origin at the upgrade; allowed and absent Origins connect", async () => {
    const foreign = Array.from({ length: 200 }, () => rawSocket(api.wsUrl, { origin: "http://evil.example" }));
    const results = await Promise.all(foreign.map((s) => s.opened));
    expect(results.every((r) => !r.ok && r.status === 403)).toBe(true);
    for (const origin of [ALLOWED_ORIGIN, undefined]) {
      const s = rawSocket(api.wsUrl, origin ? { origin } : {});
      expect(await s.opened).toEqual({ ok: true });
      s.ws.close();
      await s.closed;
    }
    await healthOk();
  });

  it("caps open sockets per client address: the upgrade answers 429 past API_WS_MAX_CONNECTIONS_PER_IP", async () => {
    const sockets: ReturnType<typeof rawSocket>[] = [];
    const results = [];
    for (let i = 0; i < PER_IP + 3; i++) {
      const s = rawSocket(api.wsUrl);
      sockets.push(s);
      results.push(await s.opened);
    }
    const ok = results.filter((r) => r.ok).length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThanOrEqual(PER_IP);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.status === 429)).toBe(true);
    expect(results.at(-1)).toEqual({ ok: false, status: 429 });
    for (const s of sockets) s.ws.close();
    await Promise.all(sockets.map((s) => s.closed));
    // closed sockets free their places (the server counts a socket until its TCP connection ends)
    let again = await rawSocket(api.wsUrl).opened;
    for (let i = 0; i < 50 && !again.ok; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await rawSocket(api.wsUrl).opened;
    }
    expect(again).toEqual({ ok: true });
  });

  it("lets an unauthenticated connection read health's overall status and nothing else", async () => {
    const anon = wsClientAs(api.wsUrl, null);
    const bad = wsClientAs(api.wsUrl, "sk_not-a-key");
    try {
      for (const c of [anon, bad]) {
        const beats = await first(c, "subscription { workerHeartbeats { workerId at } }");
        expect(beats.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
        const details = await first(c, "subscription { health(everySeconds: 1) { status version engine { details } } }");
        expect(details.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
        const query = await first(c, "{ subjects { edges { node { id } } } }");
        expect(query.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
        const health = await first<{ health: { status: string } }>(c, "subscription { health(everySeconds: 1) { status checkedAt } }");
        expect(health.errors).toBeUndefined();
        expect(health.data?.health.status).toMatch(/^(OK|DOWN)$/); // DOWN: no trainer runs in this file
      }
      // introspection is off (API_INTROSPECTION unset)
      const intro = await first(anon, "{ __schema { types { name } } }");
      expect(intro.errors?.[0]?.message).toMatch(/introspection/i);
      const http = await gqlAs(api.url, team.secret, "{ __schema { types { name } } }");
      expect(http.body.errors?.[0]?.message).toMatch(/introspection/i);
    } finally {
      await anon.dispose();
      await bad.dispose();
    }
  });

  it("caps connections per key (4430) and operations per connection (TOO_MANY_SUBSCRIPTIONS)", async () => {
    const { secret } = (await okAs(api.url, team.secret, `mutation { createApiKey(name: "many-sockets") { secret } }`)).createApiKey;
    const sockets = Array.from({ length: PER_KEY + 1 }, () => rawSocket(api.wsUrl, { authorization: `Bearer ${secret}` }));
    const opened = await Promise.all(sockets.map((s) => s.opened));
    expect(opened.filter((o) => o.ok)).toHaveLength(PER_KEY);
    const refused = sockets.filter((_, i) => !opened[i]!.ok);
    expect((await refused[0]!.closed).code).toBe(4430);
    for (const s of sockets) s.ws.close();
    await Promise.all(sockets.map((s) => s.closed));

    // one connection holds at most PER_CONNECTION operations at once
    const client = wsClientAs(api.wsUrl, team.secret);
    const disposers: (() => void)[] = [];
    try {
      const started = Array.from(
        { length: PER_CONNECTION },
        () =>
          new Promise<void>((resolve) =>
            disposers.push(
              client.subscribe({ query: "subscription { health(everySeconds: 60) { status } }" }, { next: () => resolve(), error: () => resolve(), complete: () => undefined }),
            ),
          ),
      );
      await Promise.all(started);
      const over = await first(client, "subscription { health(everySeconds: 60) { status } }");
      expect(over.errors?.[0]?.extensions).toMatchObject({ code: "TOO_MANY_SUBSCRIPTIONS", max: PER_CONNECTION });
    } finally {
      disposers.forEach((d) => d());
      await client.dispose();
    }
    await healthOk();
  });

  it("ends an open subscription when its key is revoked, and refuses new operations on that connection", async () => {
    const created = await okAs(api.url, team.secret, `mutation { createApiKey(name: "doomed") { secret apiKey { id } } }`);
    const { secret, apiKey } = created.createApiKey;
    const client = wsClientAs(api.wsUrl, secret);
    try {
      const events: { errors?: { extensions?: { code?: string } }[] }[] = [];
      let completed!: () => void;
      const done = new Promise<void>((r) => (completed = r));
      let gotFirst!: () => void;
      const firstResult = new Promise<void>((r) => (gotFirst = r));
      client.subscribe(
        { query: "subscription { health(everySeconds: 1) { status } }" },
        { next: (r) => (events.push(r as never), gotFirst()), error: () => completed(), complete: () => completed() },
      );
      await firstResult;
      await okAs(api.url, team.secret, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: apiKey.id });
      await done;
      expect(events.at(-1)?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      const again = await first(client, "{ viewer { role } }");
      expect(again.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    } finally {
      await client.dispose();
    }
  });

  it("authenticates once per connection: operations on an open connection run no key query", async () => {
    const { secret, apiKey } = (await okAs(api.url, team.secret, `mutation { createApiKey(name: "connection") { secret apiKey { id } } }`)).createApiKey;
    // a raw graphql-transport-ws socket: one connection for certain (a lazy client may reconnect)
    const s = rawSocket(api.wsUrl, { authorization: `Bearer ${secret}` });
    expect(await s.opened).toEqual({ ok: true });
    let nextId = 0;
    const op = (query: string) =>
      new Promise<{ data?: { viewer?: { role: string } } | null; errors?: { extensions?: { code?: string } }[] }>((resolve) => {
        const id = String(++nextId);
        const onMessage = (raw: WebSocket.RawData) => {
          const m = JSON.parse(raw.toString()) as { id?: string; type: string; payload: never };
          if (m.id !== id || (m.type !== "next" && m.type !== "error")) return;
          s.ws.off("message", onMessage);
          resolve(m.type === "next" ? m.payload : { errors: m.payload });
        };
        s.ws.on("message", onMessage);
        s.ws.send(JSON.stringify({ id, type: "subscribe", payload: { query } }));
      });
    const db = testDb();
    try {
      expect((await op("{ viewer { role } }")).data?.viewer?.role).toBe("OWNER");
      // revoked behind the API's back (no studio_access NOTIFY): the open connection keeps the principal it
      // resolved at connection_init (the next recheck is due after ACCESS_RECHECK_MS, 15 s) …
      await db.pool.query("update api_keys set revoked_at = now() where id = $1", [apiKey.id]);
      for (let i = 0; i < 3; i++) {
        const r = await op("{ viewer { role } }");
        expect(r.data?.viewer?.role, JSON.stringify(r.errors)).toBe("OWNER");
      }
      // … while every new request and connection looks the key up again
      expect(errorOf((await gqlAs(api.url, secret, "{ viewer { role } }")).body).code).toBe("UNAUTHENTICATED");
      const fresh = wsClientAs(api.wsUrl, secret);
      try {
        expect((await first(fresh, "{ viewer { role } }")).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      } finally {
        await fresh.dispose();
      }
    } finally {
      s.ws.close();
      await db.close();
    }
  });

  it("caps every list: losses page by first/afterStep, and a size over a list's maximum is BAD_USER_INPUT", async () => {
    const db = testDb();
    try {
      const { run } = await insertRunWithCheckpoint(db, team.teamId, subjectId);
      const points = ["stage1", "stage2"].flatMap((stage) => Array.from({ length: 15 }, (_, i) => `('${run!.id}', '${stage}', ${i + 1}, ${1 / (i + 1)}, 0.001)`));
      await db.pool.query(`insert into loss_points (run_id, stage, step, loss, learning_rate) values ${points.join(",")}`);
      const Q = `query($id: ID!, $f: Int, $a: Int, $s: String) { run(id: $id) { losses(stage: $s, first: $f, afterStep: $a) { stage step } } }`;
      const page = async (v: Record<string, unknown>) => (await okAs(api.url, team.secret, Q, { id: run!.id, ...v })).run.losses as { stage: string; step: number }[];
      expect(await page({})).toHaveLength(30); // default first: 5000
      expect((await page({ f: 10 })).map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect((await page({ s: "stage2", f: 4, a: 10 })).map((l) => `${l.stage}:${l.step}`)).toEqual(["stage2:11", "stage2:12", "stage2:13", "stage2:14"]);
      for (const [query, field] of [
        [`{ run(id: "${run!.id}") { losses(first: 20001) { step } } }`, "first"],
        [`{ run(id: "${run!.id}") { samples(last: 0) { id } } }`, "last"],
        [`{ subject(id: "${subjectId}") { runs(first: 101) { id } } }`, "first"],
        [`{ sharedWithMe(first: 501) { shareId } }`, "first"],
      ] as const) {
        const { body } = await gqlAs(api.url, team.secret, query);
        expect(errorOf(body), query).toMatchObject({ code: "BAD_USER_INPUT", field });
      }
    } finally {
      await db.close();
    }
  });

  it("refuses NUL and other control characters in any text input as BAD_USER_INPUT, persisting nothing", async () => {
    const count = async () => (await okAs(api.url, team.secret, "{ subjects(first: 100) { edges { node { id name } } } }")).subjects.edges.length;
    const before = await count();
    const literal = await gqlAs(api.url, team.secret, `mutation { createSubject(input: { name: "bad\\u0000name", classNoun: "backpack" }) { id } }`);
    expect(errorOf(literal.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    expect(literal.body.extensions?.sqlQueries).toBe(baseSql);
    const variable = await gqlAs(api.url, team.secret, `mutation($i: CreateSubjectInput!) { createSubject(input: $i) { id } }`, {
      i: { name: "bad\u0000name", classNoun: "backpack" },
    });
    expect(errorOf(variable.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    const escape = await gqlAs(api.url, team.secret, `mutation($i: CreateSubjectInput!) { createSubject(input: $i) { id } }`, {
      i: { name: "bell\u0007", classNoun: "backpack" },
    });
    expect(errorOf(escape.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    const ws = wsClientAs(api.wsUrl, team.secret);
    try {
      const r = await first(ws, `mutation($i: CreateSubjectInput!) { createSubject(input: $i) { id } }`, { i: { name: "x\u0000", classNoun: "backpack" } });
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    } finally {
      await ws.dispose();
    }
    expect(await count()).toBe(before);
    await healthOk();
  });

  it("keeps secrets and SQL parameters out of its logs", async () => {
    await healthOk();
    expect(api.proc.output).not.toContain(team.secret);
    expect(api.proc.output).not.toMatch(/params: (?!\[redacted\])/);
    expect(api.proc.output).not.toMatch(/\b(sk|shl|inv)_(?!\[redacted\])[A-Za-z0-9_-]{8,}/);
  });
});
