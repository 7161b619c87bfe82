"use client";

import type { ShareFieldsFragment } from "@/generated/graphql";
import { when } from "../common/format";

function status(s: ShareFieldsFragment): string {
  if (s.revokedAt) return `revoked ${when(s.revokedAt)}${s.revokedBy ? ` by ${s.revokedBy.name}` : ""}`;
  if (!s.active) return `expired ${when(s.expiresAt)}`;
  return s.expiresAt ? `active until ${when(s.expiresAt)}` : "active until revoked";
}

/** A run's shares, active first; each active one can be revoked. */
export function SharesList({ shares, onRevoke, busyId }: { shares: ShareFieldsFragment[]; onRevoke: (id: string) => void; busyId: string | null }) {
  if (shares.length === 0) return <p className="subtle">This run is not shared.</p>;
  const sorted = [...shares].sort((a, b) => Number(b.active) - Number(a.active));
  return (
    <ul className="share-list" data-testid="shares">
      {sorted.map((s) => (
        <li key={s.id} className="share-item" data-testid="share-row" data-active={s.active} data-kind={s.kind}>
          <div>
            <strong>{s.kind === "TEAM" ? `Team ${s.targetTeam?.name ?? "?"}` : "Link"}</strong>
            {s.promptOnly && <span className="badge role-badge">prompt only</span>}
            <div className="subtle">
              {status(s)} · created {when(s.createdAt)}
              {s.createdBy ? ` by ${s.createdBy.name}` : ""}
            </div>
          </div>
          {s.active && (
            <button type="button" className="btn btn-small" disabled={busyId === s.id} onClick={() => onRevoke(s.id)}>
              Revoke<span className="sr-only"> {s.kind === "TEAM" ? `share with ${s.targetTeam?.name ?? "team"}` : "link"}</span>
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
