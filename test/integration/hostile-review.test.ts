import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTeam, errorOf, gqlAs, okAs, type TestTeam } from "../support/auth.js";
import { insertRunWithCheckpoint, testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";
import { apiRssMb } from "../support/rss.js";

/**
 * A hostile tenant's second pass over the front door (issue 11; docs/security-front.md): the HTTP
 * server's own limits (slow headers and bodies, huge headers and bodies, batches, GET), ids that are
 * not UUIDs, oversized text and numbers in every input, CORS preflights from foreign origins and
 * forged archive tokens. Each probe gets its documented refusal, nothing is persisted, and the API
 * stays healthy and under a stated memory bound throughout.
 */

const RSS_BOUND_MB = 300;
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;

/** Writes `text` on a raw TCP connection and resolves with everything the server sent once it closed. */
function rawHttp(port: number, text: string, keepOpen = true): { socket: Socket; done: Promise<string> } {
  const socket = connect(port, "127.0.0.1");
  let got = "";
  const done = new Promise<string>((resolve) => {
    socket.on("data", (d) => (got += d.toString()));
    socket.on("close", () => resolve(got));
    socket.on("error", () => undefined);
  });
  socket.write(text);
  if (!keepOpen) socket.end();
  return { socket, done };
}

describe("hostile tenants, second pass: the HTTP server, ids, sizes and tokens", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;
  let port: number;
  let subjectId: string;
  let checkpointId: string;
  const rss: number[] = [];

  const healthOk = async () => {
    const { body } = await gqlAs<{ health: { postgres: unknown; storage: unknown } }>(api.url, team.secret, "{ health { postgres { status } storage { status } } }");
    expect(body.errors).toBeUndefined();
    expect(body.data?.health).toEqual({ postgres: { status: "OK" }, storage: { status: "OK" } });
    rss.push(apiRssMb(api.proc.child.pid!));
    expect(rss.at(-1)!).toBeLessThan(RSS_BOUND_MB);
  };
  const count = async (sql: string, params: unknown[] = []) => {
    const db = testDb();
    try {
      return Number((await db.pool.query<{ n: string }>(sql, params)).rows[0]!.n);
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    const db = testDb();
    await db.pool.query("delete from rate_buckets");
    [api, team] = await Promise.all([
      startApi({ API_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), API_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) }),
      createTeam("hostile-review"),
    ]);
    port = Number(new URL(api.url).port);
    subjectId = (await okAs(api.url, team.secret, `mutation { createSubject(input: { name: "target", classNoun: "backpack" }) { id } }`)).createSubject.id;
    checkpointId = (await insertRunWithCheckpoint(db, team.teamId, subjectId)).checkpoint.id;
    await db.close();
    await healthOk();
  });
  afterAll(async () => {
    console.log(JSON.stringify({ apiRssMb: rss.map((r) => Math.round(r)), boundMb: RSS_BOUND_MB }));
    const db = testDb();
    await db.pool.query("delete from rate_buckets");
    await db.close();
    await api?.proc.stop();
  });

  it("closes connections whose headers or body arrive too slowly (slowloris): 408 after API_HEADERS_TIMEOUT_MS / API_REQUEST_TIMEOUT_MS", async () => {
    // headers never finished
    const slowHeaders = rawHttp(port, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n");
    // headers complete, body trickles and never completes
    const slowBody = rawHttp(port, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":');
    const trickle = setInterval(() => slowBody.socket.write(" "), 200);
    try {
      const [h, b] = await Promise.all([slowHeaders.done, slowBody.done]);
      expect(h).toMatch(/^HTTP\/1\.1 408 /);
      expect(b).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
    }
    await healthOk();
  });

  it("answers huge headers with 431, huge bodies with 413 PAYLOAD_TOO_LARGE, and keeps serving", async () => {
    const big = rawHttp(port, `GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\nX-Junk: ${"a".repeat(100_000)}\r\n\r\n`);
    expect(await big.done).toMatch(/^HTTP\/1\.1 431 /);
    const res = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${team.secret}` },
      body: JSON.stringify({ query: "{ __typename }", variables: { junk: "a".repeat(2_000_000) } }),
    }).catch((e: Error) => e);
    // either the 413 arrives or the connection is cut while we still send: never a 2xx/5xx
    if (!(res instanceof Error)) {
      expect(res.status).toBe(413);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("PAYLOAD_TOO_LARGE");
    }
    await healthOk();
  });

  it("refuses batched array bodies, mutations over GET and non-JSON bodies with 4xx (never 500)", async () => {
    const post = (body: string, type = "application/json") => fetch(api.url, { method: "POST", headers: { "content-type": type, authorization: `Bearer ${team.secret}` }, body });
    const batch = await post(JSON.stringify(Array.from({ length: 100 }, () => ({ query: "{ health { status } }" }))));
    expect(batch.status).toBe(400);
    const notJson = await post("{ nope");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("BAD_REQUEST");
    const text = await post("{ __typename }", "text/plain");
    expect(text.status).toBeGreaterThanOrEqual(400);
    expect(text.status).toBeLessThan(500);
    // GET: queries need the preflight header (CSRF prevention); mutations are refused outright
    const q = encodeURIComponent(`mutation { createSubject(input: { name: "via-get", classNoun: "backpack" }) { id } }`);
    const get = await fetch(`${api.url}?query=${q}`, { headers: { authorization: `Bearer ${team.secret}`, "apollo-require-preflight": "1" } });
    expect(get.status).toBe(405);
    expect(await count("select count(*) n from subjects where name = 'via-get'")).toBe(0);
    await healthOk();
  });

  it("answers ids that are not UUIDs with NOT_FOUND or BAD_USER_INPUT, never an internal error", async () => {
    const probes: [string, Record<string, unknown>][] = [
      ["query ($id: ID!) { subject(id: $id) { id } }", { id: "x' or 1=1 --" }],
      ["query ($id: ID!) { run(id: $id) { id } }", { id: "1" }],
      ["query ($id: ID!) { checkpoint(id: $id) { id } }", { id: "a".repeat(10_000) }],
      ["query ($id: ID!) { generation(id: $id) { id } }", { id: "00000000-0000-0000-0000-00000000000g" }],
      ["mutation ($id: ID!) { cancelRun(id: $id) { id } }", { id: "nope" }],
      ["mutation ($id: ID!) { revokeApiKey(id: $id) { id } }", { id: "nope" }],
      ["mutation ($id: ID!) { removeSubjectImage(id: $id) }", { id: "nope" }],
      ["mutation ($id: ID!) { addSubjectImage(subjectId: $id, uploadId: $id) { id } }", { id: "nope" }],
      ["mutation ($id: ID!) { evaluateCheckpoint(checkpointId: $id) { id } }", { id: "nope" }],
      ["mutation ($id: ID!) { exportCheckpoint(checkpointId: $id, format: DIFFUSERS) { id } }", { id: "nope" }],
      ["query ($id: ID!) { runs(subjectId: $id) { edges { node { id } } } }", { id: "nope" }],
      ['query { runs(after: "!!!") { edges { node { id } } } }', {}],
    ];
    for (const [query, variables] of probes) {
      const { body } = await gqlAs(api.url, team.secret, query, variables);
      const code = errorOf(body).code;
      if (body.errors) expect(["NOT_FOUND", "BAD_USER_INPUT"], `${query}: ${JSON.stringify(body.errors)}`).toContain(code);
      else expect(JSON.stringify(body.data), query).toMatch(/null|\[\]/);
    }
    await healthOk();
  });

  it("caps every free-text input: oversized names, nouns, prompts, emails and tokens are BAD_USER_INPUT and nothing is stored", async () => {
    const huge = "a".repeat(200_000);
    const subjects = await count("select count(*) n from subjects");
    for (const [query, field] of [
      [`mutation ($s: String!) { createSubject(input: { name: $s, classNoun: "backpack" }) { id } }`, "name"],
      [`mutation ($s: String!) { createSubject(input: { name: "ok", classNoun: $s }) { id } }`, "classNoun"],
      [`mutation ($s: String!) { createApiKey(name: $s) { secret } }`, "name"],
      [`mutation ($s: String!) { createImageUpload(subjectId: "${subjectId}", filename: $s, contentType: "image/png", byteSize: 100) { uploadId } }`, "filename"],
      [`mutation ($s: String!) { createImageUpload(subjectId: "${subjectId}", filename: "a.png", contentType: $s, byteSize: 100) { uploadId } }`, "contentType"],
      [`mutation ($s: String!) { generate(input: { checkpointId: "${checkpointId}", prompt: $s }) { id } }`, "prompt"],
      [`mutation ($s: String!) { generate(input: { checkpointId: "${checkpointId}", prompt: "ok", negativePrompt: $s }) { id } }`, "negativePrompt"],
      [`mutation ($s: String!) { startRun(input: { subjectId: "${subjectId}", baseModel: $s }) { id } }`, "baseModel"],
      [`mutation ($s: String!) { startRun(input: { subjectId: "${subjectId}", samplePrompts: [$s] }) { id } }`, "samplePrompts"],
    ] as const) {
      const { body } = await gqlAs(api.url, team.secret, query, { s: huge });
      expect(errorOf(body), query).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(JSON.stringify(body).length, "the refusal does not echo the input").toBeLessThan(5000);
    }
    // 100 000-element list variable: refused by its cap, not processed
    const many = await gqlAs(api.url, team.secret, `mutation ($p: [String!]) { startRun(input: { subjectId: "${subjectId}", samplePrompts: $p }) { id } }`, {
      p: Array.from({ length: 100_000 }, () => "a"),
    });
    expect(errorOf(many.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "samplePrompts" });
    expect(await count("select count(*) n from subjects")).toBe(subjects);
    expect(await count("select count(*) n from runs where team_id = $1", [team.teamId])).toBe(1); // the fixture's only
    expect(await count("select count(*) n from generations where team_id = $1", [team.teamId])).toBe(1);
    // deeply nested JSON in a variable: a plain GraphQL input error
    const query = `mutation ($p: [String!]) { startRun(input: { subjectId: "${subjectId}", samplePrompts: $p }) { id } }`;
    const nested = `${"[".repeat(400_000)}"x"${"]".repeat(400_000)}`;
    const deep = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${team.secret}` },
      body: `{"query":${JSON.stringify(query)},"variables":{"p":${nested}}}`,
    });
    expect(deep.status).toBeLessThan(500);
    expect(errorOf((await deep.json()) as never).code).toBe("BAD_USER_INPUT");

    // an invitation accepted with a 200 000-character email
    const { code } = (await okAs(api.url, team.secret, `mutation { createInvitation(role: MEMBER) { code } }`)).createInvitation;
    const users = await count("select count(*) n from users");
    const inv = await gqlAs(api.url, null, `mutation ($c: String!, $e: String) { acceptInvitation(code: $c, name: "joiner", email: $e) { user { id } } }`, {
      c: code,
      e: `${huge}@example.com`,
    });
    expect(errorOf(inv.body)).toMatchObject({ code: "BAD_USER_INPUT", field: "email" });
    expect(await count("select count(*) n from users")).toBe(users);
    await healthOk();
  });

  it("caps generation count/steps/guidance and run steps for an ordinary key (BAD_USER_INPUT, nothing queued)", async () => {
    const gen = (extra: string) => gqlAs(api.url, team.secret, `mutation { generate(input: { checkpointId: "${checkpointId}", prompt: "a photo", ${extra} }) { id } }`);
    for (const [extra, field] of [
      ["count: 17", "count"],
      ["count: 0", "count"],
      ["steps: 201", "steps"],
      ["steps: 2000000000", "steps"],
      ["guidanceScale: 1e300", "guidanceScale"],
      ["seed: -1", "seed"],
    ] as const)
      expect(errorOf((await gen(extra)).body), extra).toMatchObject({ code: "BAD_USER_INPUT", field });
    const run = (extra: string) => gqlAs(api.url, team.secret, `mutation { startRun(input: { subjectId: "${subjectId}", ${extra} }) { id } }`);
    for (const [extra, field] of [
      ["stage1Steps: 20001", "stage1Steps"],
      ["stage2Steps: 2000000000", "stage2Steps"],
      ["stage1LearningRate: 1e300", "stage1LearningRate"],
    ] as const)
      expect(errorOf((await run(extra)).body), extra).toMatchObject({ code: "BAD_USER_INPUT", field });
    // sizes and durations
    for (const [query, field] of [
      [`mutation { createImageUpload(subjectId: "${subjectId}", filename: "a.png", contentType: "image/png", byteSize: 2147483647) { uploadId } }`, "byteSize"],
      [`mutation { createImageUpload(subjectId: "${subjectId}", filename: "a.png", contentType: "image/png", byteSize: -1) { uploadId } }`, "byteSize"],
      [`mutation { createModelImportUpload(filename: "a.safetensors", byteSize: 1e300, role: CHECKPOINT) { uploadId } }`, "byteSize"],
      [`mutation { createModelImportUpload(filename: "a.safetensors", byteSize: 0.5, role: CHECKPOINT) { uploadId } }`, "byteSize"],
      [`mutation { createInvitation(role: MEMBER, expiresInHours: 2000000000) { code } }`, "expiresInHours"],
    ] as const)
      expect(errorOf((await gqlAs(api.url, team.secret, query)).body), query).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await count("select count(*) n from generations where team_id = $1", [team.teamId])).toBe(1);
    expect(await count("select count(*) n from runs where team_id = $1", [team.teamId])).toBe(1);
  });

  it("serves no persisted-query cache a tenant could fill (PERSISTED_QUERY_NOT_SUPPORTED)", async () => {
    const res = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${team.secret}` },
      body: JSON.stringify({
        query: "{ __typename }",
        extensions: { persistedQuery: { version: 1, sha256Hash: "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38" } },
      }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
    expect(errorOf(body as never).code).toBe("PERSISTED_QUERY_NOT_SUPPORTED");
    expect(body.data ?? null).toBeNull();
  });

  it("over HTTP too, an anonymous caller reads health's overall status and nothing else", async () => {
    const ok = await gqlAs<{ health: { status: string } }>(api.url, null, "{ health { status checkedAt } }");
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data?.health.status).toMatch(/^(OK|DOWN)$/);
    for (const q of ["{ health { postgres { status } } }", "{ health { version } }", "{ health { engine { details } } }", "{ health { status storage { message } } }"]) {
      const { body } = await gqlAs(api.url, null, q);
      expect(errorOf(body).code, q).toBe("UNAUTHENTICATED");
      expect(JSON.stringify(body.data ?? null), q).not.toMatch(/postgres|storage|version|engine/i);
    }
  });

  it("an anonymous websocket runs at most 2 operations at once: a third health stream is TOO_MANY_SUBSCRIPTIONS", async () => {
    const ws = new WebSocket(api.url.replace(/^http/, "ws"), "graphql-transport-ws");
    ws.on("error", () => undefined);
    const messages: { id?: string; type: string; payload?: any }[] = [];
    ws.on("message", (m) => messages.push(JSON.parse(m.toString())));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ type: "connection_init", payload: {} }));
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
    };
    await until(() => messages.some((m) => m.type === "connection_ack"));
    for (const id of ["1", "2", "3"]) ws.send(JSON.stringify({ id, type: "subscribe", payload: { query: "subscription { health(everySeconds: 1) { status } }" } }));
    await until(() => messages.some((m) => m.id === "3") && messages.some((m) => m.id === "1" && m.type === "next") && messages.some((m) => m.id === "2" && m.type === "next"));
    const third = messages.find((m) => m.id === "3")!;
    expect(third.type).toBe("error");
    expect(third.payload[0].extensions).toMatchObject({ code: "TOO_MANY_SUBSCRIPTIONS", max: 2, actual: 3 });
    expect(
      messages
        .filter((m) => m.type === "next")
        .map((m) => m.id)
        .sort(),
    ).toContain("1");
    expect(messages.some((m) => m.id === "2" && m.type === "next")).toBe(true);
    ws.close();
  });

  it("a CORS preflight from a foreign origin gets no CORS grant; an allowed origin does", async () => {
    const pre = (origin: string) =>
      fetch(api.url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" } });
    const evil = await pre("http://evil.example");
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    expect(evil.headers.get("access-control-allow-headers")).toBeNull();
    const good = await pre("http://localhost:3000");
    expect(good.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    // a simple cross-origin POST carries no CORS grant either (the browser hides the answer)
    const post = await fetch(api.url, {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("forged, malformed and foreign archive tokens are refused without touching storage", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    const future = Math.floor(Date.now() / 1000) + 3600;
    for (const path of [
      `/exports/${id}.tar`,
      `/exports/${id}.tar?token=`,
      `/exports/${id}.tar?token=${future}.k${team.apiKeyId}.${"A".repeat(43)}`,
      `/exports/${id}.tar?token=${"9".repeat(12)}.k${team.apiKeyId}.${"A".repeat(43)}`,
      `/exports/${id}.tar?token=${"x".repeat(100_00)}`,
      `/exports/..%2f..%2fetc%2fpasswd.tar?token=1.k1.1`,
      `/exports/not-a-uuid.tar?token=1.k1.1`,
    ]) {
      const res = await fetch(new URL(path, api.url));
      expect([401, 403, 404], path).toContain(res.status);
      await res.arrayBuffer();
    }
    await healthOk();
  });

  it("closes a socket that reuses a subscription id (4409) and one that sends connection_init twice (4429)", async () => {
    const ws = new WebSocket(api.url.replace(/^http/, "ws"), "graphql-transport-ws");
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.on("error", () => undefined);
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${team.secret}` } }));
    await new Promise((r) => ws.once("message", r));
    const sub = { id: "same", type: "subscribe", payload: { query: `subscription { runEvents(runId: "00000000-0000-4000-8000-000000000000") { seq } }` } };
    ws.send(JSON.stringify(sub));
    ws.send(JSON.stringify(sub));
    expect(await closed).toBe(4409);
    const again = new WebSocket(api.url.replace(/^http/, "ws"), "graphql-transport-ws");
    const closed2 = new Promise<number>((resolve) => again.once("close", (code) => resolve(code)));
    again.on("error", () => undefined);
    await new Promise((r) => again.once("open", r));
    again.send(JSON.stringify({ type: "connection_init", payload: {} }));
    again.send(JSON.stringify({ type: "connection_init", payload: {} }));
    expect(await closed2).toBe(4429);
    await healthOk();
  });
});

