import type { workerQueries } from "@studio/db";
import type { EngineRunResult } from "../engine/engine.process.js";

export interface OutcomeContext {
  result: EngineRunResult;
  /** A user asked to cancel (NOTIFY or cancel_requested_at seen). */
  cancelRequested: boolean;
  /** Recording the engine's output failed (upload, checkpoint verification); the engine was stopped for it. */
  recordFailure: { code: string; message: string } | null;
  sawCompleted: boolean;
}

/**
 * Maps how the engine ended (PROTOCOL.md, exit codes) to the run's final state. Every failure keeps
 * the engine's stderr tail so that a failed run explains itself.
 */
export function runOutcome(c: OutcomeContext): workerQueries.RunOutcome {
  const { result } = c;
  const logTail = result.stderrTail.join("\n");
  const failed = (errorCode: string, errorMessage: string): workerQueries.RunOutcome => ({
    state: "FAILED",
    errorCode,
    errorMessage,
    logTail,
  });
  const errorEvent = [...result.events].reverse().find((e) => e.type === "error") as { code: string; message: string } | undefined;

  if (c.recordFailure) return failed(c.recordFailure.code, c.recordFailure.message);
  if (result.protocolError) return failed("PROTOCOL_ERROR", result.protocolError.message);
  if (result.exitCode === 0 && c.sawCompleted) return { state: "SUCCEEDED" };
  // A cancel wins over how the engine happened to stop (exit 3, or killed after the grace period).
  if (c.cancelRequested) return { state: "CANCELED" };
  if (result.timedOut) return failed("DEADLINE_EXCEEDED", "the engine ran past RUN_DEADLINE_MS and was stopped");
  switch (result.exitCode) {
    case 0:
      return failed("PROTOCOL_ERROR", "the engine exited 0 without a completed event");
    case 2:
      return failed(errorEvent?.code ?? "BAD_SPEC", errorEvent?.message ?? "the engine refused the job (exit 2)");
    case 3:
      return failed("ENGINE_CANCELLED", "the engine stopped on a signal nobody asked for (exit 3)");
    case 4:
      return failed("OUT_OF_MEMORY", errorEvent?.message ?? "the engine ran out of GPU memory");
    default: {
      const how = result.exitCode === null ? `signal ${result.signal}` : `exit ${result.exitCode}`;
      return failed("ENGINE_CRASHED", `the engine crashed (${how})${errorEvent ? `: ${errorEvent.message}` : ""}`);
    }
  }
}
