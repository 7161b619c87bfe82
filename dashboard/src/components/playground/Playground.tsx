"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import type { CheckpointQuery, GenerateMutation, GenerationFieldsFragment, GenerationUpdatedSubscription } from "@/generated/graphql";
import { CHECKPOINT_QUERY, GENERATE, GENERATION_UPDATED } from "@/graphql/generations";
import { errorText, GraphQLRequestError } from "@/lib/graphql";
import { useSession } from "@/lib/session";
import { stageOffsets, stepText } from "../run/run.steps";
import { CheckpointGrid } from "./CheckpointGrid";

type Gen = GenerationFieldsFragment;
type Settings = { prompt: string; negativePrompt: string; seed: string; steps: string; guidance: string; count: string; size: string; scheduler: string };

const SCHEDULERS = [
  { id: "DDIM", label: "DDIM (as the training samples)" },
  { id: "DPM_SOLVER", label: "DPM-Solver++ (fewer steps)" },
  { id: "EULER_ANCESTRAL", label: "Euler ancestral" },
];

/** GenerateInput fields from the form (no checkpoint, no count): shared by Generate and the grid. */
function settingsInput(s: Settings): Record<string, unknown> {
  const input: Record<string, unknown> = { prompt: s.prompt, steps: Number(s.steps), guidanceScale: Number(s.guidance), scheduler: s.scheduler };
  if (s.negativePrompt.trim()) input.negativePrompt = s.negativePrompt;
  if (s.seed.trim()) input.seed = Number(s.seed);
  if (s.size) [input.width, input.height] = s.size.split("x").map(Number);
  return input;
}

/** A few sizes within what the API accepts for the base model (`baseModels.generationSizes`): "" is native. */
export function sizeChoices(resolution: number, { min, max }: { min: number; max: number }): { value: string; label: string }[] {
  const r8 = (x: number) => Math.round(x / 8) * 8;
  const sizes: [number, number, string][] = [
    [r8(resolution * 1.5), resolution, "landscape 3:2"],
    [resolution, r8(resolution * 1.5), "portrait 2:3"],
    [min, min, "small, fast"],
    [max, max, "large, slow"],
  ];
  return [
    { value: "", label: `${resolution} × ${resolution} (native)` },
    ...sizes
      .filter(([w, h]) => w >= min && h >= min && w <= max && h <= max && !(w === resolution && h === resolution))
      .map(([w, h, what]) => ({ value: `${w}x${h}`, label: `${w} × ${h} (${what})` })),
  ];
}

/**
 * Prompts a checkpoint. The history is the team's (checkpoint.generations from the API), so everyone
 * who opens this checkpoint sees what the others tried; running ones keep updating live.
 */
