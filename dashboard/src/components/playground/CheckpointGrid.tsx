"use client";

import { useEffect, useRef, useState } from "react";
import type { GenerateMutation, GenerationFieldsFragment, GenerationUpdatedSubscription } from "@/generated/graphql";
import { GENERATE, GENERATION_UPDATED } from "@/graphql/generations";
import { errorText } from "@/lib/graphql";
import { useSession } from "@/lib/session";
import { stepText } from "../run/run.steps";

type Gen = GenerationFieldsFragment;
type Checkpoint = { id: string; stage: string; step: number };
type Row = { checkpoint: Checkpoint; generation: Gen | null; error: string | null };

/** Most seeds per row, and most checkpoints in one grid (each row is one generation of `seeds` images). */
export const GRID_MAX_SEEDS = 4;
export const GRID_MAX_CHECKPOINTS = 8;

/**
 * The same prompt and settings at the same seeds on every checkpoint of the run: rows are checkpoints in
 * training order, columns are seeds, so what training changed reads across a column. One generation per
 * checkpoint (count = seeds, image i at seed S+i), followed live.
 */
export function CheckpointGrid({
  checkpoints,
  offsets,
  settings,
}: {
  checkpoints: Checkpoint[];
  offsets: Record<string, number>;
  /** The playground's current settings (prompt, steps, guidance, size, sampler; seed may be absent). */
  settings: () => Record<string, unknown>;
}) {
  const session = useSession();
  const [seeds, setSeeds] = useState("3");
  const [rows, setRows] = useState<Row[]>([]);
  const [seed, setSeed] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const client = useRef<ReturnType<typeof session.wsClient> | null>(null);
  const subs = useRef<(() => void)[]>([]);

  useEffect(
    () => () => {
      for (const d of subs.current) d();
      void client.current?.dispose();
    },
    [],
  );

  const ordered = [...checkpoints].sort((a, b) => (offsets[a.stage] ?? 0) + a.step - ((offsets[b.stage] ?? 0) + b.step)).slice(-GRID_MAX_CHECKPOINTS);
  const n = Number(seeds);
  const valid = Number.isInteger(n) && n >= 1 && n <= GRID_MAX_SEEDS;

  const run = async () => {
    setError(null);
    if (!valid) return setError(`seeds: 1–${GRID_MAX_SEEDS}`);
    const base = settings();
    const s = typeof base.seed === "number" ? base.seed : Math.floor(Math.random() * 2 ** 31);
    for (const d of subs.current.splice(0)) d();
    setSeed(s);
    setBusy(true);
    setRows(ordered.map((c) => ({ checkpoint: c, generation: null, error: null })));
    client.current ??= session.wsClient();
    const put = (id: string, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.checkpoint.id === id ? { ...r, ...patch } : r)));
    for (const c of ordered) {
      try {
        const d = await session.request<GenerateMutation>(GENERATE, { input: { ...base, checkpointId: c.id, seed: s, count: n } });
        put(c.id, { generation: d.generate });
        const dispose = client.current.subscribe<GenerationUpdatedSubscription>(
          { query: GENERATION_UPDATED, variables: { id: d.generate.id } },
          { next: (r) => r.data && put(c.id, { generation: r.data.generationUpdated }), error: () => undefined, complete: () => undefined },
        );
        subs.current.push(dispose);
      } catch (e) {
        put(c.id, { error: errorText(e) }); // e.g. the team's unfinished-generation budget: the other rows still run
      }
    }
    setBusy(false);
  };

  return (
    <section className="panel" aria-labelledby="grid-title" data-testid="checkpoint-grid">
      <h2 id="grid-title">Compare checkpoints (seed × checkpoint grid)</h2>
      <p className="subtle">
        This prompt and these settings at the same seeds on {ordered.length === 1 ? "the run's checkpoint" : `the run's ${ordered.length} checkpoints`}
        {checkpoints.length > ordered.length ? ` (the last ${GRID_MAX_CHECKPOINTS})` : ""}: one generation per checkpoint.
      </p>
      <div className="row">
        <label className="field">
          <span>
            Images per checkpoint <span className="hint">1–{GRID_MAX_SEEDS} seeds</span>
          </span>
          <input name="gridSeeds" inputMode="numeric" value={seeds} onChange={(e) => setSeeds(e.target.value)} aria-invalid={!valid} />
        </label>
        <button type="button" className="btn" disabled={busy || ordered.length === 0} onClick={() => void run()}>
          {busy ? "Queuing…" : `Run on ${ordered.length} checkpoint${ordered.length === 1 ? "" : "s"}`}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {rows.length > 0 && seed !== null && (
        <div className="table-scroll">
          <table className="grid-table">
            <thead>
              <tr>
                <th scope="col">Checkpoint</th>
                {Array.from({ length: n }, (_, i) => (
                  <th key={i} scope="col">
                    seed {seed + i}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.checkpoint.id} data-testid="grid-row" data-state={r.generation?.state ?? (r.error ? "ERROR" : "QUEUED")}>
                  <th scope="row">{stepText(r.checkpoint, offsets)}</th>
                  {r.error ? (
                    <td colSpan={n} className="error">
                      {r.error}
                    </td>
                  ) : (
                    Array.from({ length: n }, (_, i) => {
                      const img = r.generation?.images.find((x) => x.index === i);
                      return (
                        <td key={i}>
                          {img ? (
                            <a href={img.url} target="_blank" rel="noreferrer">
                              <img src={img.url} alt={`${stepText(r.checkpoint, offsets)}, seed ${img.seed}`} className="gen-img" />
                            </a>
                          ) : (
                            <div className="gen-img" aria-hidden="true" />
                          )}
                        </td>
                      );
                    })
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
