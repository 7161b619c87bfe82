"use client";

import { useId } from "react";
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
  { key: "dino", label: "DINO", cls: "score-dino" },
  { key: "clipI", label: "CLIP-I", cls: "score-clipi" },
  { key: "clipT", label: "CLIP-T", cls: "score-clipt" },
] as const;

/**
 * DINO, CLIP-I and CLIP-T of each checkpoint against its cumulative step, as inline SVG. The x axis is
 * the whole run from the start, like the loss chart. `data-points` carries [stage, step, dino] per point.
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
  const sorted = [...points].sort((a, b) => a.x - b.x);
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
        <span className="legend subtle">
          {SERIES.map((s) => (
            <span key={s.key} className="legend-item">
              <span className={`swatch ${s.cls}`} aria-hidden="true" /> {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <LineChart
        series={SERIES.map((s) => ({ key: s.key, label: s.label, cls: s.cls, points: sorted.map((p) => ({ x: p.x, y: p[s.key] })) }))}
        xMax={xMax}
        height={180}
        yTicks={4}
        xLabel={(x) => {
          const p = sorted.find((q) => q.x === x);
          return p ? stepText(p, offsets) : `run step ${x}`;
        }}
        empty="Scores appear here as checkpoints are evaluated…"
        svgProps={{
          role: "img",
          "aria-label": `${protocol} scores of ${points.length} checkpoints over ${totalSteps} steps`,
          "data-testid": "scores-chart",
          "data-points": JSON.stringify(sorted.map((p) => [p.stage, p.step, p.dino])),
          className: "chart-svg",
        }}
      >
        {({ sx, sy }) => rec && <circle cx={sx(rec.x)} cy={sy(rec.dino)} r={8} className="score-recommended" data-testid="chart-recommended" />}
      </LineChart>
    </figure>
  );
}
