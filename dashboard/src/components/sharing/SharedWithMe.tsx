"use client";

import Link from "next/link";
import type { SharedWithMeQuery } from "@/generated/graphql";
import { SHARED_WITH_ME } from "@/graphql/sharing";
import { useQuery } from "@/lib/query";
import { useSession } from "@/lib/session";
import { apiErrorText, when } from "../common/format";

/** Runs other teams shared with the caller's team (active shares only, newest first). */
export function SharedWithMe() {
  const session = useSession();
  const q = useQuery<SharedWithMeQuery>(session, SHARED_WITH_ME);
  const list = q.data?.sharedWithMe ?? null;
  const error = q.error && !q.data ? apiErrorText(q.error) : null;

  return (
    <div className="stack">
      <div>
        <h1>Shared with us</h1>
        <p className="subtle">Runs other teams shared with {session.viewer.team.name}. They are read-only: open a checkpoint to prompt it.</p>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : list === null ? (
        <p className="skeleton" role="status">
          Loading…
        </p>
      ) : list.length === 0 ? (
        <p className="panel subtle" data-testid="shared-empty">
          No other team has shared a run with you yet.
        </p>
      ) : (
        <div className="panel table-scroll">
          <table className="table" data-testid="shared-with-me">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Owner team</th>
                <th scope="col">Method</th>
                <th scope="col">State</th>
                <th scope="col">Shared</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.shareId} data-testid="shared-run-row">
                  <td>
                    <Link href={`/runs/${s.run.id}`}>{s.run.subject.name}</Link> <span className="subtle">{s.run.subject.classNoun}</span>
                  </td>
                  <td>{s.team.name}</td>
                  <td>
                    {s.run.method} <span className="subtle">{s.run.baseModel}</span>
                  </td>
                  <td>
                    <span className={`badge state-${s.run.state}`}>{s.run.state}</span>
                  </td>
                  <td>{when(s.sharedAt)}</td>
                  <td>{s.expiresAt ? when(s.expiresAt) : "until revoked"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
