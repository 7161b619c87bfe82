"use client";

import { useState } from "react";
import type { MemberFieldsFragment, RemoveMemberMutation, SetMemberRoleMutation, TeamRole } from "@/generated/graphql";
import { REMOVE_MEMBER, SET_MEMBER_ROLE } from "@/graphql/team";
import { useSession } from "@/lib/session";
import { apiErrorText, when } from "../common/format";

export const ROLES: TeamRole[] = ["OWNER", "MEMBER", "VIEWER"];

/** The team's members. OWNERs change roles and remove people; anyone may leave. API refusals show on the row. */
export function MembersTable({ members, onChanged }: { members: MemberFieldsFragment[]; onChanged: () => void }) {
  const session = useSession();
  const isOwner = session.viewer.role === "OWNER";
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);

  const act = async (userId: string, run: () => Promise<unknown>) => {
    setBusy(userId);
    setErrors((e) => ({ ...e, [userId]: "" }));
    try {
      await run();
      onChanged();
    } catch (err) {
      setErrors((e) => ({ ...e, [userId]: apiErrorText(err) }));
    } finally {
      setBusy(null);
    }
  };
  const setRole = (userId: string, role: TeamRole) => act(userId, () => session.request<SetMemberRoleMutation>(SET_MEMBER_ROLE, { userId, role }));
  const remove = (userId: string, self: boolean) => {
    if (!window.confirm(self ? "Leave this team? Your keys for it stop working at once." : "Remove this member? Their keys for this team stop working at once.")) return;
    void act(userId, async () => {
      await session.request<RemoveMemberMutation>(REMOVE_MEMBER, { userId });
      if (self) session.signOut();
    });
  };

  return (
    <section className="panel" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <div className="table-scroll">
        <table className="table" data-testid="members">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => {
              const self = m.user.id === session.viewer.user.id;
              return (
                <tr key={m.user.id} data-testid="member-row">
                  <td>
                    {m.user.name}
                    {self && <span className="subtle"> (you)</span>}
                  </td>
                  <td>{m.user.email ?? <span className="subtle">—</span>}</td>
                  <td>
                    {isOwner ? (
                      <label>
                        <span className="sr-only">Role of {m.user.name}</span>
                        <select value={m.role} disabled={busy === m.user.id} onChange={(e) => void setRole(m.user.id, e.target.value as TeamRole)}>
                          {ROLES.map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      </label>
                    ) : (
                      <span className="badge role-badge">{m.role}</span>
                    )}
                  </td>
                  <td>{when(m.joinedAt)}</td>
                  <td className="row-actions">
                    {(isOwner || self) && (
                      <button type="button" className="btn btn-small" disabled={busy === m.user.id} onClick={() => remove(m.user.id, self)}>
                        {self ? "Leave" : `Remove`}
                        {!self && <span className="sr-only"> {m.user.name}</span>}
                      </button>
                    )}
                    {errors[m.user.id] && (
                      <p className="error inline-error" role="alert">
                        {errors[m.user.id]}
                      </p>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
