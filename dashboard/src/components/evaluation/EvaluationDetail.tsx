"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import type { EvaluationProgressQuery, EvaluationQuery, EvaluationSummaryFragment } from "@/generated/graphql";
import { EVALUATION_PROGRESS_QUERY, EVALUATION_QUERY } from "@/graphql/evaluations";
import { errorText } from "@/lib/graphql";
import { useSession } from "@/lib/session";
import { stageLabel } from "../run/run.steps";
import { EvaluationImages } from "./EvaluationImages";
import { EvaluationStatus } from "./EvaluationStatus";
import { fmtScore, isActive } from "./evaluation.format";
import { ScoredWith } from "./ScoredWith";

export type EvaluationT = NonNullable<EvaluationQuery["evaluation"]>;
const POLL_MS = 1500;

/**
 * One evaluation: its numbers, the drift check, the scores and images per prompt, and how it was made.
 * While it runs only the cheap summary is polled (image URLs are presigned anew on every read); the
 * whole evaluation is read again once it has finished.
 */
export function EvaluationDetail({ evaluationId }: { evaluationId: string }) {
  const session = useSession();
  const [full, setFull] = useState<EvaluationT | null | undefined>(undefined);
  const [live, setLive] = useState<EvaluationSummaryFragment | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const d = await session.request<EvaluationQuery>(EVALUATION_QUERY, { id: evaluationId });
      setFull(d.evaluation);
      setLive(d.evaluation);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [session, evaluationId]);
  useEffect(() => void load(), [load]);

  const running = live !== null && isActive(live);
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => {
      session
        .request<EvaluationProgressQuery>(EVALUATION_PROGRESS_QUERY, { id: evaluationId })
        .then((d) => {
          if (!d.evaluation) return;
          setLive(d.evaluation);
          if (!isActive(d.evaluation)) void load();
        })
        .catch(() => undefined);
    }, POLL_MS);
    return () => clearInterval(t);
  }, [running, session, evaluationId, load]);

  if (full === null)
    return (
      <section className="panel" data-testid="not-found">
        <h1>Evaluation not found</h1>
        <p className="subtle">There is no evaluation {evaluationId} in your team.</p>
        <Link href="/runs">All runs</Link>
      </section>
    );
  if (!full || !live)
    return error ? (
      <p className="error" role="alert">
        {error}
      </p>
    ) : (
      <p className="skeleton" role="status">
        Loading evaluation…
      </p>
    );

  const e = { ...full, ...live };
  return (
    <div className="run eval-detail" data-testid="evaluation-detail" data-state={e.state}>
      <div className="run-head">
        <div>
          <h1>
            {e.protocol} evaluation of <Link href={`/runs/${e.run.id}`}>{e.run.subject.name}</Link>, {stageLabel(e.checkpoint.stage)} step {e.checkpoint.step}
          </h1>
          <p className="subtle">
            {e.run.method} · {e.run.baseModel} · {e.steps} sampling steps · guidance {e.guidanceScale} · {e.automatic ? "started automatically" : "requested"} ·{" "}
            {new Date(e.createdAt).toLocaleString()}
          </p>
        </div>
        <div className="run-actions">
          <Link href={`/checkpoints/${e.checkpoint.id}`}>Try this checkpoint</Link>
        </div>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      <section className="panel" aria-label="Scores">
        <EvaluationStatus evaluation={e} />
        <dl className="score-cards">
          {(
            [
              ["CLIP-I", e.clipI, "subject fidelity (CLIP image embeddings)"],
              ["CLIP-T", e.clipT, "prompt fidelity"],
              ["DINO", e.dino, "subject fidelity (DINO, the paper's main number)"],
            ] as const
          ).map(([label, v, hint]) => (
            <div key={label} className="score-card" title={hint}>
              <dt>{label}</dt>
              <dd data-testid={`detail-${label}`}>{fmtScore(v)}</dd>
            </div>
          ))}
        </dl>
      </section>

      <DriftPanel evaluation={full} />

      <section className="panel" aria-labelledby="per-prompt-title">
        <h2 id="per-prompt-title">Per prompt</h2>
        <EvaluationImages evaluation={full} />
      </section>

      <section className="panel" aria-labelledby="scored-with-title">
        <h2 id="scored-with-title">Scored with</h2>
        <ScoredWith value={full.scoredWith} />
      </section>
    </div>
  );
}

function DriftPanel({ evaluation: e }: { evaluation: EvaluationT }) {
  return (
    <section className="panel" aria-labelledby="drift-title" data-testid="drift">
      <h2 id="drift-title">
        Language drift{" "}
        {e.drift &&
          (e.drift.flagged ? (
            <span className="badge badge-flagged" data-testid="drift-flag">
              Flagged: DINO below {e.drift.threshold}
            </span>
          ) : (
            <span className="badge badge-OK">Within threshold {e.drift.threshold}</span>
          ))}
      </h2>
      {e.drift ? (
        <p>
          <q>{e.drift.prompt}</q> drawn by this checkpoint and by the base model with the same seeds: CLIP-I <strong className="num">{fmtScore(e.drift.clipI)}</strong>, DINO{" "}
          <strong className="num">{fmtScore(e.drift.dino)}</strong> (1 = the class looks as before).
        </p>
      ) : (
        <p className="subtle">Measured when the evaluation has finished.</p>
      )}
    </section>
  );
}
