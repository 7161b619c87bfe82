import { fmtValue } from "./axis";

export interface ChartPoint {
  x: number;
  y: number;
}
export interface ChartSeries {
  key: string;
  label: string;
  /** The CSS custom property holding the series colour (`--stage1`); read per theme. */
  color: string;
  points: ChartPoint[];
}

/** uPlot's column layout: one sorted x array, each series' y at those x (null where it has no point). */
export interface Aligned {
  xs: number[];
  ys: (number | null)[][];
  count: number;
}

export function alignSeries(series: ChartSeries[]): Aligned {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  let count = 0;
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const p of s.points) if (Number.isFinite(p.y)) col[at.get(p.x)!] = p.y;
    count += s.points.length;
    return col;
  });
  return { xs, ys, count };
}

/** One sentence per series for screen readers: how many points, first and last value, the lowest. */
export function chartSummary(series: ChartSeries[], xLabel: (x: number) => string): string {
  const parts = series
    .filter((s) => s.points.length > 0)
    .map((s) => {
      const first = s.points[0]!;
      const last = s.points[s.points.length - 1]!;
      const low = s.points.reduce((a, b) => (b.y < a.y ? b : a));
      return `${s.label}: ${s.points.length} points, ${fmtValue(first.y)} at ${xLabel(first.x)} to ${fmtValue(last.y)} at ${xLabel(last.x)}, lowest ${fmtValue(low.y)}.`;
    });
  return parts.length ? parts.join(" ") : "No data yet.";
}

/** The rows of the chart's data table: every x when there are few, else an even sample that keeps the last. */
export function tableRows(a: Aligned, max = 50): number[] {
  const n = a.xs.length;
  if (n <= max) return [...Array(n).keys()];
  const step = (n - 1) / (max - 1);
  return [...new Set([...Array(max).keys()].map((i) => Math.round(i * step)))];
}
