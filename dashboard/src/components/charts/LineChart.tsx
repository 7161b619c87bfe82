"use client";

import "uplot/dist/uPlot.min.css";
import type uPlot from "uplot";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { alignSeries, chartSummary, type Aligned, type ChartSeries } from "./chart.data";
import { ChartData } from "./ChartData";
import { chartOptions, readColors, type ChartLive } from "./uplot.options";
import { useColorScheme } from "./useColorScheme";
import { useWidth } from "./useWidth";

export type { ChartPoint, ChartSeries } from "./chart.data";
export interface ChartMarker {
  x: number;
  label: string;
  testId?: string;
}
/** A ring drawn on one point (e.g. the recommended checkpoint). */
export interface ChartHighlight {
  x: number;
  y: number;
  testId: string;
}

const toData = (a: Aligned, logY: boolean): uPlot.AlignedData => [a.xs, ...a.ys.map((col) => (logY ? col.map((v) => (v != null && v > 0 ? v : null)) : col))];

/**
 * A step-axis line chart on uPlot (canvas; loaded with a dynamic import, so only pages that chart fetch it):
 * x and y ticks, a legend that reads every series at the hovered step, drag across the plot to zoom into a
 * step range (double-click or "Reset zoom" returns), optional log10 y. Colours come from the theme's CSS
 * custom properties. The chart is built once per shape (series, log scale, height, theme); new points go in
 * with `setData`, a resize with `setSize`. A visually hidden summary and a "Data table" disclosure are its
 * text alternative. For tests and tools the box carries what was drawn: `data-x-ticks`, `data-y-ticks`
 * (labels), `data-x-range`, `data-y-range`, `data-y-log`, `data-builds` and `data-updates` (setData calls).
 */
