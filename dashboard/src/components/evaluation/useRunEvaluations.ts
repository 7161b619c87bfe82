"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { EvaluateCheckpointMutation, EvaluationProtocol, EvaluationSummaryFragment, RunEvaluationsQuery } from "@/generated/graphql";
import { EVALUATE_CHECKPOINT, RUN_EVALUATIONS_QUERY } from "@/graphql/evaluations";
import { errorText, GraphQLRequestError } from "@/lib/graphql";
import { useSession } from "@/lib/session";
import { isActive } from "./evaluation.format";

export type Recommendation = NonNullable<NonNullable<RunEvaluationsQuery["run"]>["recommendedCheckpoint"]>;
export type Evaluator = RunEvaluationsQuery["evaluator"];
/** An error the API gave to an "Evaluate" request, kept beside the checkpoint it was for. */
export interface RequestError {
  protocol: EvaluationProtocol;
  code: string;
  message: string;
}

/** Progress of running evaluations is read this often; finished ones arrive as `EvaluationUpdated` run events. */
const ACTIVE_POLL_MS = 1500;
/** A new checkpoint gets its automatic QUICK evaluation a moment after it is saved. */
const AWAITING_POLL_MS = 4000;
/** An API process opens its encoders a few seconds after it starts, or when an operator adds the folder. */
const UNAVAILABLE_POLL_MS = 15_000;

export interface RunEvaluations {
  evaluations: EvaluationSummaryFragment[];
  recommendation: Recommendation | null;
  evaluator: Evaluator | null;
  loadError: string | null;
  /** checkpoint id → the last failed request for it. */
  requestErrors: Record<string, RequestError>;
  /** `${checkpointId}:${protocol}` being requested right now. */
  requesting: string | null;
  refresh(): Promise<void>;
  evaluate(checkpointId: string, protocol: EvaluationProtocol): Promise<void>;
  /** Whether more evaluation results are on their way (the run page keeps its stream open meanwhile). */
  pending: boolean;
}

/**
 * A run's evaluations and recommended checkpoint. The run page calls `refresh` when its event stream
 * reports `EvaluationUpdated` or a new checkpoint; while an evaluation runs, its progress is polled.
 */
export function useRunEvaluations(runId: string, checkpointIds: string[]): RunEvaluations {
  const session = useSession();
  const [evaluations, setEvaluations] = useState<EvaluationSummaryFragment[]>([]);
  const [recommendation, setRecommendation] = useState<Recommendation | null>(null);
  const [evaluator, setEvaluator] = useState<Evaluator | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [requestErrors, setRequestErrors] = useState<Record<string, RequestError>>({});
  const [requesting, setRequesting] = useState<string | null>(null);
  // Answers can arrive out of order (poll + event); only the newest request's answer is applied.
  const generation = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const d = await session.request<RunEvaluationsQuery>(RUN_EVALUATIONS_QUERY, { id: runId });
      if (mine !== generation.current) return;
      setEvaluator(d.evaluator);
      if (!d.run) return;
      setEvaluations(d.run.evaluations);
      setRecommendation(d.run.recommendedCheckpoint);
      setLoadError(null);
    } catch (err) {
      if (mine === generation.current) setLoadError(errorText(err));
    }
  }, [session, runId]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const active = evaluations.some(isActive);
  const evaluated = new Set(evaluations.map((e) => e.checkpoint.id));
  const awaiting = evaluator?.available === true && checkpointIds.some((id) => !evaluated.has(id));
  const pollMs = active ? ACTIVE_POLL_MS : awaiting ? AWAITING_POLL_MS : evaluator?.available === false ? UNAVAILABLE_POLL_MS : null;
  useEffect(() => {
    if (pollMs === null) return;
    const t = setInterval(() => void refresh(), pollMs);
    return () => clearInterval(t);
  }, [pollMs, refresh]);

  const evaluate = useCallback(
    async (checkpointId: string, protocol: EvaluationProtocol) => {
      setRequesting(`${checkpointId}:${protocol}`);
      setRequestErrors(({ [checkpointId]: _dropped, ...rest }) => rest);
      try {
        const d = await session.request<EvaluateCheckpointMutation>(EVALUATE_CHECKPOINT, { checkpointId, protocol });
        const e = d.evaluateCheckpoint;
        setEvaluations((list) => [e, ...list.filter((x) => x.id !== e.id)]);
      } catch (err) {
        const code = err instanceof GraphQLRequestError ? err.code : "ERROR";
        setRequestErrors((m) => ({ ...m, [checkpointId]: { protocol, code, message: errorText(err) } }));
      } finally {
        setRequesting(null);
      }
    },
    [session],
  );

  return { evaluations, recommendation, evaluator, loadError, requestErrors, requesting, refresh, evaluate, pending: active || awaiting };
}
