"use client";

import { useEffect, useMemo, useState } from "react";
import type { SharedLinkQuery } from "@/generated/graphql";
import { SHARED_LINK } from "@/graphql/sharing";
import { GraphQLRequestError } from "@/lib/graphql";
import { bearerClient, useApiConfig } from "@/lib/session";
import { toHumane } from "@/lib/errors";
import { when } from "../common/format";
import { ModelCardPanel } from "../modelcard/ModelCardPanel";
import { SampleGrid } from "../run/SampleGrid";
import { stageOffsets, stepText } from "../run/run.steps";
import { LinkPrompt } from "./LinkPrompt";

type Shared = SharedLinkQuery["sharedLink"];
type Failure = { title: string; message: string; code: string };

/** The API's refusal in words: a revoked or expired link is FORBIDDEN, an unknown one UNAUTHENTICATED. */
function failureOf(err: unknown): Failure {
  const { text: message, code } = toHumane(err);
  if (err instanceof GraphQLRequestError) {
    if (err.code === "FORBIDDEN" && /revoked/i.test(err.message)) return { title: "This link was revoked", message, code };
    if (err.code === "FORBIDDEN" && /expired/i.test(err.message)) return { title: "This link has expired", message, code };
    if (err.code === "UNAUTHENTICATED") return { title: "This link is not valid", message, code };
  }
  return { title: "This link cannot be opened", message, code };
}

/** `/shared/<token>`: the run a share link opens, read with `Authorization: Bearer shl_…` (no API key). */
export function LinkView({ token }: { token: string }) {
  const { apiUrl, wsUrl } = useApiConfig();
  const api = useMemo(() => bearerClient(apiUrl, wsUrl, token), [apiUrl, wsUrl, token]);
  const [shared, setShared] = useState<Shared | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [checkpointId, setCheckpointId] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    api
      .request<SharedLinkQuery>(SHARED_LINK, {}, ac.signal)
      .then((d) => {
        setShared(d.sharedLink);
        const cps = d.sharedLink.run.checkpoints;
        setCheckpointId(cps.length ? cps[cps.length - 1]!.id : null);
      })
      .catch((err: unknown) => !ac.signal.aborted && setFailure(failureOf(err)));
    return () => ac.abort();
  }, [api]);

  if (failure)
    return (
      <section className="panel link-failure" role="alert" data-testid="link-error">
        <h1>{failure.title}</h1>
        <p>{failure.message}</p>
        <p className="subtle">Ask the team that shared it for a new link.</p>
        <details className="error-details">
          <summary>Details</summary>
          <code data-testid="link-error-code">{failure.code}</code>
        </details>
      </section>
    );
  if (!shared)
    return (
      <p className="skeleton" role="status">
        Opening the shared run…
      </p>
    );

  const run = shared.run;
  const ckpt = run.checkpoints.find((c) => c.id === checkpointId) ?? null;
  return (
    <div className="stack" data-testid="link-view">
      <div>
        <h1 data-testid="link-title">
          {run.subject.name} <span className="subtle">({run.subject.classNoun})</span>
        </h1>
        <p className="subtle">
          Shared by <strong>{shared.team.name}</strong> · {run.method} · {run.baseModel} · <span className={`badge state-${run.state}`}>{run.state}</span> · shared{" "}
          {when(shared.sharedAt)}
          {shared.expiresAt ? ` · link expires ${when(shared.expiresAt)}` : ""}
          {shared.promptOnly ? " · prompt only" : ""}
        </p>
      </div>
      <section className="panel" aria-labelledby="link-ckpts-title">
        <h2 id="link-ckpts-title">Checkpoints</h2>
        {run.checkpoints.length === 0 ? (
          <p className="subtle">No checkpoint yet.</p>
        ) : (
          <div className="row" role="group" aria-label="Choose a checkpoint">
            {run.checkpoints.map((c) => (
              <button
                key={c.id}
                type="button"
                className={`btn btn-small${c.id === checkpointId ? " btn-primary" : ""}`}
                aria-pressed={c.id === checkpointId}
                onClick={() => setCheckpointId(c.id)}
              >
                {stepText(c, stageOffsets(run.settings))}
              </button>
            ))}
          </div>
        )}
      </section>
      {ckpt && <LinkPrompt key={ckpt.id} api={api} checkpointId={ckpt.id} defaultPrompt={run.defaultPrompt} />}
      {ckpt && !shared.promptOnly && <ModelCardPanel key={`card-${ckpt.id}`} checkpointId={ckpt.id} api={api} />}
      <LinkSamples run={run} />
    </div>
  );
}

/** The run's training samples as the run page shows them: a prompt × step grid in training order. */
function LinkSamples({ run }: { run: Shared["run"] }) {
  if (run.samples.length === 0) return null;
  return <SampleGrid samples={run.samples} prompts={run.settings.samples?.prompts ?? []} offsets={stageOffsets(run.settings)} title="Training samples" />;
}
