"use client";

import Link from "next/link";
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import type { CancelRunMutation, CheckpointFieldsFragment, RunEventBatchesSubscription, RunQuery, SampleFieldsFragment } from "@/generated/graphql";
import { CANCEL_RUN, RUN_EVENT_BATCHES, RUN_QUERY } from "@/graphql/runs";
import { errorText, GraphQLRequestError } from "@/lib/graphql";
import { jitteredBackoff, useSession } from "@/lib/session";
import { EvaluationPanel } from "../evaluation/EvaluationPanel";
import { SharedRunNotice, ShareButton } from "../sharing/RunSharing";
import { useRunEvaluations } from "../evaluation/useRunEvaluations";
import { LossChart, type LossPointLite } from "./LossChart";
import { formatDuration, phaseOf, windowRate, type PhaseKey } from "./run.phase";
import { RunPhase } from "./RunPhase";
import { byStageStep, stageOffsets as offsetsOf } from "./run.steps";
import { SampleGrid } from "./SampleGrid";

type RunT = NonNullable<RunQuery["run"]>;
type RunEvent = RunEventBatchesSubscription["runEventBatches"]["events"][number];

interface State {
  run: RunT | null;
  notFound: boolean;
  losses: LossPointLite[];
  samples: SampleFieldsFragment[];
  checkpoints: CheckpointFieldsFragment[];
  /** The newest event applied: the stream resumes after it. */
  lastSeq: number;
  /** (cumulative step, ms) of recent live losses, for steps/s. */
  recent: { step: number; t: number }[];
  /** When each stage started (ms, from StageStarted), and when the newest loss was logged. */
  stageAt: Record<string, number>;
  lastLossAt: number | null;
  /** How long loading the base model took (PhaseChanged ENDED), once known. */
  baseModelLoadMs: number | null;
  /** the trainer's warm engine had the base model loaded before the run was claimed */
  baseModelWarm: boolean;
}

type Action = { type: "loaded"; run: RunT | null } | { type: "event"; e: RunEvent } | { type: "patch"; patch: Partial<RunT> };

const STAGE_LABEL: Record<string, string> = { class_images: "class images", stage1: "1 · token", stage2: "2 · UNet" };
const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELED"]);
const QUEUE_POLL_MS = 3000;

const stageOffsets = (run: RunT | null) => offsetsOf(run?.settings);

const lossKey = (p: { stage: string; step: number }) => `${p.stage}:${p.step}`;
const sampleKey = (s: { stage: string; step: number; promptIndex: number }) => `${s.stage}:${s.step}:${s.promptIndex}`;

/** Merges points by (stage, step): a point seen twice (query + stream) is kept once. */
function mergeLosses(a: LossPointLite[], b: LossPointLite[]): LossPointLite[] {
  const m = new Map(a.map((p) => [lossKey(p), p]));
  for (const p of b) m.set(lossKey(p), { stage: p.stage, step: p.step, loss: p.loss });
  return [...m.values()].sort(byStageStep);
}
function mergeBy<T>(a: T[], b: T[], key: (t: T) => string): T[] {
  const m = new Map(a.map((x) => [key(x), x]));
  for (const x of b) m.set(key(x), x);
  return [...m.values()];
}

