import Link from "next/link";
import type { EvaluationProtocol } from "@/generated/graphql";
import { fmtScore, isActive } from "../evaluation/evaluation.format";
import { stageOffsets, stepText } from "../run/run.steps";
import type { Comparison } from "./CompareView";

type Row = Comparison["rows"][number];
type ScoreSet = NonNullable<Row["diverse"]>;
type Metric = "clipI" | "dino" | "clipT";

/** Column groups in the paper's order; CLIP-T and the QUICK protocol are secondary (muted). */
const GROUPS: { protocol: EvaluationProtocol; field: "diverse" | "simple" | "quick"; metrics: Metric[] }[] = [
  { protocol: "DIVERSE", field: "diverse", metrics: ["clipI", "dino", "clipT"] },
  { protocol: "SIMPLE", field: "simple", metrics: ["clipI", "dino", "clipT"] },
  { protocol: "QUICK", field: "quick", metrics: ["clipI", "dino", "clipT"] },
];
const LABEL: Record<Metric, string> = { clipI: "CLIP-I", dino: "DINO", clipT: "CLIP-T" };
const secondary = (protocol: EvaluationProtocol, m: Metric) => protocol === "QUICK" || m === "clipT";
const COLS = 2 + GROUPS.reduce((n, g) => n + g.metrics.length, 0);

/** The highest value per column among the compared runs (only where at least two runs have one). */
function bestPerColumn(rows: Row[]): Map<string, number> {
  const best = new Map<string, number>();
  for (const g of GROUPS)
    for (const m of g.metrics) {
      const values = rows.flatMap((r) => (r[g.field] ? [r[g.field]![m]] : []));
      if (values.length >= 2) best.set(`${g.field}.${m}`, Math.max(...values));
    }
  return best;
}

interface Props {
  data: Comparison;
  requesting: string | null;
  onEvaluate(checkpointId: string, protocol: EvaluationProtocol): void;
}

export function CompareTable({ data, requesting, onEvaluate }: Props) {
  const best = bestPerColumn(data.rows);
  return (
    <div className="panel table-scroll">
      <table className="table compare-table" data-testid="compare-table">
        <caption className="sr-only">Runs compared by CLIP-I, DINO and CLIP-T per evaluation protocol</caption>
        <thead>
          <tr>
            <th scope="col" rowSpan={2}>
              Run
            </th>
            <th scope="col" rowSpan={2}>
              Checkpoint
            </th>
            {GROUPS.map((g) => (
              <th key={g.protocol} scope="colgroup" colSpan={g.metrics.length} className={`group-head${g.protocol === "QUICK" ? " secondary" : ""}`}>
                {g.protocol}
              </th>
            ))}
          </tr>
          <tr>
            {GROUPS.flatMap((g) =>
              g.metrics.map((m) => (
                <th key={`${g.protocol}-${m}`} scope="col" className={`num${secondary(g.protocol, m) ? " secondary" : ""}`}>
                  <span className="sr-only">{g.protocol} </span>
                  {LABEL[m]}
                </th>
              )),
            )}
          </tr>
        </thead>
        <tbody>
          {data.rows.map((r) => (
            <tr key={r.run.id} data-testid="compare-row" data-run={r.run.id}>
              <th scope="row">
                <Link href={`/runs/${r.run.id}`}>{r.run.subject.name}</Link>
                <span className="subtle ckpt-meta">
                  {r.run.method} · {r.run.baseModel}
                </span>
              </th>
              <td>{r.checkpoint ? stepText(r.checkpoint, stageOffsets(r.run.settings)) : <span className="subtle">no checkpoint</span>}</td>
              {GROUPS.map((g) => {
                const s = r[g.field];
                return s ? (
                  <ScoreCells key={g.protocol} set={s} field={g.field} protocol={g.protocol} metrics={g.metrics} best={best} />
                ) : (
                  <MissingCell key={g.protocol} row={r} protocol={g.protocol} span={g.metrics.length} requesting={requesting} onEvaluate={onEvaluate} />
                );
              })}
            </tr>
          ))}
        </tbody>
        {data.paper.length > 0 && (
          <tbody className="paper-rows" data-testid="paper-rows">
            <tr>
              <th scope="colgroup" colSpan={COLS} className="paper-head">
                Reference: SD 2.1 base, paper Table 1
              </th>
            </tr>
            {data.paper.map((p) => (
              <tr key={p.method} data-testid="paper-row">
                <th scope="row">Paper: {p.method}</th>
                <td>SD 2.1 base</td>
                <td className="num">{fmtScore(p.diverseClipI)}</td>
                <td className="num">{fmtScore(p.diverseDino)}</td>
                <td className="num secondary">—</td>
                <td className="num">{fmtScore(p.simpleClipI)}</td>
                <td className="num">{fmtScore(p.simpleDino)}</td>
                <td className="num secondary">—</td>
                <td className="num secondary" colSpan={3}>
                  —
                </td>
              </tr>
            ))}
          </tbody>
        )}
      </table>
      <p className="subtle compare-note">
        Each run is compared at its recommended checkpoint, else its newest. Best value per column in bold. The paper&apos;s rows (SD 2.1 base, paper Table 1) are for reference;
        numbers from other base models or test encoders are not comparable with them.
      </p>
    </div>
  );
}

function ScoreCells({ set, field, protocol, metrics, best }: { set: ScoreSet; field: string; protocol: EvaluationProtocol; metrics: Metric[]; best: Map<string, number> }) {
  return (
    <>
      {metrics.map((m) => {
        const isBest = best.get(`${field}.${m}`) === set[m];
        return (
          <td key={m} className={`num${secondary(protocol, m) ? " secondary" : ""}${isBest ? " best" : ""}`} data-testid={`cell-${field}-${m}`}>
            <Link href={`/evaluations/${set.evaluation.id}`}>{fmtScore(set[m])}</Link>
            {isBest && <span className="sr-only"> (best)</span>}
          </td>
        );
      })}
    </>
  );
}

function MissingCell({
  row,
  protocol,
  span,
  requesting,
  onEvaluate,
}: {
  row: Row;
  protocol: EvaluationProtocol;
  span: number;
  requesting: string | null;
  onEvaluate: Props["onEvaluate"];
}) {
  const c = row.checkpoint;
  const running = c ? row.run.evaluations.find((e) => e.checkpoint.id === c.id && e.protocol === protocol && isActive(e)) : undefined;
  return (
    <td colSpan={span} className="num missing" data-testid={`cell-${protocol.toLowerCase()}-missing`}>
      <span aria-hidden="true">—</span>
      {c &&
        (running ? (
          <Link href={`/evaluations/${running.id}`} className="subtle">
            {running.state.toLowerCase()} {Math.round(running.progress * 100)}%
          </Link>
        ) : (
          <button type="button" className="btn btn-small" disabled={requesting === `${c.id}:${protocol}`} onClick={() => onEvaluate(c.id, protocol)}>
            Evaluate
            <span className="sr-only">
              {" "}
              {protocol} for {row.run.subject.name}
            </span>
          </button>
        ))}
      <span className="sr-only">no {protocol} scores</span>
    </td>
  );
}
