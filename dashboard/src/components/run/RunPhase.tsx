"use client";

import { useEffect, useState } from "react";
import { formatDuration, PHASE_TEXT, phaseSteps, type PhaseKey } from "./run.phase";

const TERMINAL: PhaseKey[] = ["succeeded", "failed", "canceled"];

/**
 * The current phase in words with how long it has lasted, the queue position while queued, and a
 * stepper of the phases (done / current / next). `since` is when the phase began (ms), when known.
 */
export function RunPhase({
  phase,
  method,
  since,
  queuePosition,
  estimatedStartAt,
  baseModelLoadMs = null,
  baseModelWarm = false,
}: {
  phase: PhaseKey;
  method: string;
  since: number | null;
  queuePosition: number | null | undefined;
  estimatedStartAt: string | null | undefined;
  /** From the run's PhaseChanged event: how long loading the base model took. */
  baseModelLoadMs?: number | null;
  /** the base model came already loaded from the trainer's warm engine */
  baseModelWarm?: boolean;
}) {
  const [now, setNow] = useState(() => Date.now());
  const ticking = !TERMINAL.includes(phase);
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  const steps = phaseSteps(method);
  const at = steps.indexOf(phase);
  const allDone = phase === "succeeded";
  return (
    <div>
      <p className="phase-line" data-testid="run-phase" data-phase={phase} aria-live="polite">
        <strong>{PHASE_TEXT[phase]}</strong>
        {phase === "queued" && (
          <span data-testid="run-queue">
            {queuePosition != null ? `position ${queuePosition} in the queue` : "waiting for a trainer"}
            {estimatedStartAt ? `, estimated start ${new Date(estimatedStartAt).toLocaleTimeString()}` : ""}
          </span>
        )}
        {ticking && since !== null && (
          <span className="subtle" data-testid="phase-elapsed">
            for {formatDuration((now - since) / 1000)}
          </span>
        )}
      </p>
      <ol className="phase-steps" aria-label="Run phases">
        {steps.map((k, i) => (
          <li key={k} data-status={allDone || (at >= 0 && i < at) ? "done" : i === at ? "current" : "next"}>
            {k === "queued"
              ? "queued"
              : k === "loading"
                ? baseModelLoadMs != null
                  ? `base model loaded in ${formatDuration(baseModelLoadMs / 1000)}${baseModelWarm ? " (warm engine)" : ""}`
                  : "loading base model"
                : k === "stage1"
                  ? method === "TWO_STAGE"
                    ? "stage 1"
                    : "training"
                  : k === "stage2"
                    ? "stage 2"
                    : "saving checkpoint"}
          </li>
        ))}
      </ol>
    </div>
  );
}
