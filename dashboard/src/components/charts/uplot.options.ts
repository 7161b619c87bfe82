import type uPlot from "uplot";
import { fmtValue, STEP_INCRS } from "./axis";

/** The colours a chart draws with, read from the page's CSS custom properties (so each theme has its own). */
export interface ChartColors {
  axis: string;
  grid: string;
  series: string[];
}

export function readColors(el: Element, seriesVars: string[]): ChartColors {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return { axis: v("--muted", "#5b6170"), grid: v("--border", "#e2e4e9"), series: seriesVars.map((n) => v(n, "#888888")) };
}

/** What the chart's callbacks read at call time (the component keeps it current without rebuilding the chart). */
export interface ChartLive {
  xMax: number;
  xLabel(x: number): string;
  /** The tick labels an axis drew last (x: axis 0, y: axis 1). */
  ticks: { x: string[]; y: string[] };
  onDraw(u: uPlot): void;
  onScaleX(u: uPlot): void;
}

const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/**
 * uPlot options for a step-axis line chart: x spans [0, xMax] (a drag zooms into a range, a double-click
 * returns to the whole run, new data keeps the zoom), y fits the visible data (linear or log10), the legend
 * under the plot reads every series at the hovered step.
 */
export function chartOptions(
  UPlot: typeof uPlot,
  o: { width: number; height: number; labels: string[]; colors: ChartColors; logY: boolean; legend: HTMLElement; live: { current: ChartLive } },
): uPlot.Options {
  const { live, colors } = o;
  const record = (axis: "x" | "y", labels: (string | null)[]) => {
    live.current.ticks[axis] = labels.filter((l): l is string => l !== null && l !== "");
    return labels;
  };
  const axis: uPlot.Axis = {
    stroke: colors.axis,
    font: FONT,
    grid: { stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.grid, width: 1, size: 4 },
  };
  return {
    width: o.width,
    height: o.height,
    pxAlign: true,
    scales: {
      x: {
        time: false,
        auto: false,
        // Unset (first draw, new data while not zoomed): the whole run; set by a zoom: what was chosen.
        range: (_u, min, max) => (min == null || max == null ? [0, live.current.xMax] : [min, max]),
      },
      y: o.logY
        ? { distr: 3, log: 10, range: (_u, min, max) => (min == null || max == null || !(min > 0) ? [0.1, 1] : UPlot.rangeLog(min, max, 10, false)) }
        : { range: (_u, min, max) => (min == null || max == null ? [0, 1] : UPlot.rangeNum(min, max, 0.1, true)) },
    },
    axes: [
      {
        ...axis,
        incrs: STEP_INCRS,
        space: 60,
        values: (_u, splits) =>
          record(
            "x",
            splits.map((v) => (v == null ? null : String(Math.round(v)))),
          ),
      },
      {
        ...axis,
        size: 58,
        space: 32,
        values: (_u, splits) =>
          record(
            "y",
            splits.map((v) => (v == null ? null : fmtValue(v))),
          ),
      },
    ],
    series: [
      { label: "step", value: (_u, v) => (v == null ? "—" : live.current.xLabel(v)) },
      ...o.labels.map((label, i) => ({
        label,
        stroke: colors.series[i],
        width: 2,
        spanGaps: true,
        points: { size: 5, fill: colors.series[i] },
        value: (_u: uPlot, v: number | null) => (v == null ? "—" : fmtValue(v)),
      })),
    ],
    cursor: {
      drag: { x: true, y: false, setScale: true, dist: 6 },
      points: { size: 8 },
      bind: {
        dblclick: (u) => () => {
          u.setScale("x", { min: 0, max: live.current.xMax });
          return null;
        },
      },
    },
    legend: { live: true, markers: { fill: (_u, i) => colors.series[i - 1] ?? "transparent" }, mount: (_u, el) => o.legend.appendChild(el) },
    hooks: {
      draw: [(u) => live.current.onDraw(u)],
      setScale: [
        (u, key) => {
          if (key === "x") live.current.onScaleX(u);
        },
      ],
    },
  };
}