function reducer(s: State, a: Action): State {
  switch (a.type) {
    case "loaded": {
      if (!a.run) return { ...s, notFound: true };
      const run = a.run;
      return {
        ...s,
        run,
        notFound: false,
        losses: mergeLosses(s.losses, run.losses),
        samples: mergeBy(s.samples, run.samples, sampleKey),
        checkpoints: mergeBy(s.checkpoints, run.checkpoints, (c) => c.id),
        lastSeq: Math.max(s.lastSeq, run.lastEventSeq),
      };
    }
    case "patch":
      return s.run ? { ...s, run: { ...s.run, ...a.patch } } : s;
    case "event": {
      const e = a.e;
      // The stream is in seq order with no gap; anything at or below lastSeq was applied already. An event
      // type this page's subscription does not select yet (a newer API) arrives without fields: skipped.
      if (typeof (e as { seq?: unknown }).seq !== "number" || e.seq <= s.lastSeq || !s.run) return s;
      const next: State = { ...s, lastSeq: e.seq };
      const run = s.run;
      switch (e.__typename) {
        case "RunStateChanged":
          next.run = {
            ...run,
            state: e.state,
            // The stream says when the run started and ended; the header shows it without a reload.
            startedAt: run.startedAt ?? (e.state === "RUNNING" ? e.at : null),
            finishedAt: run.finishedAt ?? (TERMINAL.has(e.state) ? e.at : null),
            queuePosition: e.state === "QUEUED" ? run.queuePosition : null,
            error: e.errorCode ? { code: e.errorCode, message: e.errorMessage ?? "", logTail: run.error?.logTail ?? null } : run.error,
          };
          break;
        case "StageStarted":
          next.run = { ...run, stage: e.stage };
          next.stageAt = { ...s.stageAt, [e.stage]: Date.parse(e.at) };
          break;
        case "LossLogged": {
          const cum = (stageOffsets(run)[e.stage] ?? 0) + e.step;
          next.losses = mergeLosses(s.losses, [e]);
          next.run = { ...run, stage: e.stage, step: Math.max(run.step, cum) };
          next.recent = [...s.recent, { step: cum, t: Date.parse(e.at) }].slice(-300);
          next.lastLossAt = Date.parse(e.at);
          break;
        }
        case "SampleSaved": {
          const sample: SampleFieldsFragment = e.sample ?? { id: `${e.seq}`, stage: e.stage, step: e.step, prompt: e.prompt, promptIndex: e.promptIndex, url: e.url ?? "" };
          next.samples = mergeBy(s.samples, [sample], sampleKey);
          break;
        }
        case "CheckpointSaved":
          if (e.checkpoint) next.checkpoints = mergeBy(s.checkpoints, [e.checkpoint], (c) => c.id);
          break;
        case "PhaseChanged":
          // the engine says when it starts and ends loading the base model (docs/base-models.md)
          if (e.phaseState === "STARTED") next.stageAt = { ...s.stageAt, loading: Date.parse(e.at) };
          else if (e.durationMs != null) {
            next.baseModelLoadMs = e.durationMs;
            next.baseModelWarm = e.warmEngine === true;
          }
          break;
      }
      return next;
    }
  }
}

const lr = (v: number) => (v < 0.01 ? v.toExponential().replace(/\.?0+e/, "e") : String(v));

/** Steps/s over a 20 s window of the stream's own timestamps; before any live point, the run's average. */
function rate(state: State): number | null {
  const w = windowRate(state.recent);
  if (w !== null) return w;
  const run = state.run;
  if (run?.startedAt && run.step > 0) {
    const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
    const dt = (end - Date.parse(run.startedAt)) / 1000;
    if (dt > 0) return run.step / dt;
  }
  return null;
}

