import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@studio/db";
import { repoRoot } from "@studio/infra/paths";
import { createTeam, type TestTeam } from "../support/auth.js";
import { appendEvents, insertRunWithCheckpoint, insertSubject, lossEvents, testDb } from "../support/fixtures.js";
import { freePort } from "../support/ports.js";
import { apiEnv, spawnApi, TestProcess } from "../support/processes.js";

/**
 * docs/live-events.md "Reconnects": an API restart under a watching CLI (`runs watch`). The CLI says it
 * is reconnecting, comes back with afterSeq after a jittered pause, and shows every event once, in order,
 * including the ones committed while the API was down; then it ends with the run.
 */
describe("live reconnect: the CLI's --watch across an API restart", () => {
  let team: TestTeam;
  let db: DbHandle;
  let port: number;
  let api: TestProcess;
  let watcher: TestProcess | null = null;
  const startApiOn = async () => {
    const p = spawnApi(apiEnv(port, { RUN_EVENTS_POLL_MS: "60000" }));
    await p.waitForOutput(/GraphQL ready at/);
    return p;
  };

  beforeAll(async () => {
    port = await freePort();
    [api, team] = await Promise.all([startApiOn(), createTeam("reconnect-team")]);
    db = testDb();
  });
  afterAll(async () => {
    await watcher?.stop();
    await api?.stop();
    await db?.close();
  });

  it("shows reconnecting…, resumes after the restart, and delivers every event exactly once", async () => {
    const subject = await insertSubject(db, team.teamId);
    const { run } = await insertRunWithCheckpoint(db, team.teamId, subject.id);
    await appendEvents(db, run.id, lossEvents(1, 5));
    watcher = new TestProcess(
      "cli",
      spawn(join(repoRoot, "node_modules", ".bin", "tsx"), [join(repoRoot, "client", "src", "cli.ts"), "runs", "watch", run.id, "--json"], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: repoRoot, STUDIO_API_URL: `http://127.0.0.1:${port}/graphql`, STUDIO_API_KEY: team.secret },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    const seqs = () =>
      watcher!.output
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { type: string; seq?: number })
        .filter((e) => e.type === "event")
        .map((e) => e.seq!);
    await watcher.waitForOutput(/"seq":5[,}]/, 60_000);

    // the API goes away; the run goes on (a trainer commits events meanwhile)
    await api.stop();
    await watcher.waitForOutput(/connection lost; reconnecting… in \d+ ms/, 30_000);
    await appendEvents(db, run.id, lossEvents(6, 10));
    api = await startApiOn();
    await watcher.waitForOutput(/resumed: events flow again \(event 6\)/, 60_000);

    await appendEvents(db, run.id, lossEvents(11, 12));
    await db.pool.query(`update runs set state = 'SUCCEEDED', finished_at = now(), lease_owner = null, lease_expires_at = null where id = $1`, [run.id]);
    await appendEvents(db, run.id, [{ type: "RunStateChanged", payload: { state: "SUCCEEDED", previousState: "RUNNING" } }]);
    expect(await watcher.waitExit(60_000)).toBe(0);
    expect(seqs()).toEqual(Array.from({ length: 13 }, (_, i) => i + 1)); // no gap, no duplicate, in order
  });
});
