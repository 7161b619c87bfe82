import { sql } from "drizzle-orm";
import type { Executor } from "../client.tx.js";
import { evaluations } from "../schema/evaluations.js";
import { appendRunEvents, CHANNELS, notify } from "./run-events.queries.js";

type EvaluationRow = typeof evaluations.$inferSelect;

/**
 * Tells listeners an evaluation changed (docs/evaluation-contract.md §5); a final state also goes
 * into the run's event log as `EvaluationUpdated`, so scores stream to run pages through runEvents.
 * Used by both sides (trainer: generating; API: scoring), inside the transaction that changed the row.
 */
export async function announceEvaluation(tx: Executor, e: EvaluationRow): Promise<void> {
  if (e.state === "SUCCEEDED" || e.state === "FAILED") {
    await appendRunEvents(tx, e.runId, [
      {
        type: "EvaluationUpdated",
        payload: {
          evaluationId: e.id,
          checkpointId: e.checkpointId,
          protocol: e.protocol,
          state: e.state,
          clipI: e.clipI,
          clipT: e.clipT,
          dino: e.dino,
          errorCode: e.errorCode,
        },
      },
    ]);
  }
  await notify(tx, CHANNELS.evaluations, { evaluationId: e.id, runId: e.runId, state: e.state });
}

/** `now()`, for timestamps set in SQL. */
export const dbNow = sql`now()`;
