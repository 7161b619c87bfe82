"use client";

import { useMemo } from "react";
import type { CompareRunsQuery } from "@/generated/graphql";
import { LineChart, type ChartSeries } from "../charts/LineChart";
import { cumulativeStep, stageOffsets } from "../run/run.steps";

type Row = CompareRunsQuery["compareRuns"]["rows"][number];
const RUN_COLORS = ["--run0", "--run1", "--run2", "--run3"];
const runLabel = (r: Row, i: number) => `${i + 1}. ${r.run.subject.name} (${r.run.method.toLowerCase().replace("_", "-")})`;

/** The compared runs' loss curves overlaid on one cumulative step axis (one colour per run; the legend reads every run at the hovered step). */
export function CompareLosses({ rows }: { rows: Row[] }) {
  const xMax = Math.max(1, ...rows.map((r) => r.run.totalSteps));
  const series = useMemo(
    (): ChartSeries[] =>
      rows.map((r, i) => {
        const offsets = stageOffsets(r.run.settings);
        return { key: r.run.id, label: runLabel(r, i), color: RUN_COLORS[i % RUN_COLORS.length]!, points: r.run.losses.map((p) => ({ x: cumulativeStep(p, offsets), y: p.loss })) };
      }),
    [rows],
  );
  return (
    <figure className="panel chart" aria-labelledby="compare-losses-cap">
      <div className="chart-head">
        <figcaption id="compare-losses-cap">
          <strong>Training loss</strong> <span className="subtle">({rows.length} runs)</span>
        </figcaption>
      </div>
      <LineChart
        series={series}
        xMax={xMax}
        height={260}
        xLabel={(x) => `run step ${x}`}
        label={`Training loss of ${rows.length} runs overlaid`}
        empty="No losses logged yet."
        testId="compare-losses"
        attrs={{ "data-runs": JSON.stringify(series.map((s) => [s.key, s.points.length])) }}
      />
    </figure>
  );
}
