"use client";

import { useCallback, useEffect, useState } from "react";
import type { CreateShareMutation, RevokeShareMutation, ShareFieldsFragment, SharesQuery } from "@/generated/graphql";
import { CREATE_SHARE, REVOKE_SHARE, SHARES_QUERY } from "@/graphql/sharing";
import { GraphQLRequestError } from "@/lib/graphql";
import { useSession } from "@/lib/session";
import { CopyButton } from "../common/CopyButton";
import { apiErrorText } from "../common/format";
import { Dialog } from "../common/Dialog";
import { SharesList } from "./SharesList";

type Kind = "TEAM" | "LINK";
type FormError = { field?: string | undefined; message: string };

/** The share dialog's body: share with a team or make a link, then the run's shares with revoke. */
function ShareForm({ runId }: { runId: string }) {
  const session = useSession();
  const [shares, setShares] = useState<ShareFieldsFragment[] | null>(null);
  const [kind, setKind] = useState<Kind>("LINK");
  const [teamId, setTeamId] = useState("");
  const [hours, setHours] = useState("");
  const [promptOnly, setPromptOnly] = useState(false);
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<FormError | null>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setShares((await session.request<SharesQuery>(SHARES_QUERY, { runId })).shares);
    } catch (err) {
      setError({ message: apiErrorText(err) });
    }
  }, [session, runId]);
  useEffect(() => void load(), [load]);

  const create = async () => {
    setBusy(true);
    setError(null);
    setLink(null);
    const input: Record<string, unknown> = { runId, kind };
    if (kind === "TEAM") input.targetTeamId = teamId.trim();
    else input.promptOnly = promptOnly;
    if (hours.trim()) input.expiresInHours = Number(hours);
    try {
      const d = await session.request<CreateShareMutation>(CREATE_SHARE, { input });
      if (d.createShare.url) setLink(`${window.location.origin}${d.createShare.url}`);
      setTeamId("");
      await load();
    } catch (err) {
      setError({ field: err instanceof GraphQLRequestError ? err.field : undefined, message: apiErrorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: string) => {
    setRevoking(id);
    setError(null);
    try {
      await session.request<RevokeShareMutation>(REVOKE_SHARE, { id });
      await load();
    } catch (err) {
      setError({ message: apiErrorText(err) });
    } finally {
      setRevoking(null);
    }
  };
  const fe = (f: string) => (error?.field === f ? error.message : null);

  return (
    <div className="stack">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <fieldset className="plain-fieldset">
          <legend>Share with</legend>
          <div className="row">
            <label className="radio">
              <input type="radio" name="kind" value="LINK" checked={kind === "LINK"} onChange={() => setKind("LINK")} /> A link
            </label>
            <label className="radio">
              <input type="radio" name="kind" value="TEAM" checked={kind === "TEAM"} onChange={() => setKind("TEAM")} /> Another team
            </label>
          </div>
        </fieldset>
        {kind === "TEAM" && session.otherTeams.length > 0 && (
          <label className="field">
            <span>One of your teams</span>
            <select name="teamPicker" value={session.otherTeams.some((t) => t.id === teamId) ? teamId : ""} onChange={(e) => setTeamId(e.target.value)}>
              <option value="">Choose a team…</option>
              {session.otherTeams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {kind === "TEAM" ? (
          <label className="field">
            <span>
              Team id{" "}
              <span className="hint">shown (with a copy button) on that team&apos;s Team page; the other team can read the run and its checkpoints, generate and download</span>
            </span>
            <input name="targetTeamId" required autoComplete="off" value={teamId} onChange={(e) => setTeamId(e.target.value)} aria-invalid={!!fe("targetTeamId")} />
            {fe("targetTeamId") && <span className="field-error">{fe("targetTeamId")}</span>}
          </label>
        ) : (
          <label className="checkbox">
            <input type="checkbox" name="promptOnly" checked={promptOnly} onChange={(e) => setPromptOnly(e.target.checked)} /> Prompt only{" "}
            <span className="hint">(no downloads, no model card photos)</span>
          </label>
        )}
        <label className="field">
          <span>
            Expires in <span className="hint">hours, 1–8760; empty: until revoked</span>
          </span>
          <input name="expiresInHours" type="number" min={1} max={8760} value={hours} onChange={(e) => setHours(e.target.value)} aria-invalid={!!fe("expiresInHours")} />
          {fe("expiresInHours") && <span className="field-error">{fe("expiresInHours")}</span>}
        </label>
        {error && !error.field && (
          <p className="error" role="alert" data-testid="share-error">
            {error.message}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Sharing…" : kind === "LINK" ? "Create link" : "Share with team"}
        </button>
      </form>
      {link && (
        <div className="secret-box" data-testid="share-link">
          <p>Anyone with this link can open the run{promptOnly ? " and prompt it" : ""}. It is shown only now.</p>
          <div className="secret-row">
            <code className="secret">{link}</code>
            <CopyButton text={link} label="Copy link" />
          </div>
        </div>
      )}
      <section aria-labelledby="shares-title">
        <h3 id="shares-title" className="subhead">
          Shares of this run
        </h3>
        {shares === null ? <p className="skeleton">Loading…</p> : <SharesList shares={shares} onRevoke={(id) => void revoke(id)} busyId={revoking} />}
      </section>
    </div>
  );
}

/** "Share" on the run page (OWNER): opens the share dialog. */
export function ShareDialogButton({ runId }: { runId: string }) {
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  return (
    <>
      <button type="button" className="btn" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Share
      </button>
      <Dialog open={open} onClose={close} title="Share this run" testId="share-dialog">
        <ShareForm runId={runId} />
      </Dialog>
    </>
  );
}
