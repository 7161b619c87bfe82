"use client";

import type { CompareRunsQuery } from "@/generated/graphql";
import { LineChart } from "../charts/LineChart";
import { cumulativeStep, stageOffsets } from "../run/run.steps";

type Row = CompareRunsQuery["compareRuns"]["rows"][number];
const RUN_CLASSES = ["run-0", "run-1", "run-2", "run-3"];

/** The compared runs' loss curves on one cumulative step axis (one colour per run; hover reads every run). */
export function CompareLosses({ rows }: { rows: Row[] }) {
  const xMax = Math.max(1, ...rows.map((r) => r.run.totalSteps));
  const label = (r: Row, i: number) => `${i + 1}. ${r.run.subject.name} (${r.run.method.toLowerCase().replace("_", "-")})`;
  const series = rows.map((r, i) => {
    const offsets = stageOffsets(r.run.settings);
    return { key: r.run.id, label: label(r, i), cls: RUN_CLASSES[i % RUN_CLASSES.length]!, points: r.run.losses.map((p) => ({ x: cumulativeStep(p, offsets), y: p.loss })) };
  });
  return (
    <figure className="panel chart" aria-labelledby="compare-losses-cap">
      <div className="chart-head">
        <figcaption id="compare-losses-cap">
          <strong>Training loss</strong> <span className="subtle">({rows.length} runs)</span>
        </figcaption>
        <p className="legend subtle">
          {series.map((s) => (
            <span key={s.key} className="legend-item">
              <span className={`swatch ${s.cls}`} aria-hidden="true" /> {s.label}
            </span>
          ))}
        </p>
      </div>
      <LineChart
        series={series}
        xMax={xMax}
        height={240}
        xLabel={(x) => `run step ${x}`}
        yLabel="loss"
        empty="No losses logged yet."
        svgProps={{
          role: "img",
          "aria-label": `Loss curves of ${rows.length} runs`,
          "data-testid": "compare-losses",
          "data-runs": JSON.stringify(series.map((s) => [s.key, s.points.length])),
          className: "chart-svg",
        }}
      />
    </figure>
  );
}
