"use client";

import Link from "next/link";
import { toHumane } from "@/lib/errors";

/** A page that threw while rendering: a humane message, a retry, and a way back — the top bar stays. */
export default function RouteError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const h = toHumane(error);
  return (
    <section className="panel" role="alert" data-testid="route-error">
      <h1>This page could not be shown</h1>
      <p>{h.text}</p>
      <p className="row">
        <button type="button" className="btn btn-primary" onClick={reset}>
          Try again
        </button>
        <Link href="/runs">All runs</Link>
      </p>
      {error.digest && (
        <details className="error-details">
          <summary>Details</summary>
          <code>{error.digest}</code>
        </details>
      )}
    </section>
  );
}
