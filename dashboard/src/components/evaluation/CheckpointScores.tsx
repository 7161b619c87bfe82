"use client";

import Link from "next/link";
import type { CheckpointFieldsFragment, EvaluationProtocol, EvaluationSummaryFragment } from "@/generated/graphql";
import { humaneError } from "@/lib/errors";
import { formatBytes } from "../common/format";
import { byStageStep, stageLabel, stepText } from "../run/run.steps";
import { EvaluationStatus } from "./EvaluationStatus";
import { fmtScore, isActive, latestByProtocol, ON_REQUEST, PROTOCOLS } from "./evaluation.format";
import type { RunEvaluations } from "./useRunEvaluations";

interface Props {
  checkpoints: CheckpointFieldsFragment[];
  offsets: Record<string, number>;
  evals: RunEvaluations;
}

/**
 * The run's checkpoints, one row group each: a row per protocol with its newest evaluation (state,
 * CLIP-I, CLIP-T, DINO, drift), the recommended one marked, and buttons to ask for DIVERSE / SIMPLE.
 */
export function CheckpointScores({ checkpoints, offsets, evals }: Props) {
  if (checkpoints.length === 0) return <p className="subtle">None yet.</p>;
  const scoresOn = evals.evaluator?.available !== false;
  return (
    <div className="table-scroll">
      <table className="table ckpt-table" data-testid="checkpoints">
        <thead>
          <tr>
            <th scope="col">Checkpoint</th>
            <th scope="col">Protocol</th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              CLIP-I
            </th>
            <th scope="col" className="num">
              CLIP-T
            </th>
            <th scope="col" className="num">
              DINO
            </th>
            <th scope="col">Drift (DINO vs base)</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        {[...checkpoints].sort(byStageStep).map((c) => (
          <CheckpointGroup key={c.id} checkpoint={c} offsets={offsets} evals={evals} scoresOn={scoresOn} />
        ))}
      </table>
    </div>
  );
}

function CheckpointGroup({
  checkpoint: c,
  offsets,
  evals,
  scoresOn,
}: {
  checkpoint: CheckpointFieldsFragment;
  offsets: Record<string, number>;
  evals: RunEvaluations;
  scoresOn: boolean;
}) {
  const latest = latestByProtocol(evals.evaluations, c.id);
  const shown = PROTOCOLS.filter((p) => latest.has(p));
  // Before its automatic QUICK evaluation exists the checkpoint keeps one placeholder row, so the
  // table does not grow a row when it arrives.
  const rows: (EvaluationProtocol | null)[] = shown.length ? shown : [null];
  const recommended = evals.recommendation?.checkpoint.id === c.id ? evals.recommendation : null;
  const requestError = evals.requestErrors[c.id];
  const name = `${stageLabel(c.stage)} step ${c.step}`;
  return (
    <tbody data-testid="checkpoint-row" data-checkpoint={c.id} data-recommended={recommended ? "true" : undefined} className={recommended ? "ckpt-recommended" : undefined}>
      {rows.map((protocol, i) => {
        const e = protocol ? latest.get(protocol)! : null;
        return (
          <tr key={protocol ?? "none"} data-testid={e ? "evaluation-row" : undefined} data-protocol={protocol ?? undefined}>
            {i === 0 && (
              <th scope="rowgroup" rowSpan={rows.length} className="ckpt-name">
                <span className="ckpt-title">{stepText(c, offsets)}</span>
                {recommended && (
                  <span className="badge badge-recommended" data-testid="recommended-badge">
                    Recommended
                  </span>
                )}
                <span className="subtle ckpt-meta">
                  <span data-testid="checkpoint-size">{formatBytes(c.sizeBytes)}</span> · {new Date(c.createdAt).toLocaleTimeString()}
                </span>
                {recommended && (
                  <span className="ckpt-reason" data-testid="recommended-reason">
                    {recommended.reason} <span className="subtle">({recommended.protocol})</span>
                  </span>
                )}
              </th>
            )}
            {e ? <EvaluationCells evaluation={e} /> : <EmptyCells scoresOn={scoresOn} />}
            {i === 0 && (
              <td rowSpan={rows.length} className="row-actions ckpt-actions">
                <span className="ckpt-links">
                  <Link href={`/checkpoints/${c.id}`}>Try it</Link> <a href={c.downloadUrl}>checkpoint.json</a>
                </span>
                <span className="ckpt-buttons">
                  {ON_REQUEST.map((p) => {
                    const running = latest.get(p);
                    const busy = evals.requesting === `${c.id}:${p}` || (running !== undefined && isActive(running));
                    return (
                      <button
                        key={p}
                        type="button"
                        className="btn btn-small"
                        disabled={busy || !scoresOn}
                        aria-describedby={!scoresOn ? "scores-off" : undefined}
                        title={!scoresOn ? "Scoring is not set up on this server" : undefined}
                        onClick={() => void evals.evaluate(c.id, p)}
                      >
                        Evaluate {p}
                        <span className="sr-only"> for {name}</span>
                      </button>
                    );
                  })}
                </span>
                {requestError && (
                  <span className="error eval-request-error" role="alert" data-testid="evaluate-error">
                    {requestError.protocol}: {humaneError(requestError.code, requestError.message).text}
                  </span>
                )}
              </td>
            )}
          </tr>
        );
      })}
    </tbody>
  );
}

function EvaluationCells({ evaluation: e }: { evaluation: EvaluationSummaryFragment }) {
  return (
    <>
      <td>
        <Link href={`/evaluations/${e.id}`} title={e.automatic ? "Started automatically for this checkpoint" : "Requested"}>
          {e.protocol}
        </Link>
      </td>
      <td className="eval-state-cell">
        <EvaluationStatus evaluation={e} />
      </td>
      <td className="num" data-testid="score-clipI">
        {fmtScore(e.clipI)}
      </td>
      <td className="num" data-testid="score-clipT">
        {fmtScore(e.clipT)}
      </td>
      <td className="num" data-testid="score-dino">
        {fmtScore(e.dino)}
      </td>
      <td>
        {e.drift ? (
          <span className="drift">
            <span className="num">{fmtScore(e.drift.dino)}</span>{" "}
            {e.drift.flagged ? (
              <span className="badge badge-flagged" title={`drift DINO below ${e.drift.threshold}`}>
                drift &lt; {e.drift.threshold}
              </span>
            ) : null}
          </span>
        ) : (
          "—"
        )}
      </td>
    </>
  );
}

function EmptyCells({ scoresOn }: { scoresOn: boolean }) {
  return (
    <>
      <td className="subtle">—</td>
      <td className="subtle eval-state-cell">{scoresOn ? "waiting for QUICK" : "not scored"}</td>
      <td className="num subtle">—</td>
      <td className="num subtle">—</td>
      <td className="num subtle">—</td>
      <td className="subtle">—</td>
    </>
  );
}
