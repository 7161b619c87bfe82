import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTrainer } from "../support/processes.js";
import { processAlive, TrainerFixtures, until } from "../support/trainer-fixtures.js";

/**
 * Bit-exact resume through the platform (issue 15, point 4; trainer/protocol/PROTOCOL.md "Resume"):
 * for each method, a run whose trainer AND engine are killed with -9 at a random step of each stage,
 * then picked up by a fresh trainer from its last recorded checkpoint (public files + private
 * training state from MinIO), ends with the same weights — equal content hash and equal file bytes —
 * as an uninterrupted run with the same seed. The engine pauses itself (SIGSTOP) as the chosen step
 * begins (STUDIO_ENGINE_PAUSE_AT, passed through by the trainer), so the kill lands exactly there.
 */
type Method = "TWO_STAGE" | "DREAMBOOTH" | "TEXTUAL_INVERSION";

const samples = (prompt: string) => ({ prompts: [prompt], seeds: [0], every: 1000, steps: 1, guidanceScale: 7.5 });
const CASES: { method: Method; config: Record<string, unknown>; total: number; last: string; kills: [string, number][] }[] = [
  {
    method: "TWO_STAGE",
    config: {
      stage1: { steps: 6, learningRate: 5e-2, checkpointEvery: 2 },
      stage2: { steps: 6, learningRate: 1e-3, checkpointEvery: 2 },
      samples: samples("a photo of <rare> backpack"),
      seed: 11,
      maxGradNorm: 1,
      resolution: null,
    },
    total: 12,
    last: "stage2:6",
    kills: [
      ["stage1", 6],
      ["stage2", 6],
    ],
  },
  {
    method: "DREAMBOOTH",
    config: {
      stage2: { steps: 6, learningRate: 1e-3, checkpointEvery: 2 },
      dreambooth: { classImages: 2, priorLossWeight: 1, classImageSteps: 2 },
      samples: samples("a photo of sks backpack"),
      seed: 11,
      maxGradNorm: 1,
      resolution: null,
    },
    total: 6,
    last: "stage2:6",
    kills: [["stage2", 6]],
  },
  {
    method: "TEXTUAL_INVERSION",
    config: { stage1: { steps: 6, learningRate: 5e-2, checkpointEvery: 2 }, samples: samples("a photo of <s*>"), seed: 11, maxGradNorm: 1, resolution: null },
    total: 6,
    last: "stage1:6",
    kills: [["stage1", 6]],
  },
];

/** A random step of the stage that has a checkpoint before it: 3..steps (checkpoints every 2). */
const randomStep = (steps: number) => 3 + Math.floor(Math.random() * (steps - 2));

