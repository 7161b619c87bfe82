"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import type { BaseModelsQuery, RunMethod, StartRunMutation, SubjectsQuery, TrainingPreset } from "@/generated/graphql";
import { START_RUN } from "@/graphql/runs";
import { SUBJECTS_QUERY } from "@/graphql/subjects";
import { BASE_MODELS_QUERY } from "@/graphql/viewer";
import { errorText, GraphQLRequestError } from "@/lib/graphql";
import { invalidate, useQuery } from "@/lib/query";
import { useSession } from "@/lib/session";

/** The paper's settings (and the baselines'), as the API fills them in when a field is omitted. */
const DEFAULTS: Record<
  RunMethod,
  { stage1: { steps: number; lr: number; every?: number } | null; stage2: { steps: number; lr: number; every: number } | null; token: string; prompt: (cls: string) => string }
> = {
  TWO_STAGE: { stage1: { steps: 100, lr: 5e-4 }, stage2: { steps: 400, lr: 5e-6, every: 200 }, token: "<rare>", prompt: (c) => `a photo of <rare> ${c}` },
  DREAMBOOTH: { stage1: null, stage2: { steps: 800, lr: 5e-6, every: 200 }, token: "sks", prompt: (c) => `a photo of sks ${c}` },
  // Textual inversion learns a noun: its prompts put the token where the noun goes.
  TEXTUAL_INVERSION: { stage1: { steps: 3000, lr: 5e-3, every: 500 }, stage2: null, token: "<s*>", prompt: () => "a photo of <s*>" },
};
/** Stage-2 steps per preset (the API's rule): §3.2's 400 for the paper's method, §4.1's 800 for both. */
const PRESETS: { id: TrainingPreset; label: string; stage2: Record<"TWO_STAGE" | "DREAMBOOTH", number> }[] = [
  { id: "SECTION_3_2", label: "§3.2 — the method (stage 2: 400 steps)", stage2: { TWO_STAGE: 400, DREAMBOOTH: 800 } },
  { id: "SECTION_4_1", label: "§4.1 — the paper's evaluation protocol (800 steps, checkpoint every 200)", stage2: { TWO_STAGE: 800, DREAMBOOTH: 800 } },
];
const METHODS: { id: RunMethod; label: string }[] = [
  { id: "TWO_STAGE", label: "Two-stage (the paper: token, then UNet)" },
  { id: "DREAMBOOTH", label: "DreamBooth (baseline)" },
  { id: "TEXTUAL_INVERSION", label: "Textual inversion (baseline)" },
];

/** Fields that show their own error; an API error naming any other field shows above the button. */
const SHOWN_FIELDS = new Set([
  "subjectId",
  "baseModel",
  "stage1Steps",
  "stage1LearningRate",
  "stage2Steps",
  "stage2LearningRate",
  "checkpointEvery",
  "samplePrompts",
  "seed",
  "maxGradNorm",
]);

type Form = {
  subjectId: string;
  method: RunMethod;
  baseModel: string;
  preset: TrainingPreset;
  s1Steps: string;
  s1Lr: string;
  s2Steps: string;
  s2Lr: string;
  every: string;
  prompts: string;
  seed: string;
  clip: string; // "on" | "off"
  maxGradNorm: string;
};
type Errors = Partial<Record<string, string>>;

function intIn(v: string, lo: number, hi: number): boolean {
  return /^\d+$/.test(v.trim()) && Number(v) >= lo && Number(v) <= hi;
}
function lrOk(v: string): boolean {
  const n = Number(v);
  return v.trim() !== "" && Number.isFinite(n) && n > 0 && n <= 1;
}

/** Client-side checks mirror the API's, so most mistakes show before a round trip; the API still decides. */
function validate(f: Form): Errors {
  const e: Errors = {};
  const d = DEFAULTS[f.method];
  if (!f.subjectId) e.subjectId = "Choose a subject.";
  if (d.stage1) {
    if (!intIn(f.s1Steps, 1, 20000)) e.stage1Steps = "A whole number from 1 to 20000.";
    if (!lrOk(f.s1Lr)) e.stage1LearningRate = "A number above 0, at most 1.";
    if (d.stage1.every !== undefined) {
      if (!intIn(f.every, 1, 20000)) e.checkpointEvery = "A whole number from 1 to 20000.";
      else if (intIn(f.s1Steps, 1, 20000) && Number(f.every) > Number(f.s1Steps)) e.checkpointEvery = "At most the steps.";
    }
  }
  if (f.clip === "on") {
    const n = Number(f.maxGradNorm);
    if (f.maxGradNorm.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 1000) e.maxGradNorm = "A number above 0, at most 1000.";
  }
  if (d.stage2) {
    if (!intIn(f.s2Steps, 1, 20000)) e.stage2Steps = "A whole number from 1 to 20000.";
    if (!lrOk(f.s2Lr)) e.stage2LearningRate = "A number above 0, at most 1.";
    if (!intIn(f.every, 1, 20000)) e.checkpointEvery = "A whole number from 1 to 20000.";
    else if (intIn(f.s2Steps, 1, 20000) && Number(f.every) > Number(f.s2Steps)) e.checkpointEvery = "At most the stage-2 steps.";
  }
  const prompts = f.prompts
    .split("\n")
    .map((p) => p.trim())
    .filter(Boolean);
  if (prompts.length > 16) e.samplePrompts = "Up to 16 prompts.";
  else if (prompts.some((p) => p.length > 500)) e.samplePrompts = "Each prompt up to 500 characters.";
  if (f.seed.trim() && !(/^\d+$/.test(f.seed.trim()) && Number(f.seed) <= 4294967295)) e.seed = "A whole number from 0 to 4294967295.";
  return e;
}

