"use client";

import { useCallback, useState } from "react";
import type { TeamQuery } from "@/generated/graphql";
import { TEAM_QUERY } from "@/graphql/team";
import { useQuery } from "@/lib/query";
import { useSession } from "@/lib/session";
import { CopyButton } from "../common/CopyButton";
import { apiErrorText } from "../common/format";
import { ApiKeysPanel } from "./ApiKeysPanel";
import { AuditLog } from "./AuditLog";
import { InvitationsPanel } from "./InvitationsPanel";
import { MembersTable } from "./MembersTable";

/** The team: members, invitations and the access log (OWNER), and the caller's API keys. */
export function TeamPage() {
  const session = useSession();
  const q = useQuery<TeamQuery>(session, TEAM_QUERY);
  const data = q.data?.viewer ?? null;
  const error = q.error ? apiErrorText(q.error) : null;
  // Bumped after every change, so the access log shows it.
  const [version, setVersion] = useState(0);
  const { refetch } = q;
  const changed = useCallback(() => {
    void refetch();
    setVersion((v) => v + 1);
  }, [refetch]);

  if (!data)
    return error ? (
      <p className="error" role="alert">
        {error}
      </p>
    ) : (
      <p className="skeleton" role="status">
        Loading team…
      </p>
    );
  const owner = data.role === "OWNER";
  return (
    <div className="stack" data-testid="team-page">
      <div>
        <h1>{data.team.name}</h1>
        <p className="subtle">
          You are {data.user.name}, <span className="badge role-badge">{data.role}</span> of this team.
          {!owner && " Only OWNERs manage members, invitations and the access log."}
        </p>
        <p className="subtle team-id-row">
          Team id <code data-testid="team-id">{data.team.id}</code> <CopyButton text={data.team.id} label="Copy team id" />{" "}
          <span>: another team needs it to share a run with this team.</span>
        </p>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <MembersTable members={data.team.members} onChanged={changed} />
      {owner && <InvitationsPanel onChanged={changed} />}
      <ApiKeysPanel keys={data.apiKeys} onChanged={changed} />
      {owner && <AuditLog refreshKey={version} />}
    </div>
  );
}