describe("hostile tenants, second pass: bad keys on websockets", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let team: TestTeam;

  /** A socket from `ip` (X-Forwarded-For behind the trusted proxy) sending connection_init with `key`: "ack" or its close code. */
  const connectAs = (ip: string, key: string) =>
    new Promise<"ack" | number>((resolve) => {
      const ws = new WebSocket(api.url.replace(/^http/, "ws"), "graphql-transport-ws", { headers: { "x-forwarded-for": ip } });
      ws.on("error", () => undefined);
      ws.once("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${key}` } })));
      ws.once("message", (m) => {
        if (JSON.parse(m.toString()).type === "connection_ack") resolve("ack");
        ws.close();
      });
      ws.once("close", (code) => resolve(code));
    });

  beforeAll(async () => {
    [api, team] = await Promise.all([startApi({ TRUST_PROXY: "1", RATE_AUTH_FAIL_BURST: "3", RATE_AUTH_FAIL_PER_MINUTE: "0.01" }), createTeam("hostile-review-ws")]);
  });
  afterAll(async () => {
    const db = testDb();
    await db.pool.query("delete from rate_buckets");
    await db.close();
    await api?.proc.stop();
  });

  it("a parallel burst of bad keys in connection_init: 3 are looked up, the rest closed with 4431 unchecked; the address is then refused, others are not", async () => {
    const bad = () => `sk_${Math.random().toString(36).slice(2)}${"x".repeat(30)}`;
    const burst = await Promise.all(Array.from({ length: 10 }, () => connectAs("203.0.113.7", bad())));
    expect(burst.filter((r) => r === "ack")).toHaveLength(3); // acknowledged, then UNAUTHENTICATED for all but health
    expect(burst.filter((r) => r === 4431)).toHaveLength(7);
    // the address is refused whatever it presents now, a good key too (a guesser learns nothing)
    expect(await connectAs("203.0.113.7", team.secret)).toBe(4431);
    // another address: a good key connects; once it authenticated it is not charged again, even in parallel
    expect(await connectAs("203.0.113.8", team.secret)).toBe("ack");
    expect(await Promise.all(Array.from({ length: 5 }, () => connectAs("203.0.113.8", team.secret)))).toEqual(Array(5).fill("ack"));
    const { body } = await gqlAs<{ health: { postgres: unknown } }>(api.url, team.secret, "{ health { postgres { status } } }");
    expect(body.data?.health.postgres).toEqual({ status: "OK" });
  });
});
