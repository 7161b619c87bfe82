"use client";

import { useState } from "react";
import type { AcceptInvitationMutation } from "@/generated/graphql";
import { ACCEPT_INVITATION } from "@/graphql/team";
import { gqlRequest, GraphQLRequestError } from "@/lib/graphql";
import { rememberKey, useApiConfig } from "@/lib/session";
import { apiErrorText } from "../common/format";

/** Accepts an invitation without a key: a new user, its membership and a first key, kept like a signed-in key. */
export function JoinForm() {
  const { apiUrl } = useApiConfig();
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<{ field?: string | undefined; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const vars: Record<string, unknown> = { code: code.trim(), name: name.trim() };
      if (email.trim()) vars.email = email.trim();
      const d = await gqlRequest<AcceptInvitationMutation>(apiUrl, ACCEPT_INVITATION, vars);
      rememberKey(d.acceptInvitation.apiKey.secret, d.acceptInvitation.team);
      // A full load: the session reads the key it now finds in this browser.
      window.location.assign("/runs");
    } catch (err) {
      setError({ field: err instanceof GraphQLRequestError ? err.field : undefined, message: apiErrorText(err) });
      setBusy(false);
    }
  };
  const fe = (f: string) => (error?.field === f ? error.message : null);

  return (
    <form
      className="panel signin"
      aria-labelledby="join-title"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h1 id="join-title">Join a team</h1>
      <p className="subtle">Paste the invitation code (it starts with inv_) you were given. You get an API key for the team, kept in this browser tab until you close it.</p>
      <label className="field">
        <span>Invitation code</span>
        <input name="code" autoComplete="off" required value={code} onChange={(e) => setCode(e.target.value)} aria-invalid={!!fe("code")} />
        {fe("code") && <span className="field-error">{fe("code")}</span>}
      </label>
      <label className="field">
        <span>Your name</span>
        <input name="name" autoComplete="name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!fe("name")} />
        {fe("name") && <span className="field-error">{fe("name")}</span>}
      </label>
      <label className="field">
        <span>
          Email <span className="hint">optional</span>
        </span>
        <input name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={!!fe("email")} />
        {fe("email") && <span className="field-error">{fe("email")}</span>}
      </label>
      {error && !error.field && (
        <p className="error" role="alert" data-testid="join-error">
          {error.message}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? "Joining…" : "Join"}
      </button>
    </form>
  );
}
