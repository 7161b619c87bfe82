import { describe, expect, it } from "vitest";
import { applyEvent, emptyProgress, etaSeconds, formatDuration, renderBar, renderLine, stepsPerSecond, type RunProgress } from "./progress.render.js";
import type { RunEvent } from "./run.watch.js";

const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(t0 + ms).toISOString();
const stage = (seq: number, name: string, totalSteps: number, ms: number): RunEvent => ({ __typename: "StageStarted", seq, at: at(ms), stage: name, totalSteps });
const loss = (seq: number, name: string, step: number, value: number, ms: number): RunEvent => ({
  __typename: "LossLogged",
  seq,
  at: at(ms),
  stage: name,
  step,
  loss: value,
  learningRate: 5e-6,
});
const fold = (events: RunEvent[]): RunProgress => events.reduce(applyEvent, emptyProgress());

describe("run progress", () => {
  it("measures it/s and ETA from the events' own timestamps", () => {
    const p = fold([stage(1, "stage2", 40, 0), loss(2, "stage2", 10, 0.12345, 4000)]);
    expect(stepsPerSecond(p)).toBe(2.5);
    expect(etaSeconds(p)).toBe(12);
    expect(formatDuration(12)).toBe("0:12");
    expect(formatDuration(3725)).toBe("1:02:05");
  });

  it("renders a bar with stage, step/total, loss, it/s and ETA that fits the terminal", () => {
    const p = fold([stage(1, "stage2", 40, 0), loss(2, "stage2", 10, 0.12345, 4000)]);
    const line = renderBar(p, 80);
    expect(line).toMatch(/^stage2 \[█+░+\] 10\/40 {2}loss 0\.1235 {2}2\.5 it\/s {2}ETA 0:12$/);
    expect(line.length).toBeLessThanOrEqual(80);
    const filled = line.match(/█/g)!.length;
    const empty = line.match(/░/g)!.length;
    expect(filled / (filled + empty)).toBeCloseTo(0.25, 1);
    expect(renderBar(p, 30).length).toBeLessThanOrEqual(30);
  });

  it("shows loading the base model as its own phase, with its duration", () => {
    const phase = (seq: number, phaseState: "STARTED" | "ENDED", ms: number, durationMs: number | null, warmEngine: boolean | null = null): RunEvent => ({
      __typename: "PhaseChanged",
      seq,
      at: at(ms),
      phase: "LOADING_BASE_MODEL",
      phaseState,
      baseModel: "tiny-random",
      durationMs,
      warmEngine: phaseState === "ENDED" ? (warmEngine ?? false) : null,
    });
    const started = fold([
      { __typename: "RunStateChanged", seq: 1, at: at(0), state: "RUNNING", previousState: "QUEUED", errorCode: null, errorMessage: null },
      phase(2, "STARTED", 10, null),
    ]);
    expect(renderBar(started)).toBe("RUNNING: loading base model…");
    expect(renderLine(started, phase(2, "STARTED", 10, null))).toBe("loading base model tiny-random…");
    const ended = applyEvent(started, phase(3, "ENDED", 2510, 2500));
    expect(renderLine(ended, phase(3, "ENDED", 2510, 2500))).toBe("base model tiny-random loaded in 2.5 s");
    expect(renderLine(ended, phase(3, "ENDED", 2510, 12, true))).toBe("base model tiny-random loaded in 0.0 s (warm engine: loaded before the run)");
    expect(renderBar(ended)).not.toContain("loading base model"); // the phase is over
    expect(renderBar(applyEvent(ended, stage(4, "stage1", 10, 2600)))).toMatch(/^stage1 /);
  });

  it("says it is waiting before the first stage", () => {
    const p = fold([{ __typename: "RunStateChanged", seq: 1, at: at(0), state: "QUEUED", previousState: null, errorCode: null, errorMessage: null }]);
    expect(renderBar(p)).toBe("QUEUED: waiting for the trainer to start…");
  });

  it("prints plain lines for logs, thinning loss lines to about 20 per stage", () => {
    const events = [stage(1, "stage1", 100, 0), ...Array.from({ length: 100 }, (_, i) => loss(i + 2, "stage1", i + 1, 0.5, (i + 1) * 100))];
    let p = emptyProgress();
    const lines: string[] = [];
    for (const e of events) {
      p = applyEvent(p, e);
      const l = renderLine(p, e);
      if (l) lines.push(l);
    }
    expect(lines[0]).toBe("stage stage1 started (100 steps)");
    expect(lines[1]).toBe("stage1 step 1/100  loss 0.5000  10 it/s  ETA 0:10");
    expect(lines.length).toBe(1 + 21);
    expect(lines.at(-1)).toBe("stage1 step 100/100  loss 0.5000  10 it/s");
  });

  it("shows a failure's code and message", () => {
    const e: RunEvent = { __typename: "RunStateChanged", seq: 9, at: at(0), state: "FAILED", previousState: "RUNNING", errorCode: "ENGINE_OOM", errorMessage: "out of memory" };
    expect(renderLine(applyEvent(emptyProgress(), e), e)).toBe("state FAILED — ENGINE_OOM: out of memory");
  });
});