export function LineChart({
  series,
  xMax,
  height,
  logY = false,
  xLabel,
  label,
  markers = [],
  highlight,
  empty,
  testId,
  attrs,
}: {
  series: ChartSeries[];
  xMax: number;
  height: number;
  logY?: boolean;
  /** How a step reads in the legend and the data table ("stage 2 · step 20 (run step 50)"). */
  xLabel: (x: number) => string;
  /** The chart's accessible name. */
  label: string;
  markers?: ChartMarker[];
  highlight?: ChartHighlight | null;
  empty?: string;
  testId?: string;
  attrs?: Record<string, string>;
}) {
  const [boxRef, width] = useWidth<HTMLDivElement>(960);
  const plotRef = useRef<HTMLDivElement | null>(null);
  const legendRef = useRef<HTMLDivElement | null>(null);
  const uRef = useRef<uPlot | null>(null);
  const zoomRef = useRef<[number, number] | null>(null);
  const counts = useRef({ builds: 0, updates: 0 });
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const scheme = useColorScheme();
  const ids = useId();

  const aligned = useMemo(() => alignSeries(series), [series]);
  const shape = JSON.stringify([series.map((s) => [s.key, s.label, s.color]), logY, height, scheme]);

  // What uPlot's callbacks read when they run: kept current on every render without rebuilding the chart.
  const live = useRef<ChartLive & { markers: ChartMarker[]; highlight: ChartHighlight | null | undefined; aligned: Aligned; width: number }>(null!);
  live.current = {
    ...(live.current ?? { ticks: { x: [], y: [] } }),
    xMax,
    xLabel,
    markers,
    highlight,
    aligned,
    width,
    onDraw: (u) => {
      const box = boxRef.current;
      if (!box) return;
      const r = (k: string) => `${+(u.scales[k]!.min ?? 0).toPrecision(6)},${+(u.scales[k]!.max ?? 0).toPrecision(6)}`;
      box.dataset.xTicks = live.current.ticks.x.join(",");
      box.dataset.yTicks = live.current.ticks.y.join(",");
      box.dataset.xRange = r("x");
      box.dataset.yRange = r("y");
      drawMarks(u, live.current.markers, live.current.highlight);
    },
    onScaleX: (u) => {
      const { min, max } = u.scales.x!;
      const full = min == null || max == null || (min <= 0.5 && max >= live.current.xMax - 0.5);
      zoomRef.current = full ? null : [min, max];
      setZoom((z) => (full ? null : z && z[0] === Math.round(min) && z[1] === Math.round(max) ? z : [Math.round(min), Math.round(max)]));
    },
  };

  // Build (again) when the shape changes; a zoom survives a rebuild (e.g. switching to log scale).
  useEffect(() => {
    let cancelled = false;
    let u: uPlot | null = null;
    void import("uplot").then(({ default: UPlot }) => {
      const host = plotRef.current;
      const legend = legendRef.current;
      if (cancelled || !host || !legend || !boxRef.current) return;
      const colors = readColors(
        boxRef.current,
        JSON.parse(shape)[0].map((s: string[]) => s[2]),
      );
      const opts = chartOptions(UPlot, { width: live.current.width, height, labels: series.map((s) => s.label), colors, logY, legend, live });
      u = new UPlot(opts, toData(live.current.aligned, logY), host);
      uRef.current = u;
      counts.current.builds += 1;
      boxRef.current.dataset.builds = String(counts.current.builds);
      boxRef.current.dataset.yLog = String(logY);
      // uPlot starts on the data's own x extent; the chart shows the whole run (or the zoom it had).
      const [min, max] = zoomRef.current ?? [0, live.current.xMax];
      u.setScale("x", { min, max });
    });
    return () => {
      cancelled = true;
      u?.destroy();
      if (uRef.current === u) uRef.current = null;
    };
    // `shape` stands for series labels/colours, logY, height and the theme; the rest is read through refs.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  // New points: one setData, the zoom kept.
  useEffect(() => {
    const u = uRef.current;
    if (!u) return;
    u.setData(toData(aligned, logY));
    counts.current.updates += 1;
    if (boxRef.current) boxRef.current.dataset.updates = String(counts.current.updates);
  }, [aligned, logY, boxRef]);

  useEffect(() => {
    uRef.current?.setSize({ width, height });
  }, [width, height]);

  // The run's length became known or changed: the whole run again, unless the user is zoomed in.
  useEffect(() => {
    const u = uRef.current;
    if (u && !zoomRef.current) u.setScale("x", { min: 0, max: xMax });
  }, [xMax]);

  const summary = chartSummary(series, xLabel);
  return (
    <div className="xchart" ref={boxRef} data-testid={testId} data-width={width} {...attrs}>
      <div className="chart-canvas" style={{ minHeight: height }}>
        <div ref={plotRef} role="img" aria-label={label} aria-describedby={`${ids}-sum`} />
        {aligned.count === 0 && empty && <p className="chart-empty subtle">{empty}</p>}
      </div>
      <div ref={legendRef} className="chart-legend" data-testid="chart-legend" />
      {zoom && (
        <button type="button" className="btn btn-small chart-reset" onClick={() => uRef.current?.setScale("x", { min: 0, max: xMax })} data-testid="chart-reset-zoom">
          Reset zoom (steps {zoom[0]}–{zoom[1]})
        </button>
      )}
      <p id={`${ids}-sum`} className="sr-only">
        {summary}
      </p>
      <ChartData series={series} aligned={aligned} xLabel={xLabel} caption={label} />
    </div>
  );
}

/** Marker lines (e.g. where stage 2 starts) and a highlight ring, as elements over the plot, placed on every draw. */
function drawMarks(u: uPlot, markers: ChartMarker[], highlight: ChartHighlight | null | undefined) {
  let layer = u.over.querySelector<HTMLDivElement>(":scope > .chart-marks");
  if (!layer) {
    layer = document.createElement("div");
    layer.className = "chart-marks";
    u.over.appendChild(layer);
  }
  layer.replaceChildren();
  const { min, max } = u.scales.x!;
  if (min == null || max == null) return;
  for (const m of markers) {
    if (m.x <= min || m.x >= max) continue;
    const el = document.createElement("div");
    el.className = "chart-marker";
    if (m.testId) el.setAttribute("data-testid", m.testId);
    el.style.left = `${u.valToPos(m.x, "x")}px`;
    const text = document.createElement("span");
    text.textContent = m.label;
    el.appendChild(text);
    layer.appendChild(el);
  }
  if (highlight && highlight.x >= min && highlight.x <= max) {
    const ring = document.createElement("div");
    ring.className = "chart-ring";
    ring.setAttribute("data-testid", highlight.testId);
    ring.style.left = `${u.valToPos(highlight.x, "x")}px`;
    ring.style.top = `${u.valToPos(highlight.y, "y")}px`;
    layer.appendChild(ring);
  }
}
