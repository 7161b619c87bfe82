import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNELS, notify } from "@studio/db";
import { startTrainer } from "../support/processes.js";
import { processAlive, TrainerFixtures, until } from "../support/trainer-fixtures.js";

/**
 * The warm engine (issue 18, docs/architecture.md §7): while idle the trainer keeps one `standby` engine
 * with its imports done and the base model loaded; a claimed run is handed to it. Real PostgreSQL, MinIO
 * and engine on tiny-random. The figure (claim to first loss) is printed; its goal (≤ 2 s) is the README's.
 */
describe("trainer: warm engine", () => {
  const fx = new TrainerFixtures();
  const db = fx.db.db;
  let subject: { teamId: string; subjectId: string };
  let trainer: Awaited<ReturnType<typeof startTrainer>>;

  const getRun = async (id: string) => (await db.query.runs.findFirst({ where: (r, { eq }) => eq(r.id, id) }))!;
  const eventsOf = (runId: string) => db.query.runEvents.findMany({ where: (e, { eq }) => eq(e.runId, runId), orderBy: (e, { asc }) => [asc(e.seq)] });
  /** pids of the standbys the trainer announced, in order */
  const standbys = () => [...trainer.proc.output.matchAll(/warm engine ready \(pid (\d+)\): tiny-random loaded/g)].map((m) => Number(m[1]));

  beforeAll(async () => {
    await fx.clearQueue();
    subject = await fx.subject();
    trainer = await startTrainer({ TRAINER_POLL_MS: "300", TRAINER_WARM_ENGINE: "on", TRAINER_WARM_BASE_MODEL: "tiny-random" });
  });
  afterAll(async () => {
    await trainer?.proc.stop();
    await fx.close();
  });

  it("hands each run to the standby that preloaded its base model, and starts the next standby when idle", async () => {
    const figures: Record<string, number>[] = [];
    for (let i = 0; i < 2; i++) {
      await until(
        "a standby",
        async () => standbys().length,
        (n) => n >= i + 1,
        120_000,
        200,
      );
      const waiting = standbys().at(-1)!; // the latest one announced is the one waiting
      expect(await processAlive(waiting)).toBe(true);
      const run = await fx.queueRun(subject, { steps: 2, checkpointEvery: 1000 });
      const done = await until(
        "run finished",
        () => getRun(run.id),
        (r) => !["QUEUED", "RUNNING"].includes(r.state),
        90_000,
        200,
      );
      expect(done.state, `${done.errorCode}: ${done.errorMessage}\n${trainer.proc.output.slice(-3000)}`).toBe("SUCCEEDED");
      const started = trainer.proc.output.match(new RegExp(`run ${run.id}: engine started \\(pid (\\d+)\\) (\\w+)`));
      expect(started?.[2]).toBe("warm");
      expect(Number(started?.[1])).toBe(waiting); // the standby itself became the run's engine
      const events = await eventsOf(run.id);
      const ended = events.find((e) => e.type === "PhaseChanged" && e.payload.state === "ENDED")!;
      expect(ended.payload).toMatchObject({ baseModel: "tiny-random", warm: true });
      const running = events.find((e) => e.type === "RunStateChanged" && e.payload.state === "RUNNING")!;
      const firstLoss = events.find((e) => e.type === "LossLogged")!;
      figures.push({
        run: i + 1,
        claimToFirstLossSeconds: (firstLoss.createdAt.getTime() - running.createdAt.getTime()) / 1000,
        baseModelLoadMs: ended.payload.durationMs as number,
      });
      // idle again: a new standby (another process) is started for the next run
      await until(
        "next standby",
        async () => standbys().length,
        (n) => n >= i + 2,
        120_000,
        200,
      );
      const next = standbys().at(-1)!;
      expect(next).not.toBe(waiting);
      await until(
        "the used engine gone",
        () => processAlive(waiting),
        (alive) => !alive,
        30_000,
        100,
      ); // one job per process
    }
    console.log(JSON.stringify({ warmEngine: figures }));
  });

  it("a cancel of a run on the warm engine ends it CANCELED; a new standby follows, and stopping the trainer ends it", async () => {
    const before = standbys().length;
    const run = await fx.queueRun(subject, { steps: 200, checkpointEvery: 1000 });
    await until(
      "running",
      () => getRun(run.id),
      (r) => r.state === "RUNNING" && r.step > 0,
      90_000,
      100,
    );
    // what the api's cancelRun does for a RUNNING run
    await fx.db.pool.query("update runs set cancel_requested_at = now() where id = $1 and state = 'RUNNING'", [run.id]);
    await notify(db, CHANNELS.runControl, { runId: run.id, action: "cancel" });
    const done = await until(
      "canceled",
      () => getRun(run.id),
      (r) => r.state !== "RUNNING",
      60_000,
      200,
    );
    expect(done.state).toBe("CANCELED");
    await until(
      "next standby",
      async () => standbys().length,
      (n) => n > before,
      120_000,
      200,
    );
    const standby = standbys().at(-1)!;
    expect(await processAlive(standby)).toBe(true);
    expect(trainer.proc.output).toMatch(new RegExp(`run ${run.id}: engine started \\(pid \\d+\\) warm`));
    await trainer.proc.stop();
    await until(
      "standby gone",
      () => processAlive(standby),
      (alive) => !alive,
      30_000,
      100,
    );
  });
});
