import type { EvaluationSummaryFragment } from "@/generated/graphql";
import { isActive } from "./evaluation.format";

const STATE_TEXT: Record<EvaluationSummaryFragment["state"], string> = {
  QUEUED: "queued",
  GENERATING: "generating",
  SCORING: "scoring",
  SUCCEEDED: "done",
  FAILED: "failed",
};

/**
 * One evaluation's state: a progress bar while it runs (fixed height, so rows do not move as it
 * advances), the error when it failed.
 */
export function EvaluationStatus({ evaluation: e }: { evaluation: EvaluationSummaryFragment }) {
  const pct = Math.round(Math.min(1, Math.max(0, e.progress)) * 100);
  return (
    <div className="eval-status" data-testid="evaluation-status" data-state={e.state}>
      <span className={`badge eval-${e.state}`}>{STATE_TEXT[e.state]}</span>
      {isActive(e) && (
        <>
          <div className="progress progress-thin" role="progressbar" aria-label={`${e.protocol} evaluation progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
            <div className="progress-fill" style={{ width: `${pct}%` }} />
          </div>
          <span className="subtle eval-count">{e.state === "SCORING" ? `${e.imagesScored}/${e.imagesTotal} scored` : `${e.imagesDone}/${e.imagesTotal} images`}</span>
        </>
      )}
      {e.state === "FAILED" && e.error && (
        <span className="error eval-error" data-testid="evaluation-error">
          <code>{e.error.code}</code> {e.error.message}
        </span>
      )}
    </div>
  );
}
