"use client";

import Link from "next/link";
import { useState } from "react";
import type { CheckpointFieldsFragment, EvaluationProtocol } from "@/generated/graphql";
import { cumulativeStep, stepText } from "../run/run.steps";
import { CheckpointScores } from "./CheckpointScores";
import { latestSucceeded, PROTOCOLS } from "./evaluation.format";
import { ScoresChart, type ScorePoint } from "./ScoresChart";
import type { RunEvaluations } from "./useRunEvaluations";

interface Props {
  checkpoints: CheckpointFieldsFragment[];
  offsets: Record<string, number>;
  totalSteps: number;
  evals: RunEvaluations;
}

/** The run page's checkpoints with their scores (docs/evaluation-contract.md): chart, table, recommendation. */
export function EvaluationPanel({ checkpoints, offsets, totalSteps, evals }: Props) {
  const [chosen, setChosen] = useState<EvaluationProtocol | null>(null);
  const scored = PROTOCOLS.filter((p) => checkpoints.some((c) => latestSucceeded(evals.evaluations, c.id, p)));
  const protocol = chosen ?? evals.recommendation?.protocol ?? "QUICK";
  const points: ScorePoint[] = checkpoints.flatMap((c) => {
    const e = latestSucceeded(evals.evaluations, c.id, protocol);
    return e && e.clipI !== null && e.clipT !== null && e.dino !== null
      ? [{ checkpointId: c.id, stage: c.stage, step: c.step, x: cumulativeStep(c, offsets), clipI: e.clipI, clipT: e.clipT, dino: e.dino }]
      : [];
  });
  const rec = evals.recommendation;
  const recCheckpoint = rec ? checkpoints.find((c) => c.id === rec.checkpoint.id) : undefined;

  return (
    <section className="panel eval-panel" aria-labelledby="ckpt-title" data-testid="evaluation-panel">
      <div className="chart-head">
        <h2 id="ckpt-title">Checkpoints &amp; evaluation</h2>
        {scored.length > 1 && (
          <label className="chart-controls">
            Chart
            <select value={protocol} onChange={(e) => setChosen(e.target.value as EvaluationProtocol)} name="chartProtocol">
              {scored.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {evals.evaluator && !evals.evaluator.available && (
        <p className="notice" role="status" data-testid="scores-off" id="scores-off">
          Scores are off: this server has no scoring models set up, so checkpoints are not evaluated and the Evaluate buttons are disabled. An administrator can set them up (see
          the Health page).
        </p>
      )}
      {evals.loadError && (
        <p className="error" role="alert">
          Could not load evaluations: {evals.loadError}
        </p>
      )}
      {checkpoints.length > 0 &&
        (rec && recCheckpoint ? (
          <p className="recommendation" data-testid="recommendation">
            <span className="badge badge-recommended">Recommended</span> <strong>{stepText(recCheckpoint, offsets)}</strong> — {rec.reason}{" "}
            <Link href={`/evaluations/${rec.evaluation.id}`}>Scores of this checkpoint</Link>
          </p>
        ) : (
          // Holds the line the recommendation will take, so nothing below moves when it arrives.
          <p className="recommendation subtle">No recommendation yet: it follows the first scored checkpoint.</p>
        ))}
      {checkpoints.length > 0 && <ScoresChart points={points} totalSteps={totalSteps} offsets={offsets} protocol={protocol} recommendedId={rec?.checkpoint.id ?? null} />}
      <CheckpointScores checkpoints={checkpoints} offsets={offsets} evals={evals} />
    </section>
  );
}
