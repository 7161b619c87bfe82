import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineProcess } from "./engine.process.js";

/**
 * The thread budget check on a stand-in engine (a shell script in place of Python that prints one
 * `ready` event reporting 2 torch threads and the OMP_NUM_THREADS it was given): the real engine's
 * side is tested in trainer/engine/tests/test_ready.py and test/integration/trainer-threads.test.ts.
 */
describe("EngineProcess: the engine's thread budget", () => {
  let dir = "";
  let python = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "engine-process-test-"));
    python = join(dir, "python");
    const ready = `{"v":1,"seq":1,"ts":"2026-11-30T10:00:00.000Z","type":"ready","engineVersion":"0.1.0","protocolVersion":1,"python":"3.11.7","torch":"2.15.0","diffusers":"0.42.1","transformers":"5.23.0","device":{"type":"cpu"},"threads":{"intraOp":2,"interOp":2}}`;
    await writeFile(python, `#!/bin/sh\necho '${ready}'\necho "omp=$OMP_NUM_THREADS mkl=$MKL_NUM_THREADS" >&2\n`);
    await chmod(python, 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = (budget: string) =>
    new EngineProcess({
      python,
      engineDir: dir,
      args: ["ready"],
      deadlineMs: 10_000,
      baseEnv: { PATH: "/usr/bin:/bin", OMP_NUM_THREADS: budget, MKL_NUM_THREADS: budget, STUDIO_ENGINE_THREADS: budget },
    }).run();

  it("accepts an engine that runs with its budget, and passes the budget in its environment", async () => {
    const r = await run("2");
    expect(r.protocolError).toBeNull();
    expect(r.events.map((e) => e.type)).toEqual(["ready"]);
    expect(r.stderrTail).toEqual(["omp=2 mkl=2"]);
  });

  it("refuses an engine that runs more threads than its budget, as a protocol error", async () => {
    const r = await run("1");
    expect(r.protocolError?.message).toBe("the engine runs 2 torch threads, its budget is 1 (TRAINER_ENGINE_THREADS)");
    expect(r.events).toEqual([]);
  });
});
