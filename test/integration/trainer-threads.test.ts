import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../trainer/src/config.js";
import { EngineProcess, probeEngine } from "../../trainer/src/engine/engine.process.js";
import type { ReadyEvent } from "../../trainer/src/engine/protocol.js";
import { startTrainer, trainerEnv } from "../support/processes.js";
import { TrainerFixtures, until } from "../support/trainer-fixtures.js";

/**
 * CPU threads are budgeted (docs/architecture.md §7): every engine the trainer starts gets
 * TRAINER_ENGINE_THREADS as its torch thread count, reports it in its `ready` event, and is stopped
 * (PROTOCOL_ERROR) if it runs another count. 3 is used because it is not torch's default here (one
 * thread per core on a 2-core machine), so a passing test shows the budget, not the default.
 */
describe("trainer: each engine's CPU threads come from TRAINER_ENGINE_THREADS", () => {
  const fx = new TrainerFixtures();
  const db = fx.db.db;
  let trainer: Awaited<ReturnType<typeof startTrainer>> | null = null;

  beforeAll(async () => {
    await fx.clearQueue();
  });
  afterAll(async () => {
    await trainer?.proc.stop();
    await fx.close();
  });

  it("the `ready` and `serve` engines started with the trainer's config run with the budget", async () => {
    for (const n of [1, 3]) {
      const config = parseConfig(trainerEnv({ TRAINER_ENGINE_THREADS: String(n) }));
      const ready = (await probeEngine(config.ENGINE_PYTHON, config.ENGINE_DIR, 120_000, config.ENGINE_ENV)) as ReadyEvent;
      expect(ready.threads).toEqual({ intraOp: n, interOp: n });
    }
    // `serve` (people's prompts and evaluations): its first event, then EOF on stdin ends it
    const config = parseConfig(trainerEnv({ TRAINER_ENGINE_THREADS: "3" }));
    let serveReady = null as ReadyEvent | null;
    const serve = new EngineProcess({
      python: config.ENGINE_PYTHON,
      engineDir: config.ENGINE_DIR,
      args: ["serve"],
      deadlineMs: 120_000,
      baseEnv: config.ENGINE_ENV,
      onEvent: (e) => {
        if (e.type === "ready") {
          serveReady = e as ReadyEvent;
          serve.endInput();
        }
      },
    });
    const result = await serve.run();
    expect(result.protocolError).toBeNull();
    expect(result.exitCode, result.stderrTail.join("\n")).toBe(0);
    expect(serveReady!.threads).toEqual({ intraOp: 3, interOp: 3 });
  });

  it("a trainer registers its engine's budget and trains and generates on engines held to it", async () => {
    trainer = await startTrainer({ TRAINER_ENGINE_THREADS: "3", TRAINER_POLL_MS: "300" });
    const worker = await db.query.workers.findFirst({ where: (w, { eq }) => eq(w.id, trainer!.id) });
    expect(worker?.engine.threads).toEqual({ intraOp: 3, interOp: 3 });

    // An engine that ran another count would end the run FAILED with PROTOCOL_ERROR.
    const subject = await fx.subject();
    const run = await fx.queueRun(subject, { steps: 2, checkpointEvery: 2 }, 1000);
    const done = await until(
      "run finished",
      async () => (await db.query.runs.findFirst({ where: (r, { eq }) => eq(r.id, run.id) }))!,
      (r) => !["QUEUED", "RUNNING"].includes(r.state),
      120_000,
      200,
    );
    expect(done.state, `${done.errorCode}: ${done.errorMessage}\n${trainer.proc.output.slice(-2000)}`).toBe("SUCCEEDED");
    const checkpoint = await db.query.checkpoints.findFirst({ where: (c, { and, eq }) => and(eq(c.runId, run.id), eq(c.stage, "stage2")) });
    const g = await fx.queueGeneration(subject.teamId, checkpoint!.id, 1);
    const generated = await until(
      "generation finished",
      async () => (await db.query.generations.findFirst({ where: (x, { eq }) => eq(x.id, g.id) }))!,
      (x) => x.state === "SUCCEEDED" || x.state === "FAILED",
      120_000,
      200,
    );
    expect(generated.state, `${generated.errorCode}: ${generated.errorMessage}\n${trainer.proc.output.slice(-2000)}`).toBe("SUCCEEDED");
    expect(trainer.proc.output).not.toMatch(/torch threads, its budget is/);
  });
});
