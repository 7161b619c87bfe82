import type { Aligned, ChartSeries } from "./chart.data";
import { tableRows } from "./chart.data";
import { fmtValue } from "./axis";

/** The chart's numbers as a table, behind a disclosure (the text alternative of the canvas). */
export function ChartData({ series, aligned, xLabel, caption }: { series: ChartSeries[]; aligned: Aligned; xLabel: (x: number) => string; caption: string }) {
  if (aligned.xs.length === 0) return null;
  const rows = tableRows(aligned);
  return (
    <details className="chart-data">
      <summary>
        Data table<span className="subtle"> ({rows.length < aligned.xs.length ? `${rows.length} of ${aligned.xs.length} steps` : `${rows.length} steps`})</span>
      </summary>
      <div className="table-scroll">
        <table className="table">
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              {series.map((s) => (
                <th key={s.key} scope="col" className="num">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <tr key={aligned.xs[i]}>
                <th scope="row">{xLabel(aligned.xs[i]!)}</th>
                {aligned.ys.map((col, j) => (
                  <td key={series[j]!.key} className="num">
                    {col[i] == null ? "—" : fmtValue(col[i]!)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
