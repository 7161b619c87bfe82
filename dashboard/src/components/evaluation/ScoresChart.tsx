"use client";

import { useId, useMemo } from "react";
import { LineChart } from "../charts/LineChart";
import { stepText } from "../run/run.steps";
import type { EvaluationProtocol } from "@/generated/graphql";

export interface ScorePoint {
  checkpointId: string;
  stage: string;
  step: number;
  /** Cumulative step, the loss chart's x axis. */
  x: number;
  clipI: number;
  clipT: number;
  dino: number;
}

const SERIES = [
  { key: "dino", label: "DINO", color: "--dino" },
  { key: "clipI", label: "CLIP-I", color: "--clipi" },
  { key: "clipT", label: "CLIP-T", color: "--clipt" },
] as const;

/**
 * DINO, CLIP-I and CLIP-T of each checkpoint against its cumulative step (charts/LineChart), the recommended
 * checkpoint ringed. The x axis is the whole run from the start, like the loss chart. `data-points` carries
 * [stage, step, dino] per point.
 */
export function ScoresChart({
  points,
  totalSteps,
  offsets,
  protocol,
  recommendedId,
}: {
  points: ScorePoint[];
  totalSteps: number;
  offsets: Record<string, number>;
  protocol: EvaluationProtocol;
  recommendedId: string | null;
}) {
  const ids = useId();
  const xMax = Math.max(totalSteps, 1);
  const key = JSON.stringify(points);
  const sorted = useMemo(() => (JSON.parse(key) as ScorePoint[]).sort((a, b) => a.x - b.x), [key]);
  const series = useMemo(() => SERIES.map((s) => ({ key: s.key, label: s.label, color: s.color, points: sorted.map((p) => ({ x: p.x, y: p[s.key] })) })), [sorted]);
  const rec = sorted.find((p) => p.checkpointId === recommendedId);

  return (
    <figure className="chart score-chart" aria-labelledby={`${ids}-cap`}>
      <figcaption id={`${ids}-cap`} className="chart-head">
        <span>
          <strong>Scores per checkpoint</strong>{" "}
          <span className="subtle">
            ({protocol}, {points.length} scored)
          </span>
        </span>
      </figcaption>
      <LineChart
        series={series}
        xMax={xMax}
        height={200}
        xLabel={(x) => {
          const p = sorted.find((q) => q.x === x);
          return p ? stepText(p, offsets) : `run step ${x}`;
        }}
        label={`${protocol} scores of ${points.length} checkpoints over ${totalSteps} steps${rec ? "; the recommended checkpoint is ringed" : ""}`}
        highlight={rec ? { x: rec.x, y: rec.dino, testId: "chart-recommended" } : null}
        empty="Scores appear here as checkpoints are evaluated…"
        testId="scores-chart"
        attrs={{ "data-points": JSON.stringify(sorted.map((p) => [p.stage, p.step, p.dino])) }}
      />
    </figure>
  );
}
