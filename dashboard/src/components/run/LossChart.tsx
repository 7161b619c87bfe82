"use client";

import { useCallback, useId, useMemo, useState } from "react";
import { LineChart, type ChartSeries } from "../charts/LineChart";
import { fromCumulative, STAGE_ORDER, stageLabel, stepText } from "./run.steps";

export interface LossPointLite {
  stage: string;
  step: number;
  loss: number;
}

const STAGE_COLOR: Record<string, string> = { stage1: "--stage1", stage2: "--stage2" };

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
 * The loss curve of every stage on one cumulative step axis (charts/LineChart on uPlot: ticks, hover values,
 * drag to zoom, double-click to reset). The x axis spans the whole run from the start, so the chart does not
 * rescale horizontally while points stream in; each stage of the run is a series from the first render, so
 * live points only update the chart's data. `data-points` carries the [stage, step] pairs drawn, in order.
 */
export function LossChart({ points, stageOffsets, totalSteps }: { points: LossPointLite[]; stageOffsets: Record<string, number>; totalSteps: number }) {
  const [smoothing, setSmoothing] = useState(0);
  const [logScale, setLogScale] = useState(false);
  const ids = useId();
  // The parent passes a fresh object on every render; the chart's series only change with its content.
  const offsetsKey = JSON.stringify(stageOffsets);
  const offsets = useMemo(() => JSON.parse(offsetsKey) as Record<string, number>, [offsetsKey]);

  const series = useMemo((): ChartSeries[] => {
    const byStage = new Map<string, LossPointLite[]>(Object.keys(offsets).map((s) => [s, []]));
    for (const p of points) {
      const list = byStage.get(p.stage) ?? [];
      list.push(p);
      byStage.set(p.stage, list);
    }
    return [...byStage.entries()]
      .sort(([a], [b]) => (STAGE_ORDER[a] ?? 9) - (STAGE_ORDER[b] ?? 9))
      .map(([stage, list]) => {
        const ys = smooth(
          list.map((p) => p.loss),
          smoothing,
        );
        return { key: stage, label: stageLabel(stage), color: STAGE_COLOR[stage] ?? "--muted", points: list.map((p, i) => ({ x: (offsets[p.stage] ?? 0) + p.step, y: ys[i]! })) };
      });
  }, [points, smoothing, offsets]);

  const xMax = Math.max(totalSteps, 1);
  const boundary = offsets.stage2 && offsets.stage2 > 0 && offsets.stage2 < xMax ? offsets.stage2 : null;
  const markers = useMemo(() => (boundary !== null ? [{ x: boundary, label: "stage 2 →", testId: "stage-boundary" }] : []), [boundary]);
  const dataPoints = JSON.stringify(points.map((p) => [p.stage, p.step]));
  const xLabel = useCallback((x: number) => stepText(fromCumulative(x, offsets), offsets), [offsets]);

  return (
    <figure className="panel chart" aria-labelledby={`${ids}-cap`}>
      <div className="chart-head">
        <figcaption id={`${ids}-cap`}>
          <strong>Training loss</strong> <span className="subtle">({points.length} points)</span>
        </figcaption>
        <div className="chart-controls">
          <label>
            Smoothing <output htmlFor={`${ids}-smooth`}>{smoothing.toFixed(2)}</output>
            <input
              id={`${ids}-smooth`}
              type="range"
              min={0}
              max={0.95}
              step={0.05}
              value={smoothing}
              onChange={(e) => setSmoothing(Number(e.target.value))}
              data-testid="loss-smoothing"
            />
          </label>
          <label>
            <input type="checkbox" checked={logScale} onChange={(e) => setLogScale(e.target.checked)} data-testid="loss-log" /> Log scale
          </label>
        </div>
      </div>
      <LineChart
        series={series}
        xMax={xMax}
        height={240}
        logY={logScale}
        xLabel={xLabel}
        label={`Training loss over ${totalSteps} steps, ${points.length} points so far${logScale ? ", log scale" : ""}`}
        markers={markers}
        empty="Waiting for the first loss…"
        testId="loss-chart"
        attrs={{ "data-points": dataPoints }}
      />
    </figure>
  );
}
