"use client";

import { useEffect, useState } from "react";
import type { AuditAction, ShareAuditQuery } from "@/generated/graphql";
import { AUDIT_QUERY } from "@/graphql/team";
import { useSession } from "@/lib/session";
import { apiErrorText, when } from "../common/format";

type Entry = ShareAuditQuery["shareAudit"][number];

const ACTION: Record<AuditAction, string> = {
  SHARE_CREATED: "shared a run",
  SHARE_REVOKED: "revoked a share",
  MEMBER_INVITED: "invited someone",
  INVITATION_REVOKED: "revoked an invitation",
  MEMBER_JOINED: "joined",
  MEMBER_REMOVED: "removed a member",
  ROLE_CHANGED: "changed a role",
  KEY_REVOKED: "revoked an API key",
};

/** The details object as short `key: value` pairs (it differs per action). */
function details(d: unknown): string {
  if (!d || typeof d !== "object") return "";
  return Object.entries(d as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

/** OWNER: the team's access log, newest first (`refreshKey` re-reads it after a change on the page). */
export function AuditLog({ refreshKey }: { refreshKey: number }) {
  const session = useSession();
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    session
      .request<ShareAuditQuery>(AUDIT_QUERY, { first: 100 }, ac.signal)
      .then((d) => setEntries(d.shareAudit))
      .catch((err: unknown) => !ac.signal.aborted && setError(apiErrorText(err)));
    return () => ac.abort();
  }, [session, refreshKey]);

  return (
    <section className="panel" aria-labelledby="audit-title">
      <h2 id="audit-title">Access log</h2>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : entries === null ? (
        <p className="skeleton">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="subtle">Nothing yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                  <td className="nowrap">{when(e.at)}</td>
                  <td>{e.actor?.name ?? <span className="subtle">someone (deleted)</span>}</td>
                  <td>
                    <span className="badge audit-badge">{e.action}</span> <span className="subtle">{ACTION[e.action]}</span>
                  </td>
                  <td className="audit-details">{details(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