describe("trainer: bit-exact resume after kill -9, every method", () => {
  const fx = new TrainerFixtures();
  const db = fx.db.db;
  let subject: { teamId: string; subjectId: string };
  const reference = new Map<Method, string>();

  const getRun = async (id: string) => (await db.query.runs.findFirst({ where: (r, { eq }) => eq(r.id, id) }))!;
  const checkpointsOf = (runId: string) => db.query.checkpoints.findMany({ where: (c, { eq }) => eq(c.runId, runId) });
  const finalCheckpoint = async (runId: string, last: string) => {
    const [stage, step] = last.split(":");
    const c = (await checkpointsOf(runId)).find((x) => x.stage === stage && x.step === Number(step));
    expect(c, `${runId} has ${last}`).toBeDefined();
    return c!;
  };
  const weightsOf = (c: Awaited<ReturnType<typeof finalCheckpoint>>) => ({
    contentHash: c.contentHash,
    files: Object.fromEntries(c.files.filter((f) => f.name.endsWith(".safetensors")).map((f) => [f.name, f.sha256])),
  });
  const pausedState = async (pid: number) => {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2)[0];
    } catch {
      return "gone";
    }
  };

  beforeAll(async () => {
    await fx.clearQueue();
    subject = await fx.subject();
  });
  afterAll(async () => {
    await fx.close();
  });

  it("uninterrupted reference runs, one per method, keep a private training state with each checkpoint", async () => {
    const trainer = await startTrainer({ TRAINER_POLL_MS: "300" });
    try {
      const runs = [];
      for (const c of CASES) runs.push({ c, run: await fx.queueRunWith(subject, c.method, c.config, c.total) });
      for (const { c, run } of runs) {
        const done = await until(
          `${c.method} reference`,
          () => getRun(run.id),
          (r) => !["QUEUED", "RUNNING"].includes(r.state),
          300_000,
          300,
        );
        expect(done.state, `${done.errorCode}: ${done.errorMessage}\n${done.logTail}`).toBe("SUCCEEDED");
        const last = await finalCheckpoint(run.id, c.last);
        expect(last.contentHash).toMatch(/^[0-9a-f]{64}$/);
        reference.set(c.method, JSON.stringify(weightsOf(last)));
        // the training state: its own column and objects, never among the checkpoint's files
        expect(last.files.map((f) => f.name).sort()).not.toContain("training-state.json");
        expect(last.trainingState!.map((f) => f.name).sort()).toEqual(["training-state.json", "training-state.safetensors"]);
        for (const f of last.trainingState!) {
          expect(f.objectKey).toContain(`/runs/${run.id}/training-state/`);
          expect(await fx.objectSha256(f.objectKey)).toEqual({ sha256: f.sha256, size: f.sizeBytes });
        }
      }
    } finally {
      await trainer.proc.stop();
    }
  });

  for (const c of CASES) {
    it(`${c.method}: killed with -9 at a random step of each stage, resumed by a new trainer, ends bit-identical`, async () => {
      expect(reference.get(c.method), "the reference run finished").toBeDefined();
      const run = await fx.queueRunWith(subject, c.method, c.config, c.total);
      const kills = c.kills.map(([stage, steps]) => `${stage}:${randomStep(steps)}`);
      for (const [i, pauseAt] of kills.entries()) {
        const trainer = await startTrainer({ TRAINER_LEASE_MS: "6000", TRAINER_POLL_MS: "300", STUDIO_ENGINE_PAUSE_AT: pauseAt });
        const trainerPid = Number(trainer.proc.output.match(/running \(pid (\d+)\)/)![1]);
        try {
          const enginePid = await until(
            "engine started",
            async () => Number(trainer.proc.output.match(new RegExp(`run ${run.id}: engine started \\(pid (\\d+)\\)`))?.[1] ?? 0),
            (pid) => pid > 0,
            120_000,
            100,
          );
          await until(
            `engine paused at ${pauseAt}`,
            () => pausedState(enginePid),
            (s) => s === "T" || s === "gone",
            180_000,
            100,
          );
          expect(await pausedState(enginePid), `the engine reached ${pauseAt}; run ${JSON.stringify(await getRun(run.id))}\n${trainer.proc.output.slice(-4000)}`).toBe("T");
          // the checkpoint just before the pause is recorded (files and training state uploaded)
          const [stage, step] = pauseAt.split(":");
          const before = Number(step) - 1 - ((Number(step) - 1) % 2);
          await until(
            "checkpoint before the kill recorded",
            () => checkpointsOf(run.id),
            (cps) => cps.some((x) => x.stage === stage && x.step === before),
            60_000,
            100,
          );
          process.kill(trainerPid, "SIGKILL");
          process.kill(enginePid, "SIGKILL");
          await until(
            "engine gone",
            () => processAlive(enginePid),
            (alive) => !alive,
            15_000,
            100,
          );
        } finally {
          await trainer.proc.stop();
        }
        const r = await getRun(run.id);
        expect(r.state, `after kill ${i + 1} (${pauseAt})`).toBe("RUNNING");
        expect(r.attempt).toBe(i + 1);
      }
      const last = await startTrainer({ TRAINER_LEASE_MS: "6000", TRAINER_POLL_MS: "300" });
      try {
        const done = await until(
          "resumed run finished",
          () => getRun(run.id),
          (r) => !["QUEUED", "RUNNING"].includes(r.state),
          300_000,
          300,
        );
        expect(done.state, `${done.errorCode}: ${done.errorMessage}\n${last.proc.output.slice(-3000)}`).toBe("SUCCEEDED");
        expect(done.attempt).toBe(kills.length + 1);
        expect(last.proc.output).toContain(`run ${run.id}: resuming from `);
        expect(last.proc.output).not.toContain("no training state");
      } finally {
        await last.proc.stop();
      }
      expect(JSON.stringify(weightsOf(await finalCheckpoint(run.id, c.last))), `kills at ${kills.join(", ")}`).toBe(reference.get(c.method));
    });
  }
});
