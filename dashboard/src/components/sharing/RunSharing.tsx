"use client";

import { useEffect, useState } from "react";
import type { SharedWithMeQuery, SharesQuery } from "@/generated/graphql";
import { SHARED_WITH_ME, SHARES_QUERY } from "@/graphql/sharing";
import { GraphQLRequestError } from "@/lib/graphql";
import { useSession } from "@/lib/session";
import { ShareDialogButton } from "./ShareDialog";

type Access = { kind: "loading" } | { kind: "own" } | { kind: "shared"; team: string | null; message: string } | { kind: "unknown" };

/**
 * The API decides: `shares(runId)` answers for the team's own runs and is FORBIDDEN for a run another
 * team shared with us (the message says it is read-only). Own run + OWNER: the Share button.
 */
export function useRunAccess(runId: string): Access {
  const session = useSession();
  const [access, setAccess] = useState<Access>({ kind: "loading" });
  useEffect(() => {
    const ac = new AbortController();
    void (async () => {
      try {
        await session.request<SharesQuery>(SHARES_QUERY, { runId }, ac.signal);
        setAccess({ kind: "own" });
      } catch (err) {
        if (ac.signal.aborted) return;
        if (err instanceof GraphQLRequestError && err.code === "FORBIDDEN") {
          const d = await session.request<SharedWithMeQuery>(SHARED_WITH_ME, {}, ac.signal).catch(() => null);
          const s = d?.sharedWithMe.find((x) => x.run.id === runId);
          setAccess({ kind: "shared", team: s?.team.name ?? null, message: err.message });
        } else setAccess({ kind: "unknown" });
      }
    })();
    return () => ac.abort();
  }, [session, runId]);
  return access;
}

/** The Share button for the run's OWNERs. Renders nothing for anyone else. */
export function ShareButton({ runId }: { runId: string }) {
  const session = useSession();
  const access = useRunAccess(runId);
  if (session.viewer.role !== "OWNER" || access.kind !== "own") return null;
  return <ShareDialogButton runId={runId} />;
}

/** On a run shared with the caller's team: who shared it, and that it is read-only (the API's words). */
export function SharedRunNotice({ runId }: { runId: string }) {
  const access = useRunAccess(runId);
  if (access.kind !== "shared") return null;
  return (
    <p className="notice" role="note" data-testid="shared-run-notice" title={access.message}>
      Shared with your team{access.team ? ` by ${access.team}` : ""} — read-only: you can prompt its checkpoints and download them, but not cancel, evaluate or share the run (the
      API answers FORBIDDEN).
    </p>
  );
}
