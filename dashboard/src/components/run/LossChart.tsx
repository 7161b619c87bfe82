"use client";

import { useId, useMemo, useState } from "react";

export interface LossPointLite {
  stage: string;
  step: number;
  loss: number;
}

const W = 960;
const H = 250;
const PAD = { l: 56, r: 16, t: 14, b: 30 };
const STAGE_CLASS: Record<string, string> = { stage1: "loss-stage1", stage2: "loss-stage2" };

/** Exponential moving average, as TensorBoard's smoothing slider does (0 = raw). */
function smooth(values: number[], weight: number): number[] {
  if (weight <= 0) return values;
  const out: number[] = [];
  let last = values[0] ?? 0;
  for (const v of values) {
    last = last * weight + (1 - weight) * v;
    out.push(last);
  }
  return out;
}

function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : v.toPrecision(3);
}

/**
 * The loss curve of every stage on one cumulative step axis, drawn as inline SVG. The x axis spans the
 * whole run from the start, so the chart does not rescale horizontally while points stream in.
 * `data-points` carries the [stage, step] pairs drawn, in order, for tests and tools.
 */
export function LossChart({ points, stageOffsets, totalSteps }: { points: LossPointLite[]; stageOffsets: Record<string, number>; totalSteps: number }) {
  const [smoothing, setSmoothing] = useState(0);
  const [logScale, setLogScale] = useState(false);
  const ids = useId();

  const series = useMemo(() => {
    const byStage = new Map<string, LossPointLite[]>();
    for (const p of points) {
      const list = byStage.get(p.stage) ?? [];
      list.push(p);
      byStage.set(p.stage, list);
    }
    return [...byStage.entries()].map(([stage, list]) => {
      const ys = smooth(
        list.map((p) => p.loss),
        smoothing,
      );
      return { stage, pts: list.map((p, i) => ({ x: (stageOffsets[p.stage] ?? 0) + p.step, y: ys[i]!, raw: p.loss })) };
    });
  }, [points, smoothing, stageOffsets]);

  const all = series.flatMap((s) => s.pts.map((p) => p.y));
  const tf = (v: number) => (logScale ? Math.log10(Math.max(v, 1e-8)) : v);
  let yMin = all.length ? Math.min(...all.map(tf)) : 0;
  let yMax = all.length ? Math.max(...all.map(tf)) : 1;
  if (yMax - yMin < 1e-9) {
    yMin -= 0.5;
    yMax += 0.5;
  }
  const xMax = Math.max(totalSteps, 1);
  const sx = (x: number) => PAD.l + (x / xMax) * (W - PAD.l - PAD.r);
  const sy = (y: number) => PAD.t + (1 - (tf(y) - yMin) / (yMax - yMin)) * (H - PAD.t - PAD.b);
  const yTicks = [0, 0.5, 1].map((f) => yMin + f * (yMax - yMin));
  const boundary = stageOffsets.stage2 && stageOffsets.stage2 > 0 && stageOffsets.stage2 < xMax ? stageOffsets.stage2 : null;
  const dataPoints = JSON.stringify(points.map((p) => [p.stage, p.step]));

  return (
    <figure className="panel chart" aria-labelledby={`${ids}-cap`}>
      <div className="chart-head">
        <figcaption id={`${ids}-cap`}>
          <strong>Training loss</strong> <span className="subtle">({points.length} points)</span>
        </figcaption>
        <div className="chart-controls">
          <label>
            Smoothing <output htmlFor={`${ids}-smooth`}>{smoothing.toFixed(2)}</output>
            <input id={`${ids}-smooth`} type="range" min={0} max={0.95} step={0.05} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
          </label>
          <label>
            <input type="checkbox" checked={logScale} onChange={(e) => setLogScale(e.target.checked)} /> Log scale
          </label>
        </div>
      </div>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Loss over ${totalSteps} steps; ${points.length} points so far`}
        data-testid="loss-chart"
        data-points={dataPoints}
        className="chart-svg"
      >
        <rect x={PAD.l} y={PAD.t} width={W - PAD.l - PAD.r} height={H - PAD.t - PAD.b} className="chart-plot" />
        {yTicks.map((t) => (
          <g key={t}>
            <line x1={PAD.l} x2={W - PAD.r} y1={sy(logScale ? 10 ** t : t)} y2={sy(logScale ? 10 ** t : t)} className="chart-grid" />
            <text x={PAD.l - 6} y={sy(logScale ? 10 ** t : t) + 4} textAnchor="end" className="chart-label">
              {fmt(logScale ? 10 ** t : t)}
            </text>
          </g>
        ))}
        <text x={PAD.l} y={H - 8} className="chart-label">
          0
        </text>
        <text x={W - PAD.r} y={H - 8} textAnchor="end" className="chart-label">
          step {xMax}
        </text>
        {boundary !== null && (
          <g data-testid="stage-boundary">
            <line x1={sx(boundary)} x2={sx(boundary)} y1={PAD.t} y2={H - PAD.b} className="chart-boundary" />
            <text x={sx(boundary) + 4} y={PAD.t + 12} className="chart-label">
              stage 2 →
            </text>
            <text x={sx(boundary)} y={H - 8} textAnchor="middle" className="chart-label">
              {boundary}
            </text>
          </g>
        )}
        {series.map((s) => (
          <g key={s.stage} className={STAGE_CLASS[s.stage] ?? "loss-other"}>
            <polyline fill="none" strokeWidth={2} vectorEffect="non-scaling-stroke" points={s.pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")} />
            {s.pts.length <= 60 && s.pts.map((p) => <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r={2.5} />)}
          </g>
        ))}
        {points.length === 0 && (
          <text x={W / 2} y={H / 2} textAnchor="middle" className="chart-label">
            Waiting for the first loss…
          </text>
        )}
      </svg>
      <p className="legend subtle">
        <span className="swatch loss-stage1" aria-hidden="true" /> stage 1 (token) <span className="swatch loss-stage2" aria-hidden="true" /> stage 2 (UNet)
      </p>
    </figure>
  );
}
