import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNELS, notify } from "@studio/db";
import { startTrainer } from "../support/processes.js";
import { processAlive, TrainerFixtures, until } from "../support/trainer-fixtures.js";

/**
 * The trainer side of docs/platform-contract.md against real PostgreSQL, MinIO and the real engine
 * on tiny-random. Rows are created the way the api would create them.
 */
describe("trainer: runs and generations", () => {
  const fx = new TrainerFixtures();
  const db = fx.db.db;
  let subject: { teamId: string; subjectId: string };
  let trainer: Awaited<ReturnType<typeof startTrainer>>;

  // Relational queries: the test package reads rows without importing drizzle itself.
  const getRun = async (id: string) => (await db.query.runs.findFirst({ where: (r, { eq }) => eq(r.id, id) }))!;
  const eventsOf = (runId: string) => db.query.runEvents.findMany({ where: (e, { eq }) => eq(e.runId, runId), orderBy: (e, { asc }) => [asc(e.seq)] });
  const lossesOf = (runId: string) => db.query.lossPoints.findMany({ where: (p, { eq }) => eq(p.runId, runId) });
  const checkpointsOf = (runId: string) => db.query.checkpoints.findMany({ where: (c, { eq }) => eq(c.runId, runId), orderBy: (c, { asc }) => [asc(c.createdAt)] });
  const engineStarted = (output: string, runId: string) => {
    const m = output.match(new RegExp(`run ${runId}: engine started \\(pid (\\d+)\\)`));
    return m ? Number(m[1]) : null;
  };

  beforeAll(async () => {
    await fx.clearQueue();
    subject = await fx.subject();
    // the product's default: runs are handed to the trainer's warm engine (the standby preloads tiny-random)
    trainer = await startTrainer({ TRAINER_POLL_MS: "500", TRAINER_WARM_ENGINE: "on", TRAINER_WARM_BASE_MODEL: "tiny-random" });
  });
  afterAll(async () => {
    await trainer?.proc.stop();
    await fx.close();
  });

  let lastCheckpointId = "";

  it("runs a queued run to SUCCEEDED: losses in order, samples and verified checkpoints in MinIO", async () => {
    const run = await fx.queueRun(subject, { steps: 6, checkpointEvery: 3 });
    const done = await until(
      "run finished",
      () => getRun(run.id),
      (r) => !["QUEUED", "RUNNING"].includes(r.state),
      90_000,
      200,
    );
    expect(done.state, `${done.errorCode}: ${done.errorMessage}\n${done.logTail}\n${trainer.proc.output.slice(-3000)}`).toBe("SUCCEEDED");
    expect(done.step).toBe(9);
    expect(done.attempt).toBe(1);
    expect(done.leaseOwner).toBe(trainer.id);

    const events = await eventsOf(run.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const states = events.filter((e) => e.type === "RunStateChanged").map((e) => e.payload.state);
    expect(states).toEqual(["QUEUED", "RUNNING", "SUCCEEDED"]);
    const losses = events.filter((e) => e.type === "LossLogged").map((e) => `${e.payload.stage}:${e.payload.step}`);
    expect(losses).toEqual(["stage1:1", "stage1:2", "stage1:3", ...[1, 2, 3, 4, 5, 6].map((s) => `stage2:${s}`)]);
    // loading the base model is a visible phase: STARTED, then ENDED with its duration, before stage 1
    const phases = events.filter((e) => e.type === "PhaseChanged");
    expect(phases.map((e) => e.payload)).toEqual([
      { phase: "LOADING_BASE_MODEL", state: "STARTED", baseModel: "tiny-random" },
      { phase: "LOADING_BASE_MODEL", state: "ENDED", baseModel: "tiny-random", durationMs: expect.any(Number), warm: expect.any(Boolean) },
    ]);
    expect(phases[1]!.seq).toBeLessThan(events.find((e) => e.type === "StageStarted")!.seq);
    // the trainer reports which base models its machine has (tiny-random is built locally: always)
    const row = await db.query.workers.findFirst({ where: (w, { eq }) => eq(w.id, trainer.id) });
    expect(row?.baseModels).toContain("tiny-random");
    const stages = events.filter((e) => e.type === "StageStarted").map((e) => e.payload);
    expect(stages).toEqual([
      { stage: "stage1", totalSteps: 3 },
      { stage: "stage2", totalSteps: 6 },
    ]);
    const points = await lossesOf(run.id);
    expect(points).toHaveLength(9);
    expect(points.every((p) => Number.isFinite(p.loss) && p.loss > 0)).toBe(true);

    const sampleRows = await db.query.samples.findMany({ where: (x, { eq }) => eq(x.runId, run.id), orderBy: (x, { asc }) => [asc(x.createdAt)] });
    expect(sampleRows.map((s) => `${s.stage}:${s.step}`)).toEqual(["stage1:3", "stage2:3", "stage2:6"]);
    for (const s of sampleRows) {
      expect(s.objectKey).toBe(`teams/${subject.teamId}/runs/${run.id}/samples/a1/${s.stage}-step-${String(s.step).padStart(6, "0")}-p0-s0.png`);
      const stat = await fx.s3.statObject(fx.bucket, s.objectKey);
      expect(stat.size).toBeGreaterThan(60);
    }
    expect(events.filter((e) => e.type === "SampleSaved")).toHaveLength(3);

    const cps = await checkpointsOf(run.id);
    expect(cps.map((c) => `${c.stage}:${c.step}`)).toEqual(["stage1:3", "stage2:3", "stage2:6"]);
    for (const c of cps) {
      const names = c.files.map((f) => f.name).sort();
      expect(names).toEqual(c.stage === "stage1" ? ["checkpoint.json", "embedding.safetensors"] : ["checkpoint.json", "embedding.safetensors", "unet.safetensors"]);
      for (const f of c.files) {
        // Recompute from what MinIO holds: the recorded hash must describe the stored bytes.
        const stored = await fx.objectSha256(f.objectKey);
        expect(stored).toEqual({ sha256: f.sha256, size: f.sizeBytes });
      }
      expect(c.sha256).toBe(c.files.find((f) => f.name === "checkpoint.json")!.sha256);
      expect(c.sizeBytes).toBe(c.files.reduce((n, f) => n + f.sizeBytes, 0));
    }
    expect(events.filter((e) => e.type === "CheckpointSaved").map((e) => e.payload.checkpointId)).toEqual(cps.map((c) => c.id));
    lastCheckpointId = cps[2]!.id;
  });

  it("serves a generation from a checkpoint: SUCCEEDED with `count` images in MinIO", async () => {
    expect(lastCheckpointId).not.toBe("");
    const g = await fx.queueGeneration(subject.teamId, lastCheckpointId, 2);
    const done = await until(
      "generation finished",
      async () => (await db.query.generations.findFirst({ where: (x, { eq }) => eq(x.id, g.id) }))!,
      (x) => x.state === "SUCCEEDED" || x.state === "FAILED",
      90_000,
      200,
    );
    expect(done.state, `${done.errorCode}: ${done.errorMessage}\n${trainer.proc.output.slice(-2000)}`).toBe("SUCCEEDED");
    expect(done.images.map((i) => [i.index, i.seed])).toEqual([
      [0, 7],
      [1, 8],
    ]);
    // the engine's generation.progress reached the row while it was RUNNING (2 images × 2 steps)
    expect(done.stepsDone).toBeGreaterThanOrEqual(1);
    expect(done.stepsDone).toBeLessThanOrEqual(4);
    for (const img of done.images) {
      expect(img.objectKey).toBe(`teams/${subject.teamId}/generations/${g.id}/a1/image-${String(img.index).padStart(2, "0")}-seed-${img.seed}.png`);
      const { size } = await fx.objectSha256(img.objectKey);
      expect(size).toBeGreaterThan(60);
    }
  });

  it("ends a run the engine refuses (exit 2) FAILED with the engine's code, message and log tail", async () => {
    const broken = await fx.subject({ corrupt: true });
    const run = await fx.queueRun(broken, { steps: 6, checkpointEvery: 3 });
    const done = await until(
      "run finished",
      () => getRun(run.id),
      (r) => !["QUEUED", "RUNNING"].includes(r.state),
      90_000,
      200,
    );
    expect(done.state).toBe("FAILED");
    expect(done.errorCode).toBe("IMAGE_UNREADABLE");
    expect(done.errorMessage).toMatch(/00\.jpg is not an image/);
    expect(done.logTail).toContain("IMAGE_UNREADABLE");
    const last = (await eventsOf(run.id)).at(-1)!;
    expect(last.payload).toMatchObject({ state: "FAILED", previousState: "RUNNING", errorCode: "IMAGE_UNREADABLE" });
  });

  it("fails a run whose stored photo is not the validated bytes (size/sha256 differ): INPUT_VERIFY_FAILED before the engine starts", async () => {
    const tampered = await fx.subject({ tampered: true });
    const run = await fx.queueRun(tampered, { steps: 6, checkpointEvery: 3 });
    const done = await until(
      "run finished",
      () => getRun(run.id),
      (r) => !["QUEUED", "RUNNING"].includes(r.state),
      90_000,
      200,
    );
    expect(done.state).toBe("FAILED");
    expect(done.errorCode).toBe("INPUT_VERIFY_FAILED");
    expect(done.errorMessage).toMatch(/01\.jpg: storage holds more than the \d+ bytes recorded/);
    expect(await eventsOf(run.id)).not.toContainEqual(expect.objectContaining({ type: "StageStarted" })); // the engine never trained
  });

  it("cancels a run mid stage 2: CANCELED within seconds and the engine is gone", async () => {
    const run = await fx.queueRun(subject, { steps: 5000, checkpointEvery: 5000 }, 5000);
    await until(
      "stage 2 under way",
      () => getRun(run.id),
      (r) => r.stage === "stage2" && r.step >= 3 + 3,
      90_000,
      100,
    );
    const pid = engineStarted(trainer.proc.output, run.id);
    expect(pid).not.toBeNull();
    expect(await processAlive(pid!)).toBe(true);

    // What the api's cancelRun does for a RUNNING run.
    await fx.db.pool.query("update runs set cancel_requested_at = now() where id = $1 and state = 'RUNNING'", [run.id]);
    await notify(db, CHANNELS.runControl, { runId: run.id, action: "cancel" });
    const asked = Date.now();
    const done = await until(
      "run canceled",
      () => getRun(run.id),
      (r) => r.state !== "RUNNING",
      15_000,
      100,
    );
    expect(done.state, `${done.errorCode}: ${done.errorMessage}`).toBe("CANCELED");
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(done.finishedAt).not.toBeNull();
    expect(await processAlive(pid!)).toBe(false);
    const last = (await eventsOf(run.id)).at(-1)!;
    expect(last.payload).toEqual({ state: "CANCELED", previousState: "RUNNING" });
  });

  it("resumes a run from its last checkpoint after its trainer is killed with -9", async () => {
    await trainer.proc.stop(); // only the trainers below may claim this run
    const first = await startTrainer({ TRAINER_LEASE_MS: "6000", TRAINER_POLL_MS: "300" });
    const killedPid = Number(first.proc.output.match(/running \(pid (\d+)\)/)![1]);
    // Far more steps than the test waits for: however fast or slow the machine, the run is still training
    // when it is killed and after it resumes; the test follows it by its events and cancels it at the end.
    const steps = 5000;
    const run = await fx.queueRun(subject, { steps, checkpointEvery: 10 }, 5000);
    try {
      // Kill only once losses past a stage-2 checkpoint are stored: the successor then replays steps
      // that already have rows, which is what must not produce duplicates.
      const stage2Cps = async () => (await checkpointsOf(run.id)).filter((c) => c.stage === "stage2").map((c) => c.step);
      await until(
        "losses stored past a stage-2 checkpoint",
        async () => ({ step: (await getRun(run.id)).step - 3, cps: await stage2Cps() }),
        (x) => x.cps.length > 0 && x.step >= Math.max(...x.cps) + 3,
        90_000,
        50,
      );
      const enginePid = engineStarted(first.proc.output, run.id)!;
      process.kill(killedPid, "SIGKILL");
      // The engine's watchdog sees its parent gone, finishes the step and exits.
      await until(
        "the orphaned engine exits",
        () => processAlive(enginePid),
        (alive) => !alive,
        15_000,
        100,
      );
    } finally {
      await first.proc.stop();
    }
    const before = await getRun(run.id);
    expect(before.state).toBe("RUNNING");
    expect(before.step).toBeLessThan(3 + steps);
    const resumeFrom = Math.max(...(await checkpointsOf(run.id)).filter((c) => c.stage === "stage2").map((c) => c.step));
    const storedBefore = (await lossesOf(run.id)).filter((p) => p.stage === "stage2").map((p) => p.step);
    expect(Math.max(...storedBefore)).toBeGreaterThan(resumeFrom); // the successor will replay stored steps

    const second = await startTrainer({ TRAINER_LEASE_MS: "6000", TRAINER_POLL_MS: "300" });
    try {
      // the successor resumes and trains past every step the killed attempt had stored …
      const past = Math.max(...storedBefore) + 5;
      const resumed = await until(
        "resumed past the stored steps",
        () => getRun(run.id),
        (r) => (r.attempt === 2 && r.stage === "stage2" && r.step - 3 >= past) || !["QUEUED", "RUNNING"].includes(r.state),
        120_000,
        100,
      );
      expect(resumed.state, `${resumed.errorCode}: ${resumed.errorMessage}\n${second.proc.output.slice(-3000)}`).toBe("RUNNING");
      expect(resumed.leaseOwner).toBe(second.id);
      expect(second.proc.output).toContain(`run ${run.id}: resuming from stage2-step-${String(resumeFrom).padStart(6, "0")}`);
      // … then is canceled (what cancelRun does), which ends it with every stored step exactly once
      await fx.db.pool.query("update runs set cancel_requested_at = now() where id = $1", [run.id]);
      const done = await until(
        "canceled",
        () => getRun(run.id),
        (r) => !["QUEUED", "RUNNING"].includes(r.state),
        60_000,
        100,
      );
      expect(done.state).toBe("CANCELED");
      expect(done.attempt).toBe(2);
    } finally {
      trainer = second; // the next test stops it; afterAll stops it in any case
    }
    const points = await lossesOf(run.id);
    const stage2 = points
      .filter((p) => p.stage === "stage2")
      .map((p) => p.step)
      .sort((a, b) => a - b);
    const last = stage2.at(-1)!;
    expect(last).toBeGreaterThan(Math.max(...storedBefore));
    expect(stage2).toEqual(Array.from({ length: last }, (_, i) => i + 1)); // no gap, no duplicate across the kill
    expect(
      points
        .filter((p) => p.stage === "stage1")
        .map((p) => p.step)
        .sort(),
    ).toEqual([1, 2, 3]);
    const logged = (await eventsOf(run.id)).filter((e) => e.type === "LossLogged").map((e) => `${e.payload.stage}:${e.payload.step}`);
    expect(new Set(logged).size).toBe(logged.length); // no step announced twice
    expect(logged).toHaveLength(3 + last);
  });

  it("on SIGTERM leaves the run RUNNING for a successor; a successor finalises a cancel requested meanwhile", async () => {
    const run = await fx.queueRun(subject, { steps: 5000, checkpointEvery: 5000 }, 5000);
    await until(
      "stage 2 under way",
      () => getRun(run.id),
      (r) => r.stage === "stage2" && r.leaseOwner === trainer.id,
      90_000,
      100,
    );
    const pid = engineStarted(trainer.proc.output, run.id)!;
    trainer.proc.child.kill("SIGTERM");
    expect(await trainer.proc.waitExit(20_000)).toBe(0);
    expect(await processAlive(pid)).toBe(false);
    const left = await getRun(run.id);
    expect(left).toMatchObject({ state: "RUNNING", leaseOwner: trainer.id, errorCode: null, finishedAt: null, attempt: 1 });
    // Released, not abandoned: the next claim may take it at once, and it is not a lost lease (docs/scheduling.md).
    const { rows: lease } = await fx.db.pool.query("select lease_expires_at = '-infinity' as released from runs where id = $1", [run.id]);
    expect(lease).toEqual([{ released: true }]);

    // While no trainer holds it, the user cancels (what the api's cancelRun does for a RUNNING run).
    await fx.db.pool.query("update runs set cancel_requested_at = now() where id = $1", [run.id]);
    const next = await startTrainer({ TRAINER_LEASE_MS: "6000", TRAINER_POLL_MS: "300" });
    trainer = next;
    const done = await until(
      "canceled by the successor",
      () => getRun(run.id),
      (r) => r.state !== "RUNNING",
      30_000,
      200,
    );
    expect(done.state).toBe("CANCELED");
    expect(done.attempt).toBe(1); // finalised at claim time, never run again
    expect(done.leaseLosses).toBe(0);
    // logged once the claim's COMMIT returns to the trainer, which may be just after this test reads the row
    await next.proc.waitForOutput(new RegExp(`run ${run.id}: CANCELED \\(cancel was requested before it ran\\)`), 10_000);
    const last = (await eventsOf(run.id)).at(-1)!;
    expect(last.payload).toEqual({ state: "CANCELED", previousState: "RUNNING" });
  });
});
