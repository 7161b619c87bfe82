import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { gql, takeSubscription, wsClient } from "../support/graphql.js";
import { spawnApi, apiEnv, startApi, startTrainer, spawnTrainer, trainerEnv } from "../support/processes.js";
import { freePort } from "../support/ports.js";
import { createTeam } from "../support/auth.js";
import { services } from "../support/services.js";
import { TcpProxy } from "../support/tcp-proxy.js";

/** health's details and workerHeartbeats need an API key (docs/security-front.md). */
let key: string;

const HEALTH = /* GraphQL */ `
  {
    health {
      status
      checkedAt
      postgres {
        status
        message
      }
      storage {
        status
        message
      }
      engine {
        status
        message
        details
      }
    }
  }
`;

interface HealthData {
  health: {
    status: string;
    checkedAt: string;
    postgres: { status: string; message: string };
    storage: { status: string; message: string };
    engine: { status: string; message: string; details: { id: string }[] | null };
  };
}

async function waitForHealth(url: string, ok: (h: HealthData["health"]) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last: HealthData["health"] | undefined;
  while (Date.now() < deadline) {
    const { body } = await gql<HealthData>(url, HEALTH, {}, key);
    last = body.data?.health;
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`health never matched; last: ${JSON.stringify(last)}`);
}

describe("walking skeleton: api + trainer + engine against real PostgreSQL and MinIO", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let trainer: Awaited<ReturnType<typeof startTrainer>>;
  // The API and the trainer reach PostgreSQL through a relay this file can cut ("PostgreSQL DOWN" below)
  // without stopping the server the other worker's files are using.
  const pg = new TcpProxy("127.0.0.1", services().pg.port);

  beforeAll(async () => {
    await pg.start();
    api = await startApi({ DATABASE_URL: pg.url(services().databaseUrlApi) });
    trainer = await startTrainer({ DATABASE_URL: pg.url(services().databaseUrlTrainer) });
    key = (await createTeam("health-team")).secret;
  });
  afterAll(async () => {
    await trainer?.proc.stop();
    await api?.proc.stop();
    await pg.stop();
  });

  it("reports PostgreSQL, storage and the engine as OK over HTTP", async () => {
    const h = await waitForHealth(api.url, (x) => x.status === "OK");
    expect(h.postgres.message).toMatch(/^PostgreSQL \d+/);
    expect(h.storage.message).toContain("studio-test");
    expect(h.engine.message).toMatch(/engine 0\.\d+\.\d+, torch 2\./);
    expect(h.engine.details?.map((w) => w.id)).toContain(trainer.id);
  });

  it("streams trainer heartbeats over graphql-ws (trainer → NOTIFY → api → subscriber)", async () => {
    const client = wsClient(api.wsUrl, key);
    try {
      const results = await takeSubscription<{ workerHeartbeats: { workerId: string; at: string } }>(client, "subscription { workerHeartbeats { workerId at } }", {}, 2);
      const beats = results.map((r) => r.data!.workerHeartbeats);
      expect(beats.every((b) => b.workerId === trainer.id)).toBe(true);
      expect(Date.parse(beats[1]!.at)).toBeGreaterThan(Date.parse(beats[0]!.at));
    } finally {
      await client.dispose();
    }
  });

  it("streams health reports on an interval and rejects an absurd interval", async () => {
    const client = wsClient(api.wsUrl, key);
    try {
      const results = await takeSubscription<{ health: { status: string; checkedAt: string } }>(client, "subscription { health(everySeconds: 1) { status checkedAt } }", {}, 2);
      expect(results.map((r) => r.data!.health.status)).toEqual(["OK", "OK"]);
      // a subscribe-time GraphQLError arrives as one result carrying `errors`
      const [bad] = await takeSubscription(client, "subscription { health(everySeconds: 0) { status } }", {}, 1);
      expect(bad!.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(bad!.errors?.[0]?.message).toMatch(/everySeconds/);
    } finally {
      await client.dispose();
    }
  });

  it("reports PostgreSQL DOWN while it is unreachable, without crashing, and recovers when it returns", async () => {
    await pg.stop(); // refused connections, and every open one dropped, as when the server stops
    try {
      const down = await waitForHealth(api.url, (x) => x.postgres.status === "DOWN", 20_000);
      expect(down.status).toBe("DOWN");
      expect(down.postgres.message).toMatch(/ECONNREFUSED|connect/i);
      expect(down.engine.status).toBe("UNKNOWN");
      expect(down.storage.status).toBe("OK");
      expect(api.proc.running).toBe(true);
      expect(trainer.proc.running).toBe(true);
    } finally {
      await pg.start();
    }
    const back = await waitForHealth(api.url, (x) => x.status === "OK", 30_000);
    expect(back.engine.status).toBe("OK");
    // the LISTEN connection came back too: heartbeats flow again
    const client = wsClient(api.wsUrl, key);
    try {
      const [r] = await takeSubscription<{ workerHeartbeats: { workerId: string } }>(client, "subscription { workerHeartbeats { workerId } }", {}, 1, 20_000);
      expect(r!.data!.workerHeartbeats.workerId).toBe(trainer.id);
    } finally {
      await client.dispose();
    }
  });
});

describe("stopping", () => {
  it("the api drains on SIGTERM: an open graphql-ws connection is closed with 1001 and the process exits 0", async () => {
    const api = await startApi();
    try {
      const ws = new WebSocket(api.wsUrl, "graphql-transport-ws");
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
      api.proc.child.kill("SIGTERM");
      // exit 0 is the drain finishing; main.ts's force-exit after 10 s (a shutdown that hangs) is exit 1
      expect(await api.proc.waitExit(30_000), api.proc.output.slice(-2000)).toBe(0);
      expect(await closed).toBe(1001);
      expect(api.proc.output).toMatch(/SIGTERM: draining/);
    } finally {
      await api.proc.stop();
    }
  });
});

describe("configuration is checked at start", () => {
  it("the api refuses API_PORT=abc, naming the variable", async () => {
    const proc = spawnApi(apiEnv(await freePort(), { API_PORT: "abc" }));
    expect(await proc.waitExit()).toBe(78);
    expect(proc.output).toMatch(/API_PORT: .*"abc"/);
  });

  it("the api names every bad variable at once and never echoes secrets", async () => {
    const proc = spawnApi(apiEnv(await freePort(), { S3_ENDPOINT: "not a url", DATABASE_URL: "mysql://u:hunter2@x/y", WORKER_STALE_AFTER_MS: "-5" }));
    expect(await proc.waitExit()).toBe(78);
    expect(proc.output).toMatch(/S3_ENDPOINT/);
    expect(proc.output).toMatch(/DATABASE_URL/);
    expect(proc.output).toMatch(/WORKER_STALE_AFTER_MS/);
    expect(proc.output).not.toContain("hunter2");
  });

  it("the trainer refuses a bad heartbeat interval, naming the variable", async () => {
    const proc = spawnTrainer(trainerEnv({ TRAINER_HEARTBEAT_MS: "often" }));
    expect(await proc.waitExit()).toBe(78);
    expect(proc.output).toMatch(/TRAINER_HEARTBEAT_MS/);
  });

  it("the trainer fails clearly when the engine's Python is missing", async () => {
    const proc = spawnTrainer(trainerEnv({ ENGINE_PYTHON: "/nonexistent/python" }));
    expect(await proc.waitExit()).toBe(1);
    expect(proc.output).toMatch(/cannot start the engine with \/nonexistent\/python/);
  });
});
