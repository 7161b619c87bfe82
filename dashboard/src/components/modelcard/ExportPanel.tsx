"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { CheckpointExportsQuery, ExportCheckpointMutation, ExportFormat, ModelExportFieldsFragment, ModelExportUpdatedSubscription } from "@/generated/graphql";
import { CHECKPOINT_EXPORTS, EXPORT_CHECKPOINT, MODEL_EXPORT_UPDATED } from "@/graphql/transfers";
import { useSession } from "@/lib/session";
import { apiErrorText, formatBytes, when } from "../common/format";

type Export = ModelExportFieldsFragment;
const LABEL: Record<ExportFormat, string> = { DIFFUSERS: "diffusers folder", SINGLE_FILE: "single file (A1111 / ComfyUI)", CHECKPOINT: "checkpoint files (plain safetensors)" };
const running = (e: Export) => e.state === "QUEUED" || e.state === "RUNNING";

/** Exports a checkpoint for diffusers or as one safetensors file; follows it live and offers the downloads. */
export function ExportPanel({ checkpointId }: { checkpointId: string }) {
  const session = useSession();
  const [exports, setExports] = useState<Export[] | null>(null);
  const [half, setHalf] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const client = useRef<ReturnType<typeof session.wsClient> | null>(null);
  const subs = useRef(new Map<string, () => void>());

  const upsert = useCallback((x: Export) => setExports((list) => [x, ...(list ?? []).filter((e) => e.id !== x.id)].sort((a, b) => b.createdAt.localeCompare(a.createdAt))), []);
  const follow = useCallback(
    (id: string) => {
      if (subs.current.has(id)) return;
      client.current ??= session.wsClient();
      const done = () => subs.current.delete(id);
      subs.current.set(
        id,
        client.current.subscribe<ModelExportUpdatedSubscription>(
          { query: MODEL_EXPORT_UPDATED, variables: { id } },
          { next: (r) => r.data && upsert(r.data.modelExportUpdated), error: done, complete: done },
        ),
      );
    },
    [session, upsert],
  );

  useEffect(() => {
    const live = subs.current;
    session
      .request<CheckpointExportsQuery>(CHECKPOINT_EXPORTS, { id: checkpointId })
      .then((d) => {
        const list = d.checkpoint?.exports ?? [];
        setExports(list);
        for (const e of list) if (running(e)) follow(e.id);
      })
      .catch((err: unknown) => setError(apiErrorText(err)));
    return () => {
      for (const d of live.values()) d();
      live.clear();
      void client.current?.dispose();
      client.current = null;
    };
  }, [session, checkpointId, follow]);

  const start = async (format: ExportFormat) => {
    setBusy(format);
    setError(null);
    try {
      const d = await session.request<ExportCheckpointMutation>(EXPORT_CHECKPOINT, { checkpointId, format, half: format === "SINGLE_FILE" && half });
      upsert(d.exportCheckpoint);
      if (running(d.exportCheckpoint)) follow(d.exportCheckpoint.id);
    } catch (err) {
      setError(apiErrorText(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="panel" aria-labelledby="export-title" data-testid="export-panel">
      <h2 id="export-title">Export</h2>
      <div className="row">
        <button type="button" className="btn" disabled={busy !== null} onClick={() => void start("DIFFUSERS")}>
          Export for diffusers
        </button>
        <button type="button" className="btn" disabled={busy !== null} onClick={() => void start("SINGLE_FILE")}>
          Export single file (A1111/ComfyUI)
        </button>
        <button
          type="button"
          className="btn"
          disabled={busy !== null}
          onClick={() => void start("CHECKPOINT")}
          title="The checkpoint's own files as plain safetensors (a compact checkpoint's UNet decoded)"
        >
          Download checkpoint files
        </button>
        <label className="checkbox">
          <input type="checkbox" checked={half} onChange={(e) => setHalf(e.target.checked)} /> float16 <span className="hint">(single file only)</span>
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {exports && exports.length > 0 && (
        <ul className="export-list" aria-live="polite">
          {exports.map((e) => (
            <ExportItem key={e.id} e={e} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ExportItem({ e }: { e: Export }) {
  return (
    <li className="export-item" data-testid="export" data-state={e.state}>
      <div className="export-head">
        <strong>{LABEL[e.format]}</strong>
        {e.half && <span className="subtle">float16</span>}
        <span className={`badge state-${e.state}`}>{e.state}</span>
        <span className="subtle">{when(e.createdAt)}</span>
      </div>
      {running(e) && <progress className="export-progress" aria-label={`Export ${LABEL[e.format]} in progress`} />}
      {e.error && (
        <p className="error">
          {e.error.code}: {e.error.message}
        </p>
      )}
      {e.state === "SUCCEEDED" && (
        <div>
          {e.archiveUrl && (
            <a className="btn btn-small" href={e.archiveUrl} download>
              Download all (.tar)
            </a>
          )}
          <ul className="file-list">
            {e.files.map((f) => (
              <li key={f.name}>
                <a href={f.url} download>
                  {f.name}
                </a>{" "}
                <span className="subtle">
                  {formatBytes(f.sizeBytes)} ·{" "}
                  <code className="hash" title={f.sha256}>
                    {f.sha256.slice(0, 12)}…
                  </code>
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </li>
  );
}
