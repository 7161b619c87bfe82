import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiQueries, openDb } from "@studio/db";
import { startTrainer } from "../support/processes.js";
import { processAlive, TrainerFixtures, until } from "../support/trainer-fixtures.js";
import { services } from "../support/services.js";

type Trainer = Awaited<ReturnType<typeof startTrainer>>;

/**
 * The fleet (docs/scheduling.md) against real PostgreSQL, MinIO and trainers on tiny-random: poison
 * runs end after maxAttempts lost leases, a trainer cut off from the database stops its engine before
 * a successor may claim, and several trainers share the queue fairly across teams.
 */
describe("trainer fleet: leases, attempts, fencing, fair share", () => {
  const fx = new TrainerFixtures();
  const db = fx.db.db;
  const trainers: Trainer[] = [];
  const getRun = async (id: string) => (await db.query.runs.findFirst({ where: (r, { eq }) => eq(r.id, id) }))!;
  const eventsOf = (runId: string) => db.query.runEvents.findMany({ where: (e, { eq }) => eq(e.runId, runId), orderBy: (e, { asc }) => [asc(e.seq)] });
  const checkpointsOf = (runId: string) => db.query.checkpoints.findMany({ where: (c, { eq }) => eq(c.runId, runId), orderBy: (c, { asc }) => [asc(c.createdAt)] });
  const engineStarted = (output: string, runId: string) => {
    const m = output.match(new RegExp(`run ${runId}: engine started \\(pid (\\d+)\\)`));
    return m ? Number(m[1]) : null;
  };
  const start = async (env: Record<string, string> = {}) => {
    const t = await startTrainer({ TRAINER_LEASE_MS: "6000", TRAINER_POLL_MS: "300", ...env });
    trainers.push(t);
    return t;
  };
  const stopAll = async () => {
    await Promise.all(trainers.splice(0).map((t) => t.proc.stop()));
  };

  beforeAll(async () => {
    await fx.clearQueue();
  });
  afterAll(async () => {
    await stopAll();
    await fx.close();
  });

  it("a run whose trainer dies every time ends FAILED ATTEMPTS_EXHAUSTED after maxAttempts (3), with each attempt's reason", async () => {
    const subject = await fx.subject();
    const run = await fx.queueRun(subject, { steps: 5000, checkpointEvery: 5000 }, 5000);
    try {
      expect(run.maxAttempts).toBe(3);
      for (let attempt = 1; attempt <= 3; attempt++) {
        const t = await start({ TRAINER_LEASE_MS: "3000" });
        const pid = Number(t.proc.output.match(/running \(pid (\d+)\)/)![1]);
        await t.proc.waitForOutput(new RegExp(`run ${run.id}: engine started`), 60_000);
        const enginePid = engineStarted(t.proc.output, run.id)!;
        expect((await getRun(run.id)).attempt).toBe(attempt);
        process.kill(pid, "SIGKILL"); // what an engine that takes its trainer down does
        await t.proc.waitExit(15_000).catch(() => null);
        await until(
          "the orphaned engine exits",
          () => processAlive(enginePid),
          (alive) => !alive,
          20_000,
          100,
        );
        trainers.splice(trainers.indexOf(t), 1);
      }
      const last = await start({ TRAINER_LEASE_MS: "3000" });
      const done = await until(
        "run ended",
        () => getRun(run.id),
        (r) => r.state !== "RUNNING",
        30_000,
        200,
      );
      expect(done.state).toBe("FAILED");
      expect(done.errorCode).toBe("ATTEMPTS_EXHAUSTED");
      expect(done.errorMessage).toMatch(/lease was lost 3 times \(maxAttempts 3\)/);
      expect(done.attempt).toBe(3); // never started a 4th time
      expect(done.leaseLosses).toBe(3);
      expect(done.attemptErrors.map((e) => [e.attempt, e.code])).toEqual([
        [1, "LEASE_EXPIRED"],
        [2, "LEASE_EXPIRED"],
        [3, "LEASE_EXPIRED"],
      ]);
      expect(done.finishedAt).not.toBeNull();
      // The trainer logs after its claim's COMMIT returns, which may be after this test already reads the row.
      await last.proc.waitForOutput(new RegExp(`run ${run.id}: FAILED \\(ATTEMPTS_EXHAUSTED`), 10_000);
      const final = (await eventsOf(run.id)).at(-1)!;
      expect(final.payload).toMatchObject({ state: "FAILED", previousState: "RUNNING", errorCode: "ATTEMPTS_EXHAUSTED" });
    } finally {
      await stopAll(); // a failure here must not leave a trainer to claim the next test's run
    }
  });

  it("a trainer cut off from PostgreSQL stops its engine before its lease expires; the successor's checkpoint objects are never overwritten", async () => {
    const s = services();
    const trainerRole = new URL(s.databaseUrlTrainer).username;
    const superuser = openDb(s.databaseSuperuserUrl, { max: 1 });
    const su = superuser.pool;
    const subject = await fx.subject();
    // Far more steps than the test waits for (however fast the machine, the run is still training when the
    // trainer is cut off and when the successor has saved a checkpoint of its own); canceled at the end.
    const steps = 5000;
    const run = await fx.queueRun(subject, { steps, checkpointEvery: 40 }, 5000);
    const first = await start();
    try {
      await until(
        "a stage-2 checkpoint of attempt 1",
        () => checkpointsOf(run.id),
        (c) => c.some((x) => x.stage === "stage2"),
        120_000,
        50,
      );
      const enginePid = engineStarted(first.proc.output, run.id);
      expect(enginePid, "the first trainer started this run's engine").not.toBeNull();
      // Cut the trainer off: no new connections for its role, and its open ones are closed.
      await su.query(`ALTER ROLE "${trainerRole}" NOLOGIN`);
      await su.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [trainerRole]);
      try {
        await until(
          "the cut-off trainer's engine exits",
          () => processAlive(enginePid!),
          (alive) => !alive,
          30_000,
          20,
        );
        // ... while its lease is still valid in the database: no successor could have claimed yet.
        const { rows } = await su.query(`SELECT lease_expires_at > now() AS valid, attempt FROM runs WHERE id = $1`, [run.id]);
        expect(rows[0]).toEqual({ valid: true, attempt: 1 });
        // it stopped the engine itself: at its local lease deadline, or sooner when a write of the run failed
        expect(first.proc.output).toMatch(new RegExp(`run ${run.id}: (lease deadline passed without a successful heartbeat; stopping the engine|stopping the engine: )`));
      } finally {
        await su.query(`ALTER ROLE "${trainerRole}" LOGIN`);
      }
      // Attempt 1's objects as they are now; the fenced-off trainer stays up (it may try to write more).
      const firstCps = await checkpointsOf(run.id);
      const successor = await start();
      // the successor resumes and records a checkpoint of its own (attempt 2) …
      await until(
        "a checkpoint of attempt 2",
        async () => ({ run: await getRun(run.id), cps: await checkpointsOf(run.id) }),
        (x) => !["QUEUED", "RUNNING"].includes(x.run.state) || (x.run.attempt === 2 && x.cps.some((c) => c.files.some((f) => f.objectKey.includes("/checkpoints/a2/")))),
        180_000,
        200,
      );
      // … then the user cancels (what cancelRun does), which ends it
      await su.query("update runs set cancel_requested_at = now() where id = $1", [run.id]);
      const done = await until(
        "canceled",
        () => getRun(run.id),
        (r) => !["QUEUED", "RUNNING"].includes(r.state),
        60_000,
        200,
      );
      expect(done.state, `${done.errorCode}: ${done.errorMessage}\n${successor.proc.output.slice(-3000)}`).toBe("CANCELED");
      expect(done.attempt).toBe(2);
      expect(done.leaseLosses).toBe(1);
      expect(done.attemptErrors).toMatchObject([{ attempt: 1, owner: first.id, code: "LEASE_EXPIRED" }]);
      const cps = await checkpointsOf(run.id);
      expect(cps.length).toBeGreaterThan(firstCps.length);
      for (const c of cps) {
        const byFirst = firstCps.some((f) => f.id === c.id);
        for (const f of c.files) {
          // Attempt-scoped keys; and what storage holds is still exactly what was recorded.
          expect(f.objectKey).toContain(`/runs/${run.id}/checkpoints/a${byFirst ? 1 : 2}/`);
          expect(await fx.objectSha256(f.objectKey)).toEqual({ sha256: f.sha256, size: f.sizeBytes });
        }
      }
      // Every object under attempt 2's prefix is one the successor recorded: nothing written there by attempt 1.
      const recorded = new Set(cps.flatMap((c) => c.files.map((f) => f.objectKey)));
      const listed: string[] = [];
      for await (const o of fx.s3.listObjectsV2(fx.bucket, `teams/${subject.teamId}/runs/${run.id}/checkpoints/a2/`, true)) listed.push(o.name!);
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.filter((k) => !recorded.has(k))).toEqual([]);
    } finally {
      await superuser.close();
      await stopAll();
    }
  });

  it("3 trainers, 3 teams: B's and C's runs start before A's 2nd (team limit 1), all finish, one lease each, queue positions match the start order", async () => {
    const a = await fx.subject();
    const b = await fx.subject();
    const c = await fx.subject();
    const small = { steps: 3, checkpointEvery: 3 };
    const aRuns = [];
    for (let i = 0; i < 6; i++) aRuns.push(await fx.queueRun(a, small, 1000));
    // Positions before any trainer runs: team A alone, in creation order.
    const before = await apiQueries.runQueuePositions(db, 1);
    expect(aRuns.map((r) => before.get(r.id)?.position)).toEqual([1, 2, 3, 4, 5, 6]);
    const bRun = await fx.queueRun(b, small, 1000);
    const cRun = await fx.queueRun(c, small, 1000);
    const all = [...aRuns, bRun, cRun];
    const ids = new Set(all.map((r) => r.id));
    // B and C were never served: they come right after A's first run, ahead of A's second.
    const queued = await apiQueries.runQueuePositions(db, 1);
    expect([aRuns[0]!.id, bRun.id, cRun.id, aRuns[1]!.id].map((id) => queued.get(id)?.position)).toEqual([1, 2, 3, 4]);

    await Promise.all([start({ RUN_TEAM_CONCURRENCY: "1" }), start({ RUN_TEAM_CONCURRENCY: "1" }), start({ RUN_TEAM_CONCURRENCY: "1" })]);
    // Sample the queue while it drains: positions of QUEUED runs and how many runs each team has RUNNING.
    const snapshots: string[][] = [];
    let maxRunningPerTeam = 0;
    await until(
      "every run finished",
      async () => {
        const rows = (await fx.db.pool.query(`SELECT id, team_id, state FROM runs WHERE id = ANY($1)`, [[...ids]])).rows as { id: string; team_id: string; state: string }[];
        const perTeam = new Map<string, number>();
        for (const r of rows) if (r.state === "RUNNING") perTeam.set(r.team_id, (perTeam.get(r.team_id) ?? 0) + 1);
        maxRunningPerTeam = Math.max(maxRunningPerTeam, ...perTeam.values(), 0);
        const pos = await apiQueries.runQueuePositions(db, 1);
        const order = [...pos.entries()]
          .filter(([id]) => ids.has(id))
          .sort((x, y) => x[1].position - y[1].position)
          .map(([id]) => id);
        if (order.length > 1) snapshots.push(order);
        return rows;
      },
      (rows) => rows.every((r) => !["QUEUED", "RUNNING"].includes(r.state)),
      300_000,
      100,
    );
    expect(maxRunningPerTeam).toBe(1);
    const done = await Promise.all(all.map((r) => getRun(r.id)));
    for (const r of done) {
      expect(r.state, `${r.errorCode}: ${r.errorMessage}`).toBe("SUCCEEDED");
      expect(r.attempt).toBe(1); // one claim, one lease: never RUNNING under two
      expect(r.leaseLosses).toBe(0);
    }
    const startedAt = new Map(done.map((r) => [r.id, r.startedAt!.getTime()]));
    const aStarts = aRuns.map((r) => startedAt.get(r.id)!);
    expect(startedAt.get(bRun.id)!).toBeLessThan(aStarts[1]!);
    expect(startedAt.get(cRun.id)!).toBeLessThan(aStarts[1]!);
    // Every queue snapshot lists runs in the order they then started.
    for (const order of [...snapshots, [aRuns[0]!.id, bRun.id, cRun.id, ...aRuns.slice(1).map((r) => r.id)]]) {
      const starts = order.map((id) => startedAt.get(id)!);
      expect(starts).toEqual([...starts].sort((x, y) => x - y));
    }
    await stopAll();
  });
});