export function RunView({ runId }: { runId: string }) {
  const session = useSession();
  const [state, dispatch] = useReducer(reducer, {
    run: null,
    notFound: false,
    losses: [],
    samples: [],
    checkpoints: [],
    lastSeq: 0,
    recent: [],
    stageAt: {},
    lastLossAt: null,
    baseModelLoadMs: null,
    baseModelWarm: false,
  });
  const [loadError, setLoadError] = useState<string | null>(null);
  const [live, setLive] = useState<"connecting" | "live" | "reconnecting" | "ended">("connecting");
  const [cancelError, setCancelError] = useState<string | null>(null);
  const lastSeqRef = useRef(0);
  lastSeqRef.current = state.lastSeq;
  const runState = state.run?.state;
  const loaded = state.run !== null;
  const evals = useRunEvaluations(
    runId,
    state.checkpoints.map((c) => c.id),
  );
  // The stream callback outlives renders; it reaches the newest refresh through a ref.
  const refreshEvalsRef = useRef(evals.refresh);
  refreshEvalsRef.current = evals.refresh;

  const load = useCallback(async () => {
    try {
      const data = await session.request<RunQuery>(RUN_QUERY, { id: runId });
      dispatch({ type: "loaded", run: data.run });
      setLoadError(null);
      return data.run;
    } catch (err) {
      if (err instanceof GraphQLRequestError && err.code === "NOT_FOUND") dispatch({ type: "loaded", run: null });
      else setLoadError(errorText(err));
      return null;
    }
  }, [session, runId]);

  useEffect(() => {
    void load();
  }, [load]);

  // The queue position is not on the stream: read it again every few seconds while the run waits.
  useEffect(() => {
    if (runState !== "QUEUED") return;
    const t = setInterval(() => void load(), QUEUE_POLL_MS);
    return () => clearInterval(t);
  }, [runState, load]);

  // When each phase was first seen here, for phases the stream gives no start time of.
  const seenAt = useRef(new Map<PhaseKey, number>());

  // The live stream: starts after the loaded run's lastEventSeq; on every reconnect it subscribes again
  // after the newest seq applied, so no point is missed or drawn twice. It stays open after training
  // while evaluation results are still on their way (they arrive as EvaluationUpdated events).
  const streaming = loaded && runState !== undefined && (!TERMINAL.has(runState) || evals.pending);
  useEffect(() => {
    if (!streaming) return;
    let dispose: (() => void) | null = null;
    let connections = 0;
    let stopped = false;
    let retries = 0;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    // A retryable refusal (UNAVAILABLE: the API is busy) arrives as an error result on an open socket:
    // resubscribe after a jittered pause, from the newest seq applied.
    const retryLater = () => {
      if (stopped || retryTimer) return;
      setLive("reconnecting");
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (!stopped) subscribe();
      }, jitteredBackoff(retries++));
    };
    const subscribe = () => {
      dispose?.();
      // one message per committed batch (docs/live-events.md), applied event by event
      dispose = client.subscribe<RunEventBatchesSubscription>(
        { query: RUN_EVENT_BATCHES, variables: { runId, afterSeq: lastSeqRef.current } },
        {
          next: (r) => {
            if (r.errors?.length) {
              if (r.errors.some((e) => e.extensions?.code === "UNAVAILABLE")) retryLater();
              return;
            }
            if (r.data) {
              retries = 0;
              setLive("live");
              const batch = r.data.runEventBatches.events;
              for (const e of batch) dispatch({ type: "event", e });
              // Scores and the recommendation are read fresh: a finished evaluation can change which
              // checkpoint is recommended; a new checkpoint gets its automatic QUICK evaluation.
              if (batch.some((e) => e.__typename === "EvaluationUpdated" || e.__typename === "CheckpointSaved")) void refreshEvalsRef.current();
              if (batch.some((e) => e.__typename === "RunStateChanged" && TERMINAL.has(e.state))) {
                setLive("ended");
                // Final figures, the error's log tail, anything the stream does not carry.
                void load();
              }
            }
          },
          error: () => !stopped && setLive("reconnecting"),
          complete: () => undefined,
        },
      );
    };
    const client = session.wsClient({
      onConnected: () => {
        connections += 1;
        setLive("live");
        if (connections > 1) subscribe();
      },
    });
    const offClosed = client.on("closed", () => !stopped && setLive("reconnecting"));
    subscribe();
    return () => {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      offClosed();
      dispose?.();
      void client.dispose();
    };
  }, [streaming, runId, session, load]);

  const cancel = async () => {
    setCancelError(null);
    try {
      const d = await session.request<CancelRunMutation>(CANCEL_RUN, { id: runId });
      dispatch({ type: "patch", patch: { state: d.cancelRun.state, cancelRequested: d.cancelRun.cancelRequested } });
    } catch (err) {
      setCancelError(errorText(err));
    }
  };

  if (state.notFound)
    return (
      <section className="panel" data-testid="not-found">
        <h1>Run not found</h1>
        <p className="subtle">There is no run {runId} in your team. It may belong to another team.</p>
        <Link href="/runs">All runs</Link>
      </section>
    );
  if (!state.run)
    return loadError ? (
      <p className="error" role="alert">
        {loadError}
      </p>
    ) : (
      <p className="skeleton" role="status">
        Loading run…
      </p>
    );

  const run = state.run;
  const pct = run.totalSteps > 0 ? Math.min(100, (run.step / run.totalSteps) * 100) : 0;
  const r = rate(state);
  const phase = phaseOf({ state: run.state, stage: run.stage, step: run.step, totalSteps: run.totalSteps, cancelRequested: run.cancelRequested, points: state.losses.length });
  if (!seenAt.current.has(phase)) seenAt.current.set(phase, Date.now());
  const knownSince: Partial<Record<PhaseKey, number | null>> = {
    queued: Date.parse(run.createdAt),
    loading: state.stageAt.loading ?? (run.startedAt ? Date.parse(run.startedAt) : null),
    stage1: state.stageAt.stage1 ?? null,
    stage2: state.stageAt.stage2 ?? null,
    class_images: state.stageAt.class_images ?? null,
    finishing: state.lastLossAt,
  };
  const since = knownSince[phase] ?? seenAt.current.get(phase) ?? null;
  const training = phase === "stage1" || phase === "stage2" || phase === "class_images";
  const left = r && training ? (run.totalSteps - run.step) / r : null;
  const cfg = run.settings; // typed (Run.settings): no more guessing where the API keeps what
  const prompts = (cfg.samples?.prompts ?? []).slice();
  const settings = [
    cfg.stage1 && `stage 1: ${cfg.stage1.steps} steps @ ${lr(cfg.stage1.learningRate)}${cfg.stage1.checkpointEvery ? `, checkpoint every ${cfg.stage1.checkpointEvery}` : ""}`,
    cfg.stage2 && `stage 2: ${cfg.stage2.steps} steps @ ${lr(cfg.stage2.learningRate)}${cfg.stage2.checkpointEvery ? `, checkpoint every ${cfg.stage2.checkpointEvery}` : ""}`,
    cfg.stage2 && cfg.preset === "SECTION_4_1" && "preset: the paper's §4.1 protocol",
    cfg.maxGradNorm !== undefined && (cfg.maxGradNorm === null ? "no gradient clipping" : `gradient norm clipped at ${cfg.maxGradNorm}`),
  ].filter(Boolean);
  return (
    <div className="run" data-testid="run-view" data-state={run.state}>
      <div className="run-head">
        <div>
          <h1>
            Run of <Link href={`/subjects/${run.subject.id}`}>{run.subject.name}</Link>
          </h1>
          <p className="subtle">
            {run.method} · {run.baseModel} ·{" "}
            <span data-testid="run-started">
              {run.startedAt
                ? `started ${new Date(run.startedAt).toLocaleString()}`
                : run.state === "QUEUED"
                  ? `queued ${new Date(run.createdAt).toLocaleTimeString()}`
                  : "not started"}
            </span>{" "}
            · <span data-testid="live-status">{TERMINAL.has(run.state) ? "finished" : live === "reconnecting" ? "reconnecting…" : live}</span>
          </p>
          {settings.length > 0 && <p className="subtle">{settings.join(" · ")}</p>}
        </div>
        <div className="run-actions">
          <span className={`badge state-${run.state}`} data-testid="run-state">
            {run.state}
          </span>
          {(run.state === "QUEUED" || run.state === "RUNNING") && (
            <button type="button" className="btn" onClick={() => void cancel()} disabled={run.cancelRequested}>
              {run.cancelRequested ? "Canceling…" : "Cancel run"}
            </button>
          )}
          <ShareButton runId={run.id} />
        </div>
      </div>
      <SharedRunNotice runId={run.id} />
      {cancelError && (
        <p className="error" role="alert">
          {cancelError}
        </p>
      )}

      <section className="panel progress-panel" aria-label="Progress">
        <RunPhase
          phase={phase}
          method={run.method}
          since={since}
          queuePosition={run.queuePosition}
          estimatedStartAt={run.estimatedStartAt}
          baseModelLoadMs={state.baseModelLoadMs}
          baseModelWarm={state.baseModelWarm}
        />
        <div className="progress-row">
          <span>
            Stage <strong data-testid="run-stage">{run.stage ? (STAGE_LABEL[run.stage] ?? run.stage) : phase === "loading" ? "not started" : "—"}</strong>
          </span>
          <span data-testid="run-step">
            step {run.step} / {run.totalSteps}
          </span>
          <span data-testid="run-rate" title="Averaged over the last 20 seconds">
            {r ? `${r.toFixed(r >= 10 ? 1 : 2)} steps/s` : "— steps/s"}
          </span>
          <span data-testid="run-left">
            {left !== null
              ? `${formatDuration(left)} left`
              : TERMINAL.has(run.state)
                ? run.startedAt && run.finishedAt
                  ? `took ${formatDuration((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000)}`
                  : "done"
                : phase === "finishing"
                  ? "saving…"
                  : "— left"}
          </span>
        </div>
        <div className="progress" role="progressbar" aria-label="Training progress" aria-valuemin={0} aria-valuemax={run.totalSteps} aria-valuenow={run.step}>
          <div className="progress-fill" style={{ width: `${pct}%` }} />
        </div>
      </section>

      {run.state === "FAILED" && run.error && (
        <section className="panel failure" role="alert" data-testid="run-error">
          <h2>
            Failed: <code>{run.error.code}</code>
          </h2>
          <p>{run.error.message}</p>
          {run.attemptErrors.length > 0 && (
            <ul data-testid="run-attempt-errors">
              {run.attemptErrors.map((a) => (
                <li key={a.attempt}>
                  attempt {a.attempt} of {run.maxAttempts}: <code>{a.code}</code> at {new Date(a.at).toLocaleString()} — {a.message}
                </li>
              ))}
            </ul>
          )}
          {run.error.logTail && (
            <details open>
              <summary>Log tail</summary>
              <pre className="log">{run.error.logTail}</pre>
            </details>
          )}
        </section>
      )}

      <LossChart points={state.losses} stageOffsets={stageOffsets(run)} totalSteps={run.totalSteps} />

      <EvaluationPanel checkpoints={state.checkpoints} offsets={stageOffsets(run)} totalSteps={run.totalSteps} evals={evals} />

      <SampleGrid samples={state.samples} prompts={prompts} offsets={stageOffsets(run)} />
    </div>
  );
}