export function NewRunForm({ initialSubjectId }: { initialSubjectId?: string | undefined }) {
  const session = useSession();
  const router = useRouter();
  const [form, setForm] = useState<Form>({
    subjectId: initialSubjectId ?? "",
    method: "TWO_STAGE",
    baseModel: "",
    preset: "SECTION_3_2",
    s1Steps: "100",
    s1Lr: "5e-4",
    s2Steps: "400",
    s2Lr: "5e-6",
    every: "200",
    prompts: "",
    seed: "",
    clip: "on",
    maxGradNorm: "1",
  });
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Through the cache: subjects the runs list or subjects page read already show at once.
  const subjectsQ = useQuery<SubjectsQuery>(session, SUBJECTS_QUERY, { first: 100 }, { staleMs: 10_000 });
  const modelsQ = useQuery<BaseModelsQuery>(session, BASE_MODELS_QUERY, {}, { staleMs: 60_000 });
  const subjects = subjectsQ.data ? subjectsQ.data.subjects.edges.map((e) => e.node) : null;
  const models = modelsQ.data?.baseModels ?? null;
  const loadError = subjectsQ.error ?? modelsQ.error;
  useEffect(() => {
    if (models) setForm((f) => ({ ...f, baseModel: f.baseModel || (models.find((b) => b.default) ?? models[0])?.id || "" }));
  }, [models]);
  useEffect(() => {
    if (loadError) setFormError(errorText(loadError));
  }, [loadError]);

  const set = (k: keyof Form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const setMethod = (m: RunMethod) => {
    const d = DEFAULTS[m];
    setForm((f) => ({
      ...f,
      method: m,
      s1Steps: String(d.stage1?.steps ?? ""),
      s1Lr: d.stage1 ? String(d.stage1.lr) : "",
      s2Steps: String(d.stage2?.steps ?? ""),
      s2Lr: d.stage2 ? String(d.stage2.lr) : "",
      every: String(d.stage2?.every ?? d.stage1?.every ?? ""),
      preset: d.stage2 ? f.preset : "SECTION_3_2",
    }));
    setErrors({});
  };
  const setPreset = (p: TrainingPreset) => {
    const preset = PRESETS.find((x) => x.id === p)!;
    setForm((f) => (f.method === "TEXTUAL_INVERSION" ? f : { ...f, preset: p, s2Steps: String(preset.stage2[f.method]), every: "200" }));
  };

  const submit = async () => {
    const e = validate(form);
    setErrors(e);
    setFormError(null);
    if (Object.keys(e).length) return;
    const d = DEFAULTS[form.method];
    const prompts = form.prompts
      .split("\n")
      .map((p) => p.trim())
      .filter(Boolean);
    const input: Record<string, unknown> = { subjectId: form.subjectId, method: form.method, baseModel: form.baseModel };
    if (d.stage1) Object.assign(input, { stage1Steps: Number(form.s1Steps), stage1LearningRate: Number(form.s1Lr) });
    if (d.stage1?.every !== undefined) input.checkpointEvery = Number(form.every);
    if (d.stage2) Object.assign(input, { preset: form.preset, stage2Steps: Number(form.s2Steps), stage2LearningRate: Number(form.s2Lr), checkpointEvery: Number(form.every) });
    input.maxGradNorm = form.clip === "on" ? Number(form.maxGradNorm) : null;
    if (prompts.length) input.samplePrompts = prompts;
    if (form.seed.trim()) input.seed = Number(form.seed);
    setBusy(true);
    try {
      const r = await session.request<StartRunMutation>(START_RUN, { input });
      invalidate("query Runs");
      router.push(`/runs/${r.startRun.id}`);
    } catch (err) {
      if (err instanceof GraphQLRequestError && err.field && SHOWN_FIELDS.has(err.field)) setErrors({ [err.field]: err.message });
      else setFormError(errorText(err));
      setBusy(false);
    }
  };

  const d = DEFAULTS[form.method];
  const subject = subjects?.find((s) => s.id === form.subjectId);
  const field = (name: string, label: string, key: keyof Form, hint: string, props: Record<string, unknown> = {}) => (
    <label className="field">
      <span>
        {label} <span className="hint">{hint}</span>
      </span>
      <input
        name={name}
        value={form[key]}
        onChange={(e) => set(key, e.target.value)}
        aria-invalid={!!errors[name]}
        aria-describedby={errors[name] ? `${name}-err` : undefined}
        {...props}
      />
      {errors[name] && (
        <span className="field-error" id={`${name}-err`} data-testid={`error-${name}`}>
          {errors[name]}
        </span>
      )}
    </label>
  );

  return (
    <form
      className="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h1>New run</h1>
      <section className="panel">
        <div className="row">
          <label className="field">
            <span>Subject</span>
            <select name="subjectId" value={form.subjectId} onChange={(e) => set("subjectId", e.target.value)} aria-invalid={!!errors.subjectId} disabled={!subjects}>
              <option value="">{subjects ? (subjects.length ? "Choose…" : "No subjects yet") : "Loading…"}</option>
              {subjects?.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.classNoun}, {s.images.length} photos)
                </option>
              ))}
            </select>
            {errors.subjectId && <span className="field-error">{errors.subjectId}</span>}
          </label>
          <label className="field">
            <span>Method</span>
            <select name="method" value={form.method} onChange={(e) => setMethod(e.target.value as RunMethod)}>
              {METHODS.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Base model</span>
            <select name="baseModel" value={form.baseModel} onChange={(e) => set("baseModel", e.target.value)} disabled={!models} aria-invalid={!!errors.baseModel}>
              {!models && <option value="">Loading…</option>}
              {models?.map((m) => (
                <option key={m.id} value={m.id} title={m.description}>
                  {m.id} ({m.resolution}px){m.default ? " — default" : ""}
                </option>
              ))}
            </select>
            {errors.baseModel && <span className="field-error">{errors.baseModel}</span>}
          </label>
        </div>
      </section>

      {d.stage1 && (
        <fieldset className="panel">
          <legend>{form.method === "TWO_STAGE" ? "Stage 1 — token inversion (only the <rare> embedding trains)" : "Textual inversion"}</legend>
          <div className="row">
            {field("stage1Steps", "Steps", "s1Steps", `default ${d.stage1.steps}`, { inputMode: "numeric" })}
            {field("stage1LearningRate", "Learning rate", "s1Lr", `default ${d.stage1.lr.toExponential(0)}`)}
            {d.stage1.every !== undefined && field("checkpointEvery", "Checkpoint every", "every", `default ${d.stage1.every} steps`, { inputMode: "numeric" })}
          </div>
        </fieldset>
      )}
      {d.stage2 && (
        <fieldset className="panel">
          <legend>{form.method === "TWO_STAGE" ? "Stage 2 — UNet fine-tune (text encoder and <rare> frozen)" : "Fine-tune"}</legend>
          <div className="row">
            <label className="field">
              <span>
                Preset <span className="hint">the paper&apos;s settings</span>
              </span>
              <select name="preset" value={form.preset} onChange={(e) => setPreset(e.target.value as TrainingPreset)}>
                {PRESETS.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="row">
            {field("stage2Steps", "Steps", "s2Steps", `default ${d.stage2.steps}`, { inputMode: "numeric" })}
            {field("stage2LearningRate", "Learning rate", "s2Lr", `default ${d.stage2.lr.toExponential(0)}`)}
            {field("checkpointEvery", "Checkpoint every", "every", `default ${d.stage2.every} steps`, { inputMode: "numeric" })}
          </div>
        </fieldset>
      )}

      <section className="panel">
        <label className="field">
          <span>
            Sample prompts <span className="hint">one per line, up to 16; empty: “{d.prompt(subject?.classNoun ?? "{class}")}”</span>
          </span>
          <textarea
            name="samplePrompts"
            rows={3}
            value={form.prompts}
            onChange={(e) => set("prompts", e.target.value)}
            aria-invalid={!!errors.samplePrompts}
            placeholder={`${d.prompt(subject?.classNoun ?? "backpack")} on the beach`}
          />
          {errors.samplePrompts && (
            <span className="field-error" data-testid="error-samplePrompts">
              {errors.samplePrompts}
            </span>
          )}
        </label>
        <div className="row">{field("seed", "Seed", "seed", "optional", { inputMode: "numeric" })}</div>
      </section>

      <details className="panel" data-testid="advanced-settings">
        <summary>Advanced settings</summary>
        <div className="row">
          <label className="field">
            <span>
              Gradient clipping <span className="hint">every training stage; the reference clips at 1.0</span>
            </span>
            <select name="clip" value={form.clip} onChange={(e) => set("clip", e.target.value)}>
              <option value="on">Clip the gradient norm</option>
              <option value="off">Off (no clipping)</option>
            </select>
          </label>
          {form.clip === "on" && field("maxGradNorm", "Max gradient norm", "maxGradNorm", "default 1.0", { inputMode: "decimal" })}
        </div>
      </details>

      {formError && (
        <p className="error" role="alert">
          {formError}
        </p>
      )}
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Starting…" : "Start run"}
        </button>
      </div>
    </form>
  );
}
