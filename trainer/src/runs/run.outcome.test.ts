import { describe, expect, it } from "vitest";
import type { EngineRunResult } from "../engine/engine.process.js";
import { ProtocolError } from "../engine/protocol.js";
import { runOutcome } from "./run.outcome.js";

function result(over: Partial<EngineRunResult> = {}): EngineRunResult {
  return { exitCode: 0, signal: null, events: [], stderrTail: ["line 1", "line 2"], timedOut: false, protocolError: null, ...over };
}
const error = (code: string, message: string) => ({ v: 1 as const, seq: 9, ts: "2026-01-01T00:00:00Z", type: "error", code, message, retryable: false });
const base = { cancelRequested: false, recordFailure: null, sawCompleted: false };

describe("runOutcome (engine exit → run state)", () => {
  it("succeeds only on exit 0 after a completed event", () => {
    expect(runOutcome({ ...base, result: result(), sawCompleted: true })).toEqual({ state: "SUCCEEDED" });
    expect(runOutcome({ ...base, result: result() })).toMatchObject({ state: "FAILED", errorCode: "PROTOCOL_ERROR" });
  });

  it("exit 3 is CANCELED only when a cancel was requested", () => {
    expect(runOutcome({ ...base, result: result({ exitCode: 3 }), cancelRequested: true })).toEqual({ state: "CANCELED" });
    expect(runOutcome({ ...base, result: result({ exitCode: null, signal: "SIGKILL" }), cancelRequested: true })).toEqual({ state: "CANCELED" });
    expect(runOutcome({ ...base, result: result({ exitCode: 3 }) })).toMatchObject({ state: "FAILED", errorCode: "ENGINE_CANCELLED" });
  });

  it("exit 2 carries the engine's error code and message; every failure keeps the log tail", () => {
    const o = runOutcome({ ...base, result: result({ exitCode: 2, events: [error("IMAGE_UNREADABLE", "00.jpg is not an image")] }) });
    expect(o).toEqual({ state: "FAILED", errorCode: "IMAGE_UNREADABLE", errorMessage: "00.jpg is not an image", logTail: "line 1\nline 2" });
  });

  it("maps out-of-memory, crashes, deadlines, protocol errors and recording failures", () => {
    expect(runOutcome({ ...base, result: result({ exitCode: 4 }) })).toMatchObject({ errorCode: "OUT_OF_MEMORY" });
    expect(runOutcome({ ...base, result: result({ exitCode: 70, events: [error("CRASH", "KeyError: x")] }) })).toMatchObject({
      errorCode: "ENGINE_CRASHED",
      errorMessage: expect.stringContaining("KeyError: x"),
      logTail: "line 1\nline 2",
    });
    expect(runOutcome({ ...base, result: result({ exitCode: null, signal: "SIGKILL", timedOut: true }) })).toMatchObject({ errorCode: "DEADLINE_EXCEEDED" });
    expect(runOutcome({ ...base, result: result({ exitCode: null, signal: "SIGTERM", protocolError: new ProtocolError("bad line") }) })).toMatchObject({
      errorCode: "PROTOCOL_ERROR",
    });
    const recordFailure = { code: "CHECKPOINT_VERIFY_FAILED", message: "sha256 differs" };
    expect(runOutcome({ ...base, result: result({ exitCode: 3 }), recordFailure, sawCompleted: true })).toMatchObject({
      state: "FAILED",
      errorCode: "CHECKPOINT_VERIFY_FAILED",
    });
  });
});
