"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import type { ModelCardQuery } from "@/generated/graphql";
import { MODEL_CARD_QUERY } from "@/graphql/sharing";
import type { ApiClient } from "@/lib/session";
import { CopyButton } from "../common/CopyButton";
import { apiErrorText, when } from "../common/format";
import { StageSettings } from "./StageSettings";

type Card = NonNullable<ModelCardQuery["checkpoint"]>["modelCard"];

const fmt = (v: number) => v.toFixed(3);

/** What a checkpoint is and how it was made, from `checkpoint.modelCard`; "Copy as Markdown" copies its README. */
export function ModelCardPanel({ checkpointId, api }: { checkpointId: string; api: ApiClient }) {
  const [card, setCard] = useState<Card | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    api
      .request<ModelCardQuery>(MODEL_CARD_QUERY, { id: checkpointId }, ac.signal)
      .then((d) => (d.checkpoint ? setCard(d.checkpoint.modelCard) : setError("Checkpoint not found")))
      .catch((err: unknown) => !ac.signal.aborted && setError(apiErrorText(err)));
    return () => ac.abort();
  }, [api, checkpointId]);

  return (
    <section className="panel model-card" aria-labelledby="card-title" data-testid="model-card">
      <div className="page-head">
        <h2 id="card-title">Model card</h2>
        {card && <CopyButton text={card.markdown} label="Copy as Markdown" />}
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : !card ? (
        <p className="skeleton">Loading model card…</p>
      ) : (
        <CardBody card={card} />
      )}
    </section>
  );
}

function CardBody({ card }: { card: Card }) {
  return (
    <div className="stack">
      <dl className="facts">
        <div>
          <dt>Base model</dt>
          <dd>
            {card.baseModel}
            {card.baseModelRevision ? (
              <>
                {" "}
                · revision <code>{card.baseModelRevision}</code>
              </>
            ) : (
              <span className="subtle"> · revision unknown</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Method</dt>
          <dd>{card.method}</dd>
        </div>
        <div>
          <dt>Token</dt>
          <dd>
            <code data-testid="card-token">{card.token}</code> · class noun <strong>{card.classNoun}</strong>
          </dd>
        </div>
        {card.instancePrompt && (
          <div>
            <dt>Trained on</dt>
            <dd>
              <code>{card.instancePrompt}</code>
            </dd>
          </div>
        )}
        <div>
          <dt>Checkpoint</dt>
          <dd>
            {card.stage} step {card.step} · sha256 <code className="hash">{card.checkpointSha256}</code>
          </dd>
        </div>
        <div>
          <dt>Trained by</dt>
          <dd>
            {card.trainedBy?.name ?? "—"} ({card.team.name}) · {when(card.trainedAt)}
          </dd>
        </div>
      </dl>
      <StageSettings settings={card.stageSettings} />
      <Scores scores={card.evaluations} />
      <SubjectImages images={card.subjectImages} />
    </div>
  );
}

function Scores({ scores }: { scores: Card["evaluations"] }) {
  if (scores.length === 0) return <p className="subtle">Not evaluated yet.</p>;
  return (
    <div className="table-scroll">
      <table className="table">
        <caption className="subhead caption-left">Evaluation (latest per protocol)</caption>
        <thead>
          <tr>
            <th scope="col">Protocol</th>
            <th scope="col" className="num">
              CLIP-I
            </th>
            <th scope="col" className="num">
              CLIP-T
            </th>
            <th scope="col" className="num">
              DINO
            </th>
            <th scope="col">Evaluated</th>
          </tr>
        </thead>
        <tbody>
          {scores.map((s) => (
            <tr key={s.evaluationId}>
              <th scope="row">
                <Link href={`/evaluations/${s.evaluationId}`}>{s.protocol}</Link>
              </th>
              <td className="num">{fmt(s.clipI)}</td>
              <td className="num">{fmt(s.clipT)}</td>
              <td className="num">{fmt(s.dino)}</td>
              <td>{when(s.evaluatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SubjectImages({ images }: { images: Card["subjectImages"] }) {
  return (
    <div>
      <h3 className="subhead">Subject photos ({images.length})</h3>
      <ul className="card-images">
        {images.map((img, i) => (
          <li key={img.sha256}>
            {img.thumbnailUrl ? <img src={img.thumbnailUrl} alt={`Subject photo ${i + 1}`} className="thumb" /> : <div className="thumb" aria-hidden="true" />}
            <code className="hash" title={img.sha256}>
              {img.sha256.slice(0, 12)}…
            </code>
          </li>
        ))}
      </ul>
    </div>
  );
}
