"use client";

import { useMemo, useRef, useState, type ReactNode } from "react";
import { fmtValue, logTicks, niceTicks } from "./axis";
import { useWidth } from "./useWidth";

export interface ChartPoint {
  x: number;
  y: number;
}
export interface ChartSeries {
  key: string;
  label: string;
  /** CSS class that sets stroke and fill (the theme's colours). */
  cls: string;
  points: ChartPoint[];
}
export interface ChartMarker {
  x: number;
  label: string;
  testId?: string;
}

const PAD = { l: 52, r: 12, t: 12, b: 34 };

/**
 * A line chart drawn at the element's real pixel width (so a phone gets 12 px labels and the chosen
 * height, not a shrunk picture): x and y ticks, a hover/touch readout of every series at the nearest x,
 * drag across the plot to zoom into a step range, "Reset zoom" to go back. Optional log-scale y.
 */
export function LineChart({
  series,
  xMax,
  height,
  logY = false,
  xLabel,
  yLabel,
  markers = [],
  yTicks,
  empty,
  svgProps,
  children,
}: {
  series: ChartSeries[];
  xMax: number;
  height: number;
  logY?: boolean;
  /** How a step reads in the tooltip ("step 50 · stage 2 · 20"). */
  xLabel: (x: number) => string;
  yLabel?: string;
  markers?: ChartMarker[];
  /** How many y ticks to aim for (default 5, 3 for short charts). */
  yTicks?: number;
  empty?: string;
  svgProps?: Record<string, string | number>;
  /** Extra marks drawn with the chart's scales (e.g. a ring on the recommended point). */
  children?: (scale: { sx: (x: number) => number; sy: (y: number) => number }) => ReactNode;
}) {
  const [boxRef, width] = useWidth<HTMLDivElement>(960);
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const [hoverX, setHoverX] = useState<number | null>(null);
  const svgRef = useRef<SVGSVGElement | null>(null);

  const [x0, x1] = zoom ?? [0, Math.max(1, xMax)];
  const tf = (v: number) => (logY ? Math.log10(Math.max(v, 1e-8)) : v);
  const visible = series.map((s) => ({ ...s, points: s.points.filter((p) => p.x >= x0 && p.x <= x1) }));
  const ys = visible.flatMap((s) => s.points.map((p) => tf(p.y)));
  let yMin = ys.length ? Math.min(...ys) : 0;
  let yMax = ys.length ? Math.max(...ys) : 1;
  if (yMax - yMin < 1e-9) {
    yMin -= logY ? 0.5 : Math.max(Math.abs(yMin) * 0.1, 0.5);
    yMax += logY ? 0.5 : Math.max(Math.abs(yMax) * 0.1, 0.5);
  } else {
    const pad = (yMax - yMin) * 0.05;
    yMin -= pad;
    yMax += pad;
  }
  const plotW = Math.max(10, width - PAD.l - PAD.r);
  const plotH = Math.max(10, height - PAD.t - PAD.b);
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (v: number) => PAD.t + (1 - (tf(v) - yMin) / (yMax - yMin)) * plotH;
  const invX = (px: number) => x0 + ((px - PAD.l) / plotW) * (x1 - x0);

  // No data, no y scale to read: the empty message stands alone.
  const yTickVals = ys.length === 0 ? [] : logY ? logTicks(yMin, yMax).map((t) => 10 ** t) : niceTicks(yMin, yMax, yTicks ?? (height < 200 ? 3 : 5));
  const xTickVals = niceTicks(x0, x1, Math.max(2, Math.floor(plotW / 90)), true);
  // The axis always names where it ends (the run's last step), unless a tick sits close to it already.
  const lastTick = xTickVals[xTickVals.length - 1] ?? x0;
  const tickGap = xTickVals.length > 1 ? xTickVals[1]! - xTickVals[0]! : x1 - x0;
  if (x1 - lastTick >= tickGap * 0.5) xTickVals.push(x1);

  // The hover readout: the nearest x that any series has a point at, and each series' point there.
  const xs = useMemo(() => [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b), [series]);
  const nearest = hoverX === null || xs.length === 0 ? null : xs.reduce((best, x) => (Math.abs(x - hoverX) < Math.abs(best - hoverX) ? x : best), xs[0]!);
  const readout = nearest === null ? [] : series.flatMap((s) => s.points.filter((p) => p.x === nearest).map((p) => ({ s, p })));

  const localX = (clientX: number) => {
    const r = svgRef.current?.getBoundingClientRect();
    return r ? clientX - r.left : 0;
  };
  const inPlot = (px: number) => px >= PAD.l && px <= PAD.l + plotW;

  return (
    <div className="xchart" ref={boxRef} data-width={width}>
      <svg
        ref={svgRef}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        onPointerMove={(e) => {
          const px = localX(e.clientX);
          setHoverX(inPlot(px) ? invX(px) : null);
          if (drag) setDrag([drag[0], Math.min(Math.max(px, PAD.l), PAD.l + plotW)]);
        }}
        onPointerLeave={() => {
          setHoverX(null);
          setDrag(null);
        }}
        onPointerDown={(e) => {
          const px = localX(e.clientX);
          if (e.pointerType === "mouse" && inPlot(px)) setDrag([px, px]);
        }}
        onPointerUp={() => {
          if (drag && Math.abs(drag[1] - drag[0]) > 8) {
            const a = invX(Math.min(...drag));
            const b = invX(Math.max(...drag));
            if (b - a >= 1) setZoom([Math.floor(a), Math.ceil(b)]);
          }
          setDrag(null);
        }}
        {...svgProps}
      >
        <rect x={PAD.l} y={PAD.t} width={plotW} height={plotH} className="chart-plot" />
        {yTickVals.map((t) => (
          <g key={`y${t}`} data-testid="y-tick">
            <line x1={PAD.l} x2={PAD.l + plotW} y1={sy(t)} y2={sy(t)} className="chart-grid" />
            <text x={PAD.l - 6} y={sy(t) + 4} textAnchor="end" className="chart-label">
              {fmtValue(t)}
            </text>
          </g>
        ))}
        {xTickVals.map((t) => (
          <g key={`x${t}`} data-testid="x-tick">
            <line x1={sx(t)} x2={sx(t)} y1={PAD.t + plotH} y2={PAD.t + plotH + 4} className="chart-boundary" />
            <text x={sx(t)} y={PAD.t + plotH + 16} textAnchor="middle" className="chart-label">
              {t}
            </text>
          </g>
        ))}
        <text x={PAD.l + plotW} y={height - 2} textAnchor="end" className="chart-label">
          step
        </text>
        {yLabel && (
          <text x={4} y={PAD.t - 2} className="chart-label">
            {yLabel}
          </text>
        )}
        {markers
          .filter((m) => m.x > x0 && m.x < x1)
          .map((m) => (
            <g key={`m${m.x}`} data-testid={m.testId}>
              <line x1={sx(m.x)} x2={sx(m.x)} y1={PAD.t} y2={PAD.t + plotH} className="chart-boundary" />
              <text x={sx(m.x) + 4} y={PAD.t + 12} className="chart-label">
                {m.label}
              </text>
            </g>
          ))}
        {visible.map((s) => (
          <g key={s.key} className={s.cls}>
            <polyline fill="none" strokeWidth={2} points={s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")} />
            {s.points.length <= 60 && s.points.map((p) => <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r={2.5} />)}
          </g>
        ))}
        {children?.({ sx, sy })}
        {drag && <rect className="chart-zoom-band" x={Math.min(...drag)} y={PAD.t} width={Math.abs(drag[1] - drag[0])} height={plotH} />}
        {nearest !== null && nearest >= x0 && nearest <= x1 && <line x1={sx(nearest)} x2={sx(nearest)} y1={PAD.t} y2={PAD.t + plotH} className="chart-hover-line" />}
        {ys.length === 0 && empty && (
          <text x={PAD.l + plotW / 2} y={PAD.t + plotH / 2} textAnchor="middle" className="chart-label">
            {empty}
          </text>
        )}
      </svg>
      {nearest !== null && readout.length > 0 && (
        <div className="chart-tooltip" data-testid="chart-tooltip" style={{ left: Math.min(Math.max(sx(nearest) + 8, 0), Math.max(0, width - 180)) }}>
          <div>{xLabel(nearest)}</div>
          {readout.map(({ s, p }) => (
            <div key={s.key}>
              <span className={`swatch ${s.cls}`} aria-hidden="true" /> {s.label}: {fmtValue(p.y)}
            </div>
          ))}
        </div>
      )}
      {zoom && (
        <button type="button" className="btn btn-small chart-reset" onClick={() => setZoom(null)} data-testid="chart-reset-zoom">
          Reset zoom (steps {zoom[0]}–{zoom[1]})
        </button>
      )}
    </div>
  );
}
