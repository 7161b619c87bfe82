"use client";

import { useState } from "react";
import type { ApiKeyFieldsFragment, CreateApiKeyMutation, RevokeApiKeyMutation } from "@/generated/graphql";
import { CREATE_API_KEY, REVOKE_API_KEY } from "@/graphql/team";
import { useSession } from "@/lib/session";
import { CopyButton } from "../common/CopyButton";
import { apiErrorText, when } from "../common/format";

/** The caller's keys (an OWNER sees all of the team's). A new key's secret is shown once. */
export function ApiKeysPanel({ keys, onChanged }: { keys: ApiKeyFieldsFragment[]; onChanged: () => void }) {
  const session = useSession();
  const [name, setName] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    setError(null);
    setSecret(null);
    try {
      const d = await session.request<CreateApiKeyMutation>(CREATE_API_KEY, { name: name.trim() });
      setSecret(d.createApiKey.secret);
      setName("");
      onChanged();
    } catch (err) {
      setError(apiErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (k: ApiKeyFieldsFragment) => {
    const mine = k.prefix !== "" && session.apiKey.startsWith(k.prefix);
    if (!window.confirm(mine ? "This is the key this browser uses: revoking it signs you out. Revoke?" : `Revoke key “${k.name}”? It stops working at once.`)) return;
    setError(null);
    try {
      await session.request<RevokeApiKeyMutation>(REVOKE_API_KEY, { id: k.id });
      if (mine) session.signOut();
      else onChanged();
    } catch (err) {
      setError(apiErrorText(err));
    }
  };

  return (
    <section className="panel" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) void create();
        }}
      >
        <label className="field">
          <span>New key name</span>
          <input name="keyName" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. laptop, CI" />
        </label>
        <div className="field field-action">
          <button type="submit" className="btn" disabled={busy}>
            {busy ? "Creating…" : "Create key"}
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <div className="secret-box" data-testid="new-key">
          <p>Store this key now; it is not shown again.</p>
          <div className="secret-row">
            <code className="secret">{secret}</code>
            <CopyButton text={secret} label="Copy key" />
          </div>
        </div>
      )}
      <div className="table-scroll">
        <table className="table" data-testid="api-keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{when(k.createdAt)}</td>
                <td>{k.revokedAt ? <span className="subtle">revoked {when(k.revokedAt)}</span> : session.apiKey.startsWith(k.prefix) ? "active (this browser)" : "active"}</td>
                <td className="row-actions">
                  {!k.revokedAt && (
                    <button type="button" className="btn btn-small" onClick={() => void revoke(k)}>
                      Revoke<span className="sr-only"> {k.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
