"use client";

import { useId } from "react";
import type { EvaluationProtocol } from "@/generated/graphql";
import { fmtScore } from "./evaluation.format";

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

// Same width and side padding as the loss chart, so a checkpoint sits under the loss at its step.
const W = 960;
const H = 180;
const PAD = { l: 56, r: 16, t: 14, b: 30 };
const SERIES = [
  { key: "dino", label: "DINO", cls: "score-dino" },
  { key: "clipI", label: "CLIP-I", cls: "score-clipi" },
  { key: "clipT", label: "CLIP-T", cls: "score-clipt" },
] as const;

/**
 * DINO, CLIP-I and CLIP-T of each checkpoint against its cumulative step, as inline SVG. The x axis is
 * the whole run from the start, like the loss chart. `data-points` carries [stage, step, dino] per point.
 */
export function ScoresChart({ points, totalSteps, protocol, recommendedId }: { points: ScorePoint[]; totalSteps: number; protocol: EvaluationProtocol; recommendedId: string | null }) {
  const ids = useId();
  const values = points.flatMap((p) => [p.clipI, p.clipT, p.dino]);
  let yMin = values.length ? Math.min(...values) : 0;
  let yMax = values.length ? Math.max(...values) : 1;
  const span = Math.max(yMax - yMin, 0.05);
  yMin = Math.max(-1, yMin - span * 0.1);
  yMax = Math.min(1, yMax + span * 0.1);
  const xMax = Math.max(totalSteps, 1);
  const sx = (x: number) => PAD.l + (x / xMax) * (W - PAD.l - PAD.r);
  const sy = (y: number) => PAD.t + (1 - (y - yMin) / (yMax - yMin || 1)) * (H - PAD.t - PAD.b);
  const ticks = [0, 0.5, 1].map((f) => yMin + f * (yMax - yMin));
  const sorted = [...points].sort((a, b) => a.x - b.x);
  const rec = sorted.find((p) => p.checkpointId === recommendedId);

  return (
    <figure className="chart score-chart" aria-labelledby={`${ids}-cap`}>
      <figcaption id={`${ids}-cap`} className="chart-head">
        <span>
          <strong>Scores per checkpoint</strong> <span className="subtle">({protocol}, {points.length} scored)</span>
        </span>
        <span className="legend subtle">
          {SERIES.map((s) => (
            <span key={s.key} className="legend-item">
              <span className={`swatch ${s.cls}`} aria-hidden="true" /> {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${protocol} scores of ${points.length} checkpoints over ${totalSteps} steps`}
        data-testid="scores-chart"
        data-points={JSON.stringify(sorted.map((p) => [p.stage, p.step, p.dino]))}
        className="chart-svg score-chart-svg"
      >
        <rect x={PAD.l} y={PAD.t} width={W - PAD.l - PAD.r} height={H - PAD.t - PAD.b} className="chart-plot" />
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.l} x2={W - PAD.r} y1={sy(t)} y2={sy(t)} className="chart-grid" />
            <text x={PAD.l - 6} y={sy(t) + 4} textAnchor="end" className="chart-label">
              {t.toFixed(2)}
            </text>
          </g>
        ))}
        <text x={PAD.l} y={H - 8} className="chart-label">
          0
        </text>
        <text x={W - PAD.r} y={H - 8} textAnchor="end" className="chart-label">
          step {xMax}
        </text>
        {rec && <circle cx={sx(rec.x)} cy={sy(rec.dino)} r={8} className="score-recommended" data-testid="chart-recommended" />}
        {SERIES.map((s) => (
          <g key={s.key} className={s.cls}>
            {sorted.length > 1 && <polyline fill="none" strokeWidth={2} vectorEffect="non-scaling-stroke" points={sorted.map((p) => `${sx(p.x).toFixed(1)},${sy(p[s.key]).toFixed(1)}`).join(" ")} />}
            {sorted.map((p) => (
              <circle key={p.checkpointId} cx={sx(p.x)} cy={sy(p[s.key])} r={3.5}>
                <title>{`${s.label} ${fmtScore(p[s.key])} at ${p.stage} step ${p.step}`}</title>
              </circle>
            ))}
          </g>
        ))}
        {points.length === 0 && (
          <text x={W / 2} y={H / 2} textAnchor="middle" className="chart-label">
            Scores appear here as checkpoints are evaluated…
          </text>
        )}
      </svg>
    </figure>
  );
}
