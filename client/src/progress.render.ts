import type { RunEvent } from "./run.watch.js";

/** What `runs watch` knows about a run, rebuilt from its events (so a replay shows the same). */
export interface RunProgress {
  state: string | null;
  stage: string | null;
  /** Steps of the current stage. */
  stageTotal: number;
  step: number;
  loss: number | null;
  /** ms since epoch of the current stage's StageStarted. */
  stageStartedAt: number | null;
  /** ms since epoch of the newest LossLogged. */
  lastLossAt: number | null;
  checkpoints: number;
  samples: number;
  errorCode: string | null;
  errorMessage: string | null;
  /** The phase under way before training (LOADING_BASE_MODEL), or null. */
  phase: string | null;
}

export function emptyProgress(): RunProgress {
  return {
    state: null,
    stage: null,
    stageTotal: 0,
    step: 0,
    loss: null,
    stageStartedAt: null,
    lastLossAt: null,
    checkpoints: 0,
    samples: 0,
    errorCode: null,
    errorMessage: null,
    phase: null,
  };
}

/** Folds one event into the progress (pure). */
export function applyEvent(p: RunProgress, e: RunEvent): RunProgress {
  const at = Date.parse(e.at);
  switch (e.__typename) {
    case "RunStateChanged":
      return { ...p, state: e.state, errorCode: e.errorCode ?? null, errorMessage: e.errorMessage ?? null };
    case "StageStarted":
      return { ...p, stage: e.stage, stageTotal: e.totalSteps, step: 0, loss: null, stageStartedAt: at, lastLossAt: null };
    case "LossLogged":
      return { ...p, stage: e.stage, step: e.step, loss: e.loss, lastLossAt: at, stageStartedAt: p.stageStartedAt ?? at };
    case "CheckpointSaved":
      return { ...p, checkpoints: p.checkpoints + 1 };
    case "SampleSaved":
      return { ...p, samples: p.samples + 1 };
    case "PhaseChanged":
      return { ...p, phase: e.phaseState === "STARTED" ? e.phase : null };
    default:
      return p;
  }
}

/**
 * Steps per second over the current stage, from the events' own timestamps (not the wall clock),
 * so a replayed history shows the speed the run really had. Null until measurable.
 */
export function stepsPerSecond(p: RunProgress): number | null {
  if (p.stageStartedAt === null || p.lastLossAt === null || p.step < 1) return null;
  const seconds = (p.lastLossAt - p.stageStartedAt) / 1000;
  return seconds > 0 ? p.step / seconds : null;
}

/** Seconds left in the current stage at the measured speed. */
export function etaSeconds(p: RunProgress): number | null {
  const rate = stepsPerSecond(p);
  return rate ? Math.max(0, (p.stageTotal - p.step) / rate) : null;
}

export function formatDuration(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export function formatLoss(loss: number): string {
  return Math.abs(loss) >= 1e-3 && Math.abs(loss) < 1e4 ? loss.toFixed(4) : loss.toExponential(3);
}

function stats(p: RunProgress): string[] {
  const parts: string[] = [];
  if (p.loss !== null) parts.push(`loss ${formatLoss(p.loss)}`);
  const rate = stepsPerSecond(p);
  if (rate !== null) parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} it/s`);
  const eta = etaSeconds(p);
  if (eta !== null && p.step < p.stageTotal) parts.push(`ETA ${formatDuration(eta)}`);
  return parts;
}

/**
 * The single-line bar for a terminal: `stage2 [██████░░░░] 12/40  loss 0.1234  3.2 it/s  ETA 0:09`,
 * never wider than `columns` (the bar shrinks first, then the line is cut).
 */
export function renderBar(p: RunProgress, columns = 80): string {
  if (!p.stage && p.phase === "LOADING_BASE_MODEL") return truncate(`${p.state ?? "RUNNING"}: loading base model…`, columns);
  if (!p.stage) return truncate(`${p.state ?? "waiting"}: waiting for the trainer to start…`, columns);
  const counter = `${p.step}/${p.stageTotal}`;
  const tail = stats(p).join("  ");
  const fixed = `${p.stage} [] ${counter}${tail ? `  ${tail}` : ""}`;
  const width = Math.max(0, Math.min(30, columns - fixed.length - 1));
  const filled = p.stageTotal > 0 ? Math.round((Math.min(p.step, p.stageTotal) / p.stageTotal) * width) : 0;
  const bar = width > 0 ? ` [${"█".repeat(filled)}${"░".repeat(width - filled)}]` : "";
  return truncate(`${p.stage}${bar} ${counter}${tail ? `  ${tail}` : ""}`, columns);
}

/**
 * One plain line per event worth reading in a log (when stderr is not a terminal), or null.
 * Loss lines are thinned to about 20 per stage.
 */
export function renderLine(p: RunProgress, e: RunEvent): string | null {
  switch (e.__typename) {
    case "RunStateChanged":
      return `state ${e.state}${e.errorCode ? ` — ${e.errorCode}: ${e.errorMessage ?? ""}` : ""}`;
    case "StageStarted":
      return `stage ${e.stage} started (${e.totalSteps} steps)`;
    case "LossLogged": {
      const every = Math.max(1, Math.ceil(p.stageTotal / 20));
      if (e.step % every !== 0 && e.step !== p.stageTotal && e.step !== 1) return null;
      const tail = stats(p);
      return `${e.stage} step ${e.step}/${p.stageTotal}${tail.length ? `  ${tail.join("  ")}` : ""}`;
    }
    case "CheckpointSaved":
      return `checkpoint ${e.stage} step ${e.step} saved${e.checkpoint ? ` (${e.checkpoint.id})` : ""}`;
    case "SampleSaved":
      return `sample ${e.stage} step ${e.step} saved (prompt ${e.promptIndex}, seed ${e.seed})`;
    case "EvaluationUpdated":
      return `evaluation ${e.protocol} of ${e.checkpointId}: ${e.evaluationState}`;
    case "PhaseChanged":
      return e.phaseState === "STARTED"
        ? `loading base model${e.baseModel ? ` ${e.baseModel}` : ""}…`
        : `base model${e.baseModel ? ` ${e.baseModel}` : ""} loaded in ${((e.durationMs ?? 0) / 1000).toFixed(1)} s${e.warmEngine ? " (warm engine: loaded before the run)" : ""}`;
    default:
      return null;
  }
}

function truncate(s: string, columns: number): string {
  return s.length <= columns ? s : `${s.slice(0, Math.max(0, columns - 1))}…`;
}
