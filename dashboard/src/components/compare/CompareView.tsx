"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import type { CompareRunsQuery, EvaluateCheckpointMutation, EvaluationProtocol } from "@/generated/graphql";
import { COMPARE_RUNS_QUERY, EVALUATE_CHECKPOINT } from "@/graphql/evaluations";
import { errorText } from "@/lib/graphql";
import { ErrorNote } from "../common/ErrorNote";
import { CompareLosses } from "./CompareLosses";
import { useSession } from "@/lib/session";
import { isActive } from "../evaluation/evaluation.format";
import { CompareTable } from "./CompareTable";

export type Comparison = CompareRunsQuery["compareRuns"];
const POLL_MS = 3000;

/** 2–4 runs side by side in the layout of the paper's Table 1 (`/compare?runs=a,b`). */
export function CompareView({ runIds }: { runIds: string[] }) {
  const session = useSession();
  const [data, setData] = useState<Comparison | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [requestError, setRequestError] = useState<string | null>(null);
  const [requesting, setRequesting] = useState<string | null>(null);
  const key = runIds.join(",");

  const load = useCallback(async () => {
    try {
      const d = await session.request<CompareRunsQuery>(COMPARE_RUNS_QUERY, { runIds: key.split(",").filter(Boolean) });
      setData(d.compareRuns);
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, [session, key]);
  useEffect(() => void load(), [load]);

  // Scores the user asked for here fill in when they are ready.
  const pending = data?.rows.some((r) => r.checkpoint && r.run.evaluations.some((e) => e.checkpoint.id === r.checkpoint!.id && isActive(e))) ?? false;
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(t);
  }, [pending, load]);

  const evaluate = async (checkpointId: string, protocol: EvaluationProtocol) => {
    setRequesting(`${checkpointId}:${protocol}`);
    setRequestError(null);
    try {
      await session.request<EvaluateCheckpointMutation>(EVALUATE_CHECKPOINT, { checkpointId, protocol });
      await load();
    } catch (err) {
      setRequestError(`${protocol}: ${errorText(err)}`);
    } finally {
      setRequesting(null);
    }
  };

  return (
    <div className="compare">
      <div className="page-head">
        <h1>Compare runs</h1>
        <Link href="/runs">All runs</Link>
      </div>
      {runIds.length < 2 || runIds.length > 4 ? (
        <p className="notice" role="status">
          Pick 2–4 runs on the <Link href="/runs">runs list</Link> and press Compare.
        </p>
      ) : error ? (
        <ErrorNote error={error} testId="compare-error" />
      ) : !data ? (
        <p className="skeleton" role="status">
          Loading comparison…
        </p>
      ) : (
        <>
          {requestError && (
            <p className="error" role="alert" data-testid="evaluate-error">
              {requestError}
            </p>
          )}
          <CompareTable data={data} requesting={requesting} onEvaluate={(c, p) => void evaluate(c, p)} />
          <CompareLosses rows={data.rows} />
        </>
      )}
    </div>
  );
}
