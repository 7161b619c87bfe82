"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { GenerateMutation, GenerationFieldsFragment, GenerationUpdatedSubscription } from "@/generated/graphql";
import { GENERATE, GENERATION_UPDATED } from "@/graphql/generations";
import { GraphQLRequestError } from "@/lib/graphql";
import type { ApiClient } from "@/lib/session";
import { apiErrorText } from "../common/format";
import { GenerationCard } from "./GenerationCard";

type Gen = GenerationFieldsFragment;

/**
 * Prompts a shared checkpoint with the link's token, like the playground: the generation is followed
 * over `generationUpdated`, so images appear as they are made. Only this visit's generations are shown.
 */
export function LinkPrompt({ api, checkpointId, defaultPrompt }: { api: ApiClient; checkpointId: string; defaultPrompt: string }) {
  const [prompt, setPrompt] = useState(defaultPrompt);
  const [steps, setSteps] = useState("30");
  const [count, setCount] = useState("1");
  const [gens, setGens] = useState<Gen[]>([]);
  const [error, setError] = useState<{ field?: string | undefined; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const client = useRef<ReturnType<ApiClient["wsClient"]> | null>(null);

  const upsert = useCallback((g: Gen) => setGens((list) => (list.some((x) => x.id === g.id) ? list.map((x) => (x.id === g.id ? g : x)) : [g, ...list])), []);
  useEffect(
    () => () => {
      void client.current?.dispose();
      client.current = null;
    },
    [api],
  );

  const generate = async () => {
    setBusy(true);
    setError(null);
    try {
      const d = await api.request<GenerateMutation>(GENERATE, { input: { checkpointId, prompt, steps: Number(steps), count: Number(count) } });
      upsert(d.generate);
      client.current ??= api.wsClient();
      client.current.subscribe<GenerationUpdatedSubscription>(
        { query: GENERATION_UPDATED, variables: { id: d.generate.id } },
        {
          next: (r) => r.data && upsert(r.data.generationUpdated),
          // A link revoked meanwhile ends the stream with FORBIDDEN: say so.
          error: (e) => setError({ message: apiErrorText(Array.isArray(e) ? (e[0] as unknown) : e) }),
          complete: () => undefined,
        },
      );
    } catch (err) {
      setError({ field: err instanceof GraphQLRequestError ? err.field : undefined, message: apiErrorText(err) });
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => (error?.field === f ? error.message : null);

  return (
    <div className="playground">
      <form
        className="panel"
        aria-labelledby="prompt-title"
        onSubmit={(e) => {
          e.preventDefault();
          void generate();
        }}
      >
        <h2 id="prompt-title">Prompt</h2>
        <label className="field">
          <span>Prompt</span>
          <textarea name="prompt" rows={3} required value={prompt} onChange={(e) => setPrompt(e.target.value)} aria-invalid={!!fe("prompt")} />
          {fe("prompt") && <span className="field-error">{fe("prompt")}</span>}
        </label>
        <div className="row">
          <label className="field">
            <span>
              Steps <span className="hint">1–200</span>
            </span>
            <input name="steps" inputMode="numeric" value={steps} onChange={(e) => setSteps(e.target.value)} aria-invalid={!!fe("steps")} />
            {fe("steps") && <span className="field-error">{fe("steps")}</span>}
          </label>
          <label className="field">
            <span>
              Images <span className="hint">1–16</span>
            </span>
            <input name="count" inputMode="numeric" value={count} onChange={(e) => setCount(e.target.value)} aria-invalid={!!fe("count")} />
            {fe("count") && <span className="field-error">{fe("count")}</span>}
          </label>
        </div>
        {error && !error.field && (
          <p className="error" role="alert" data-testid="prompt-error">
            {error.message}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Queuing…" : "Generate"}
        </button>
      </form>
      <section aria-labelledby="link-gens-title" aria-live="polite">
        <h2 id="link-gens-title">Generations</h2>
        {gens.length === 0 && <p className="subtle">Your images appear here as they are made.</p>}
        {gens.map((g) => (
          <GenerationCard key={g.id} g={g} />
        ))}
      </section>
    </div>
  );
}
