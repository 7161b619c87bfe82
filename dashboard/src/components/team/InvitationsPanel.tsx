"use client";

import { useCallback, useEffect, useState } from "react";
import type { CreateInvitationMutation, InvitationFieldsFragment, InvitationsQuery, RevokeInvitationMutation, TeamRole } from "@/generated/graphql";
import { CREATE_INVITATION, INVITATIONS_QUERY, REVOKE_INVITATION } from "@/graphql/team";
import { useSession } from "@/lib/session";
import { CopyButton } from "../common/CopyButton";
import { apiErrorText, when } from "../common/format";
import { ROLES } from "./MembersTable";

const pending = (i: InvitationFieldsFragment) => !i.acceptedAt && !i.revokedAt && Date.parse(i.expiresAt) > Date.now();

/** OWNER: invite with a role and an expiry; the code is shown once. Pending invitations can be revoked. */
export function InvitationsPanel({ onChanged }: { onChanged: () => void }) {
  const session = useSession();
  const [list, setList] = useState<InvitationFieldsFragment[] | null>(null);
  const [role, setRole] = useState<TeamRole>("MEMBER");
  const [hours, setHours] = useState("72");
  const [created, setCreated] = useState<{ code: string; role: TeamRole; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setList((await session.request<InvitationsQuery>(INVITATIONS_QUERY)).invitations);
    } catch (err) {
      setError(apiErrorText(err));
    }
  }, [session]);
  useEffect(() => void load(), [load]);

  const create = async () => {
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const d = await session.request<CreateInvitationMutation>(CREATE_INVITATION, { role, expiresInHours: Number(hours) });
      setCreated({ code: d.createInvitation.code, role: d.createInvitation.invitation.role, expiresAt: d.createInvitation.invitation.expiresAt });
      await load();
      onChanged();
    } catch (err) {
      setError(apiErrorText(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: string) => {
    setError(null);
    try {
      await session.request<RevokeInvitationMutation>(REVOKE_INVITATION, { id });
      await load();
      onChanged();
    } catch (err) {
      setError(apiErrorText(err));
    }
  };

  const open = (list ?? []).filter(pending);
  return (
    <section className="panel" aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label className="field">
          <span>Role</span>
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>
            Expires in <span className="hint">hours, 1–720</span>
          </span>
          <input name="expiresInHours" type="number" min={1} max={720} required value={hours} onChange={(e) => setHours(e.target.value)} />
        </label>
        <div className="field field-action">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Creating…" : "Create invitation"}
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {created && (
        <div className="secret-box" data-testid="invitation-code">
          <p>
            Give this code to the person joining as <strong>{created.role}</strong>. It works once, until {when(created.expiresAt)}. It is shown only now.
          </p>
          <div className="secret-row">
            <code className="secret">{created.code}</code>
            <CopyButton text={created.code} label="Copy code" />
          </div>
          <p className="subtle">They open {typeof window !== "undefined" ? `${window.location.origin}/join` : "/join"} and paste it.</p>
        </div>
      )}
      <h3 className="subhead">Pending</h3>
      {list === null ? (
        <p className="skeleton">Loading…</p>
      ) : open.length === 0 ? (
        <p className="subtle">No pending invitations.</p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="invitations">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">By</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {open.map((i) => (
                <tr key={i.id} data-testid="invitation-row">
                  <td>{i.role}</td>
                  <td>{when(i.createdAt)}</td>
                  <td>{i.createdBy?.name ?? "—"}</td>
                  <td>{when(i.expiresAt)}</td>
                  <td className="row-actions">
                    <button type="button" className="btn btn-small" onClick={() => void revoke(i.id)}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
