import type { HumaneError } from "@/lib/errors";
import { toHumane } from "@/lib/errors";

/** A humane error line with the raw code on demand (a closed `<details>`). */
export function ErrorNote({ error, testId, className = "error" }: { error: unknown; testId?: string; className?: string }) {
  const h: HumaneError = toHumane(error);
  return (
    <div className={className} role="alert" data-testid={testId} data-code={h.code}>
      <span className="error-text">{h.text}</span>{" "}
      <details className="error-details">
        <summary>Details</summary>
        <code>{h.code}</code>
      </details>
    </div>
  );
}
