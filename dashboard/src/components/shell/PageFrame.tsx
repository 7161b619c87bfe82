"use client";

import type { ReactNode } from "react";
import { useKeyCheck, useOptionalSession } from "@/lib/session";

/**
 * A signed-in page's frame: its heading, the headings of its panels and a placeholder where data will come.
 * The server renders this (the API key lives in the tab's sessionStorage, so the server has no team data);
 * once the key is checked in the browser, `children` (the client component that fetches) takes its place.
 * A signed-out visitor gets the sign-in form from the session provider instead of the page.
 */
export function PageFrame({ title, panels = [], children }: { title: string; panels?: string[]; children: ReactNode }) {
  const session = useOptionalSession();
  const check = useKeyCheck();
  if (session) return <>{children}</>;
  return (
    <div className="stack" data-testid="page-frame" aria-busy="true">
      <div className="page-head">
        <h1>{title}</h1>
      </div>
      <p className="skeleton" role="status">
        {check === "checking" ? "Checking your key…" : "Loading…"}
      </p>
      {panels.length === 0 ? (
        <div className="panel">
          <div className="skeleton-block" aria-hidden="true" />
        </div>
      ) : (
        panels.map((p) => (
          <section key={p} className="panel" aria-label={p}>
            <h2>{p}</h2>
            <div className="skeleton-block" aria-hidden="true" />
          </section>
        ))
      )}
      <noscript>
        <p className="error">The dashboard needs JavaScript: your API key is checked in this browser tab.</p>
      </noscript>
    </div>
  );
}
