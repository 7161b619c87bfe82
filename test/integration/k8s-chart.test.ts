import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderChart } from "@studio/infra/helm";
import { testDb } from "../support/fixtures.js";
import { startApi } from "../support/processes.js";

/**
 * The Kubernetes chart (infra/helm/rare-studio) against the real product: each API probe the chart
 * renders is sent, as the kubelet would, to a real API process; KEDA's queue query runs on the
 * migrated schema and counts what trainers must serve. (Rendering and schema checks: infra/src/helm-chart.test.ts.)
 */
type HttpGet = { path: string; port: string; httpHeaders?: { name: string; value: string }[] };

describe("the chart's API probes answer on a real API", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let probes: Record<string, HttpGet>;

  beforeAll(async () => {
    const objs = await renderChart();
    const deployment = objs.find((o) => o.kind === "Deployment" && o.metadata.name.endsWith("-api")) as any;
    const c = deployment.spec.template.spec.containers[0];
    probes = { liveness: c.livenessProbe.httpGet, readiness: c.readinessProbe.httpGet, startup: c.startupProbe.httpGet };
    api = await startApi();
  }, 600_000);
  afterAll(async () => {
    await api?.proc.stop();
  });

  const send = (p: HttpGet, headers = true) =>
    fetch(`http://127.0.0.1:${api.port}${p.path}`, {
      headers: headers ? Object.fromEntries((p.httpHeaders ?? []).map((h) => [h.name, h.value])) : {},
    });

  it.each(["liveness", "readiness", "startup"])("%s probe succeeds (2xx)", async (name) => {
    const p = probes[name]!;
    expect(p.port).toBe("http");
    const res = await send(p);
    expect(res.status).toBe(200);
  });

  it("the readiness probe runs the GraphQL health query; without its header Apollo refuses it", async () => {
    const res = await send(probes.readiness!);
    const body = (await res.json()) as { data?: { health?: { status: string } } };
    expect(["OK", "DOWN", "UNKNOWN"]).toContain(body.data?.health?.status);
    const bare = await send(probes.readiness!, false);
    expect(bare.status).toBeGreaterThanOrEqual(400); // CSRF prevention: the probe's header matters
  });
});

describe("the chart's KEDA queue query on the migrated schema", () => {
  const db = testDb();
  let query: string;
  beforeAll(async () => {
    const objs = await renderChart();
    const so = objs.find((o) => o.kind === "ScaledObject") as any;
    query = so.spec.triggers[0].metadata.query;
  }, 600_000);
  afterAll(async () => {
    await db.close();
  });

  it("asks for one trainer per running or claimable run (fair share), and one while other trainer work waits, else none", async () => {
    const client = await db.pool.connect();
    const value = async () => {
      const r = await client.query(query);
      expect(r.rows).toHaveLength(1);
      const v = Object.values(r.rows[0] as Record<string, unknown>)[0];
      expect(typeof v).toBe("number"); // KEDA needs an integer
      return v as number;
    };
    try {
      // Everything below is rolled back: the shared test database is left as it was.
      await client.query("BEGIN");
      await client.query(`UPDATE runs SET state = 'CANCELED', finished_at = now() WHERE state IN ('QUEUED', 'RUNNING')`);
      for (const t of ["generations", "evaluations", "model_exports", "model_imports"]) await client.query(`DELETE FROM ${t}`);
      expect(await value()).toBe(0);

      const team = (await client.query(`INSERT INTO teams (name) VALUES ('keda-query') RETURNING id`)).rows[0].id as string;
      const subject = (await client.query(`INSERT INTO subjects (team_id, name, class_noun) VALUES ($1, 's', 'backpack') RETURNING id`, [team])).rows[0].id as string;
      const run = (state: string, teamId = team) =>
        client.query(
          `INSERT INTO runs (team_id, subject_id, method, base_model, config, state, total_steps, lease_owner, lease_expires_at, started_at, finished_at, error_code)
           VALUES ($1, $2, 'TWO_STAGE', 'tiny-random', '{}', $3, 100, $4, $5, $6, $7, $8) RETURNING id`,
          [
            teamId,
            subject,
            state,
            state === "RUNNING" ? "t1" : null,
            state === "RUNNING" ? new Date(Date.now() + 60_000) : null,
            state === "QUEUED" ? null : new Date(),
            ["SUCCEEDED", "FAILED", "CANCELED"].includes(state) ? new Date() : null,
            state === "FAILED" ? "X" : null,
          ],
        );
      await run("QUEUED");
      await run("QUEUED");
      await run("RUNNING");
      await run("SUCCEEDED");
      await run("FAILED");
      // 1 running; the 2 queued wait for the team's only slot (RUN_TEAM_CONCURRENCY 1); finished runs do not count
      expect(await value()).toBe(1);
      // another team's queued runs: one claimable now (its one slot)
      const other = (await client.query(`INSERT INTO teams (name) VALUES ('keda-other') RETURNING id`)).rows[0].id as string;
      await run("QUEUED", other);
      await run("QUEUED", other);
      expect(await value()).toBe(2);
      // the first team's OWNER raises its limit to 3: both of its queued runs become claimable
      await client.query(`INSERT INTO team_run_limits (team_id, run_concurrency) VALUES ($1, 3)`, [team]);
      expect(await value()).toBe(4);
      await client.query(`UPDATE runs SET state = 'CANCELED', finished_at = now() WHERE team_id = $1 AND state IN ('QUEUED', 'RUNNING')`, [other]);

      await client.query(`UPDATE runs SET state = 'CANCELED', finished_at = now() WHERE team_id = $1 AND state IN ('QUEUED', 'RUNNING')`, [team]);
      expect(await value()).toBe(0);
      // a prompt waiting for a trainer (its checkpoint belongs to a finished run): one trainer
      const done = (await run("SUCCEEDED")).rows[0].id as string;
      const ckpt = (
        await client.query(`INSERT INTO checkpoints (run_id, team_id, stage, step, size_bytes, sha256, files) VALUES ($1, $2, 'stage2', 100, 1, $3, '[]') RETURNING id`, [
          done,
          team,
          "0".repeat(64),
        ])
      ).rows[0].id as string;
      for (let i = 0; i < 3; i++)
        await client.query(`INSERT INTO generations (team_id, checkpoint_id, prompt, seed, steps, guidance_scale, count) VALUES ($1, $2, 'p', 1, 10, 7.5, 1)`, [team, ckpt]);
      expect(await value()).toBe(1);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });
});
