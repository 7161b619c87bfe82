"use client";

import { useId, useMemo, useState } from "react";
import { LineChart } from "../charts/LineChart";
import { fromCumulative, stepText } from "./run.steps";

export interface LossPointLite {
  stage: string;
  step: number;
  loss: number;
}

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

/**
 * The loss curve of every stage on one cumulative step axis (charts/LineChart: ticks, hover values, drag to zoom). The x axis spans the
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

  const xMax = Math.max(totalSteps, 1);
  const boundary = stageOffsets.stage2 && stageOffsets.stage2 > 0 && stageOffsets.stage2 < xMax ? stageOffsets.stage2 : null;
  const dataPoints = JSON.stringify(points.map((p) => [p.stage, p.step]));
  const xLabel = (x: number) => {
    const at = fromCumulative(x, stageOffsets);
    return stepText(at, stageOffsets);
  };

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
      <LineChart
        series={series.map((s) => ({
          key: s.stage,
          label: s.stage === "stage1" ? "stage 1" : s.stage === "stage2" ? "stage 2" : s.stage,
          cls: STAGE_CLASS[s.stage] ?? "loss-other",
          points: s.pts,
        }))}
        xMax={xMax}
        height={240}
        logY={logScale}
        xLabel={xLabel}
        yLabel="loss"
        markers={boundary !== null ? [{ x: boundary, label: "stage 2 →", testId: "stage-boundary" }] : []}
        empty="Waiting for the first loss…"
        svgProps={{
          role: "img",
          "aria-label": `Loss over ${totalSteps} steps; ${points.length} points so far`,
          "data-testid": "loss-chart",
          "data-points": dataPoints,
          className: "chart-svg",
        }}
      />
      <p className="legend subtle">
        <span className="swatch loss-stage1" aria-hidden="true" /> stage 1 (token) <span className="swatch loss-stage2" aria-hidden="true" /> stage 2 (UNet)
      </p>
    </figure>
  );
}