export function Playground({ checkpointId }: { checkpointId: string }) {
  const session = useSession();
  const [ckpt, setCkpt] = useState<CheckpointQuery["checkpoint"] | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [models, setModels] = useState<CheckpointQuery["baseModels"]>([]);
  const [gens, setGens] = useState<Gen[]>([]);
  const [s, setS] = useState<Settings>({ prompt: "", negativePrompt: "", seed: "", steps: "30", guidance: "7.5", count: "1", size: "", scheduler: "DDIM" });
  const [err, setErr] = useState<{ field?: string | undefined; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const subs = useRef(new Map<string, () => void>());
  const client = useRef<ReturnType<typeof session.wsClient> | null>(null);

  const upsert = useCallback((g: Gen) => setGens((list) => (list.some((x) => x.id === g.id) ? list.map((x) => (x.id === g.id ? g : x)) : [g, ...list])), []);

  const follow = useCallback(
    (id: string) => {
      if (subs.current.has(id)) return;
      client.current ??= session.wsClient();
      const dispose = client.current.subscribe<GenerationUpdatedSubscription>(
        { query: GENERATION_UPDATED, variables: { id } },
        {
          next: (r) => r.data && upsert(r.data.generationUpdated),
          error: () => subs.current.delete(id),
          complete: () => subs.current.delete(id),
        },
      );
      subs.current.set(id, dispose);
    },
    [session, upsert],
  );

  useEffect(() => {
    const live = subs.current;
    void (async () => {
      // The team's history for this checkpoint comes from the API (newest first).
      let found: Gen[] = [];
      try {
        const d = await session.request<CheckpointQuery>(CHECKPOINT_QUERY, { id: checkpointId });
        setCkpt(d.checkpoint);
        setModels(d.baseModels);
        if (d.checkpoint) setS((x) => (x.prompt ? x : { ...x, prompt: d.checkpoint!.run.defaultPrompt }));
        found = (d.checkpoint?.generations ?? []) as Gen[];
      } catch (e) {
        if (e instanceof GraphQLRequestError && e.code === "NOT_FOUND") setCkpt(null);
        else setLoadError(errorText(e));
      }
      const list = found;
      setGens((cur) => [...cur, ...list.filter((g) => !cur.some((c) => c.id === g.id))]);
      for (const g of list) if (g.state === "QUEUED" || g.state === "RUNNING") follow(g.id);
    })();
    return () => {
      for (const d of live.values()) d();
      live.clear();
      void client.current?.dispose();
      client.current = null;
    };
  }, [session, checkpointId, follow]);

  const generate = async () => {
    setErr(null);
    setBusy(true);
    const input: Record<string, unknown> = { checkpointId, ...settingsInput(s), count: Number(s.count) };
    try {
      const d = await session.request<GenerateMutation>(GENERATE, { input });
      upsert(d.generate);
      follow(d.generate.id);
    } catch (e) {
      setErr({ field: e instanceof GraphQLRequestError ? e.field : undefined, message: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  const reuse = (g: Gen) => {
    setS({
      prompt: g.prompt,
      negativePrompt: g.negativePrompt ?? "",
      seed: String(g.seed),
      steps: String(g.steps),
      guidance: String(g.guidanceScale),
      count: String(g.count),
      size: g.width && g.height ? `${g.width}x${g.height}` : "",
      scheduler: g.scheduler,
    });
    document.getElementById("pg-prompt")?.focus();
  };

  if (ckpt === null)
    return (
      <section className="panel" data-testid="not-found">
        <h1>Checkpoint not found</h1>
        <Link href="/runs">All runs</Link>
      </section>
    );
  if (ckpt === undefined)
    return loadError ? (
      <p className="error" role="alert">
        {loadError}
      </p>
    ) : (
      <p className="skeleton" role="status">
        Loading checkpoint…
      </p>
    );

  const fe = (f: string) => (err?.field === f ? err.message : null);
  const input = (name: string, label: string, key: keyof Settings, hint: string) => (
    <label className="field">
      <span>
        {label} <span className="hint">{hint}</span>
      </span>
      <input name={name} inputMode="decimal" value={s[key]} onChange={(e) => setS({ ...s, [key]: e.target.value })} aria-invalid={!!fe(name)} />
      {fe(name) && <span className="field-error">{fe(name)}</span>}
    </label>
  );

  const model = models.find((m) => m.id === ckpt.run.baseModel);
  return (
    <div className="stack">
      <div>
        <h1>Playground</h1>
        <p className="subtle">
          {ckpt.run.subject.name} · {stepText(ckpt, stageOffsets(ckpt.run.settings))} · <Link href={`/runs/${ckpt.run.id}`}>back to the run</Link> ·{" "}
          <a href={ckpt.downloadUrl}>checkpoint.json</a>
        </p>
      </div>
      <div className="playground">
        <form
          className="panel"
          onSubmit={(e) => {
            e.preventDefault();
            void generate();
          }}
        >
          <label className="field">
            <span>
              Prompt <span className="hint">e.g. {ckpt.run.defaultPrompt} on the beach</span>
            </span>
            <textarea id="pg-prompt" name="prompt" rows={3} required value={s.prompt} onChange={(e) => setS({ ...s, prompt: e.target.value })} aria-invalid={!!fe("prompt")} />
            {fe("prompt") && <span className="field-error">{fe("prompt")}</span>}
          </label>
          <label className="field">
            <span>Negative prompt</span>
            <textarea name="negativePrompt" rows={2} value={s.negativePrompt} onChange={(e) => setS({ ...s, negativePrompt: e.target.value })} />
          </label>
          <div className="row">
            {input("seed", "Seed", "seed", "random if empty")}
            {input("steps", "Steps", "steps", "1–200")}
          </div>
          <div className="row">
            {input("guidanceScale", "Guidance", "guidance", "0–50")}
            {input("count", "Images", "count", "1–16")}
          </div>
          <div className="row">
            <label className="field">
              <span>Size</span>
              <select name="size" value={s.size} onChange={(e) => setS({ ...s, size: e.target.value })} aria-invalid={!!(fe("width") || fe("height"))}>
                {sizeChoices(model?.resolution ?? 512, model?.generationSizes ?? { min: 512, max: 512 }).map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
              {(fe("width") || fe("height")) && <span className="field-error">{fe("width") ?? fe("height")}</span>}
            </label>
            <label className="field">
              <span>Sampler</span>
              <select name="scheduler" value={s.scheduler} onChange={(e) => setS({ ...s, scheduler: e.target.value })}>
                {SCHEDULERS.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {err && !err.field && (
            <p className="error" role="alert">
              {err.message}
            </p>
          )}
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Queuing…" : "Generate"}
          </button>
        </form>
        <section aria-labelledby="gens-title" aria-live="polite">
          <h2 id="gens-title">Generations</h2>
          {gens.length === 0 && <p className="subtle">Nothing generated yet with this checkpoint.</p>}
          {gens.map((g) => (
            <article key={g.id} className="panel gen" data-testid="generation" data-state={g.state}>
              <div className="page-head">
                <div>
                  <strong>{g.prompt}</strong>
                  <div className="subtle">
                    seed {g.seed} · {g.steps} steps · guidance {g.guidanceScale}
                    {g.width && g.height ? ` · ${g.width} × ${g.height}` : ""}
                    {g.scheduler !== "DDIM" ? ` · ${SCHEDULERS.find((x) => x.id === g.scheduler)?.label ?? g.scheduler}` : ""}
                    {g.negativePrompt ? ` · not “${g.negativePrompt}”` : ""}
                  </div>
                </div>
                <div className="run-actions">
                  <span className={`badge state-${g.state}`}>{g.state}</span>
                  <button type="button" className="btn btn-small" onClick={() => reuse(g)}>
                    Reuse settings
                  </button>
                </div>
              </div>
              {g.error && (
                <p className="error">
                  {g.error.code}: {g.error.message}
                </p>
              )}
              {(g.state === "QUEUED" || g.state === "RUNNING") && <GenerationProgress g={g} />}
              <div className="gen-images">
                {Array.from({ length: g.count }, (_, i) => {
                  const img = g.images.find((x) => x.index === i);
                  return img ? (
                    <a key={i} href={img.url} target="_blank" rel="noreferrer">
                      <img src={img.url} alt={`${g.prompt} (seed ${img.seed})`} className="gen-img" />
                    </a>
                  ) : (
                    <div key={i} className="gen-img" aria-hidden="true" />
                  );
                })}
              </div>
            </article>
          ))}
        </section>
      </div>
      <CheckpointGrid checkpoints={ckpt.run.checkpoints} offsets={stageOffsets(ckpt.run.settings)} settings={() => settingsInput(s)} />
    </div>
  );
}

/** Queued, or step k of n (image i of c) while the engine denoises: the engine reports it about 4 times a second. */
function GenerationProgress({ g }: { g: { state: string; steps: number; count: number; stepsDone: number; stepsTotal: number } }) {
  if (g.state === "QUEUED" || g.stepsDone === 0)
    return (
      <p className="subtle" data-testid="generation-progress" role="status">
        {g.state === "QUEUED" ? "waiting for a trainer…" : "loading the checkpoint…"}
      </p>
    );
  const image = Math.min(g.count, Math.floor((g.stepsDone - 1) / g.steps) + 1);
  const step = g.stepsDone - (image - 1) * g.steps;
  return (
    <div data-testid="generation-progress">
      <progress max={g.stepsTotal} value={g.stepsDone} aria-label="Generation progress" />
      <span className="subtle">
        {" "}
        step {step} of {g.steps}
        {g.count > 1 ? ` · image ${image} of ${g.count}` : ""}
      </span>
    </div>
  );
}
