import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineEventBase } from "./protocol.js";
import { WarmEngine } from "./warm-engine.js";

/**
 * The warm engine's life cycle on a stand-in engine (a shell script in place of Python speaking the
 * `standby` protocol); the real engine's side is trainer/engine/tests/test_standby.py, the whole path
 * test/integration/trainer-warm-engine.test.ts.
 */
describe("WarmEngine", () => {
  let dir = "";
  let python = "";
  const ts = "2026-11-30T10:00:00.000Z";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "warm-engine-test-"));
    python = join(dir, "python");
    const ready = `{"v":1,"seq":1,"ts":"${ts}","type":"ready","engineVersion":"0.1.0","protocolVersion":1,"python":"3.11.7","torch":"2.15.0","diffusers":"0.42.1","transformers":"5.23.0","device":{"type":"cpu"},"threads":{"intraOp":1,"interOp":1}}`;
    // $1=-m $2=studio_engine $3=standby [$4=--preload $5=MODEL]; a file "die" makes it exit 7 before its standby event
    await writeFile(
      python,
      [
        "#!/bin/sh",
        `echo '${ready}'`,
        `echo "$$ $5" >> "${dir}/started"`,
        `[ -f "${dir}/die" ] && exit 7`,
        `echo '{"v":1,"seq":2,"ts":"${ts}","type":"standby","loaded":true,"seconds":0.5,"modelId":"'"$5"'"}'`,
        "read line || exit 0",
        `echo "$line" > "${dir}/job"`,
        `echo '{"v":1,"seq":3,"ts":"${ts}","type":"completed","outputDir":"/out"}'`,
        "",
      ].join("\n"),
    );
    await chmod(python, 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const logs: string[] = [];
  const make = (model: string | null, retryMs = 50) =>
    new WarmEngine({ python, engineDir: dir, baseEnv: { PATH: "/usr/bin:/bin", STUDIO_ENGINE_THREADS: "1" }, graceMs: 1000, log: (_l, m) => logs.push(m), retryMs }, model);
  const until = async (what: () => boolean | Promise<boolean>, ms = 5000) => {
    const end = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > end) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const started = async () => (await readFile(join(dir, "started"), "utf8").catch(() => "")).trim().split("\n").filter(Boolean);

  it("hands its process to a job: the job line arrives, only the job's events reach the job and its result", async () => {
    const warm = make("tiny-random");
    warm.prepare();
    await until(() => logs.some((l) => l.includes("warm engine ready") && l.includes("tiny-random loaded in 0.5 s")));
    const seen: EngineEventBase[] = [];
    const taken = warm.take("/work/spec.json", (e) => seen.push(e), 10_000);
    expect(taken?.ready).toBe(true);
    expect(taken?.modelId).toBe("tiny-random");
    const result = await taken!.done;
    expect(result.exitCode).toBe(0);
    expect(seen.map((e) => e.type)).toEqual(["completed"]);
    expect(result.events.map((e) => e.type)).toEqual(["completed"]);
    expect(JSON.parse(await readFile(join(dir, "job"), "utf8"))).toEqual({ command: "train", spec: "/work/spec.json" });
    // taken once: nothing to take until the trainer is idle again and prepares another
    expect(warm.take("/work/spec.json", () => undefined, 10_000)).toBeNull();
    await warm.stop();
  });

  it("preparing for another model dismisses the standby and starts one that preloads it; stop() ends it", async () => {
    await rm(join(dir, "started"), { force: true });
    const warm = make("tiny-random");
    warm.prepare();
    await until(async () => (await started()).length === 1);
    const first = warm.pid!;
    warm.prepare("tiny-random"); // the same model: kept
    expect(warm.pid).toBe(first);
    warm.prepare("sd21-base-random");
    await until(async () => (await started()).length === 2);
    expect((await started())[1]).toMatch(/ sd21-base-random$/);
    expect(warm.pid).not.toBe(first);
    await until(() => {
      try {
        process.kill(first, 0);
        return false;
      } catch {
        return true; // the dismissed standby is gone
      }
    });
    const last = warm.pid!;
    await warm.stop();
    expect(() => process.kill(last, 0)).toThrow();
    expect(warm.pid).toBeUndefined();
  });

  it("a standby that dies while idle is started again after a back-off, and runs start cold meanwhile", async () => {
    await rm(join(dir, "started"), { force: true });
    await writeFile(join(dir, "die"), "");
    const warm = make(null, 100);
    logs.length = 0;
    warm.prepare();
    await until(() => logs.filter((l) => l.includes("warm engine ended while idle (exit 7")).length >= 2, 10_000);
    expect(logs.find((l) => l.includes("ended while idle"))).toMatch(/starting another in 100 ms/);
    expect(logs.filter((l) => l.includes("ended while idle"))[1]).toMatch(/starting another in 200 ms/); // doubles
    expect(warm.take("/spec.json", () => undefined, 1000)).toBeNull();
    await rm(join(dir, "die"));
    await until(() => logs.some((l) => l.includes("warm engine ready")), 10_000);
    expect(warm.take("/spec.json", () => undefined, 1000)).not.toBeNull();
    await warm.stop();
  });
});
