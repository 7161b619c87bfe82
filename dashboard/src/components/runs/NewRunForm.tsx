"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import type { NewRunFactsQuery, RunMethod, StartRunMutation, SubjectsQuery, TrainingPreset } from "@/generated/graphql";
import { NEW_RUN_FACTS_QUERY } from "@/graphql/run-methods";
import { START_RUN } from "@/graphql/runs";
import { SUBJECTS_QUERY } from "@/graphql/subjects";
import { errorText, GraphQLRequestError } from "@/lib/graphql";
import { invalidate, useQuery } from "@/lib/query";
import { useSession } from "@/lib/session";

/** The methods' defaults, presets and limits as the API serves them (`runMethods`: one source, the engine's job-spec schema). */
type Facts = NewRunFactsQuery["runMethods"];
type MethodFacts = Facts["methods"][number];

function methodOf(facts: Facts, m: RunMethod): MethodFacts {
  return facts.methods.find((x) => x.method === m)!;
}
/** Stage-2 steps of `method` under `preset` (the API's rule: explicit steps win). */
function presetSteps(facts: Facts, preset: TrainingPreset, method: RunMethod): number | undefined {
  return facts.presets.find((p) => p.preset === preset)?.stage2Steps.find((s) => s.method === method)?.steps;
}
/** The form's fields for `method` under `preset`, at the method's defaults. */
function defaultsFor(facts: Facts, method: RunMethod, preset: TrainingPreset): Pick<Form, "method" | "preset" | "s1Steps" | "s1Lr" | "s2Steps" | "s2Lr" | "every"> {
  const d = methodOf(facts, method);
  return {
    method,
    preset: d.stage2 ? preset : facts.defaultPreset,
    s1Steps: String(d.stage1?.steps ?? ""),
    s1Lr: d.stage1 ? d.stage1.learningRate.toExponential() : "",
    s2Steps: String(d.stage2 ? (presetSteps(facts, preset, method) ?? d.stage2.steps) : ""),
    s2Lr: d.stage2 ? d.stage2.learningRate.toExponential() : "",
    every: String(d.stage2?.checkpointEvery ?? d.stage1?.checkpointEvery ?? ""),
  };
}
const samplePrompt = (d: MethodFacts, classNoun: string) => d.samplePromptTemplate.replace("{classNoun}", classNoun);

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
  method: RunMethod | null;
  baseModel: string;
  preset: TrainingPreset | null;
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
function numberIn(v: string, r: { min: number; max: number; minExclusive: boolean }): boolean {
  const n = Number(v);
  return v.trim() !== "" && Number.isFinite(n) && (r.minExclusive ? n > r.min : n >= r.min) && n <= r.max;
}
const above = (r: { min: number; max: number; minExclusive: boolean }) => `A number ${r.minExclusive ? "above" : "from"} ${r.min}, at most ${r.max}.`;

/** Client-side checks mirror the API's (with its limits), so most mistakes show before a round trip; the API still decides. */
function validate(f: Form, facts: Facts): Errors {
  const e: Errors = {};
  const L = facts.limits;
  if (!f.method) return e;
  const d = methodOf(facts, f.method);
  const steps = (v: string) => intIn(v, L.steps.min, L.steps.max);
  const stepsText = `A whole number from ${L.steps.min} to ${L.steps.max}.`;
  const every = (v: string) => intIn(v, L.checkpointEvery.min, L.checkpointEvery.max);
  const everyText = `A whole number from ${L.checkpointEvery.min} to ${L.checkpointEvery.max}.`;
  if (!f.subjectId) e.subjectId = "Choose a subject.";
  if (d.stage1) {
    if (!steps(f.s1Steps)) e.stage1Steps = stepsText;
    if (!numberIn(f.s1Lr, L.learningRate)) e.stage1LearningRate = above(L.learningRate);
    if (d.stage1.checkpointEvery !== null) {
      if (!every(f.every)) e.checkpointEvery = everyText;
      else if (steps(f.s1Steps) && Number(f.every) > Number(f.s1Steps)) e.checkpointEvery = "At most the steps.";
    }
  }
  if (f.clip === "on" && !numberIn(f.maxGradNorm, L.maxGradNorm)) e.maxGradNorm = above(L.maxGradNorm);
  if (d.stage2) {
    if (!steps(f.s2Steps)) e.stage2Steps = stepsText;
    if (!numberIn(f.s2Lr, L.learningRate)) e.stage2LearningRate = above(L.learningRate);
    if (!every(f.every)) e.checkpointEvery = everyText;
    else if (steps(f.s2Steps) && Number(f.every) > Number(f.s2Steps)) e.checkpointEvery = "At most the stage-2 steps.";
  }
  const prompts = f.prompts
    .split("\n")
    .map((p) => p.trim())
    .filter(Boolean);
  if (prompts.length > L.samplePrompts.maxCount) e.samplePrompts = `Up to ${L.samplePrompts.maxCount} prompts.`;
  else if (prompts.some((p) => p.length > L.samplePrompts.maxLength)) e.samplePrompts = `Each prompt up to ${L.samplePrompts.maxLength} characters.`;
  if (f.seed.trim() && !intIn(f.seed, L.seed.min, L.seed.max)) e.seed = `A whole number from ${L.seed.min} to ${L.seed.max}.`;
  return e;
}

export function NewRunForm({ initialSubjectId }: { initialSubjectId?: string | undefined }) {
  const session = useSession();
  const router = useRouter();
  const [form, setForm] = useState<Form>({
    subjectId: initialSubjectId ?? "",
    // the method's fields fill in when runMethods arrives
    method: null,
    baseModel: "",
    preset: null,
    s1Steps: "",
    s1Lr: "",
    s2Steps: "",
    s2Lr: "",
    every: "",
    prompts: "",
    seed: "",
    clip: "on",
    maxGradNorm: "",
  });
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Through the cache: subjects the runs list or subjects page read already show at once.
  const subjectsQ = useQuery<SubjectsQuery>(session, SUBJECTS_QUERY, { first: 100 }, { staleMs: 10_000 });
  const factsQ = useQuery<NewRunFactsQuery>(session, NEW_RUN_FACTS_QUERY, {}, { staleMs: 60_000 });
  const subjects = subjectsQ.data ? subjectsQ.data.subjects.edges.map((e) => e.node) : null;
  const models = factsQ.data?.baseModels ?? null;
  const facts = factsQ.data?.runMethods ?? null;
  const loadError = subjectsQ.error ?? factsQ.error;
  useEffect(() => {
    if (models) setForm((f) => ({ ...f, baseModel: f.baseModel || (models.find((b) => b.default) ?? models[0])?.id || "" }));
  }, [models]);
  useEffect(() => {
    if (facts) setForm((f) => (f.method ? f : { ...f, ...defaultsFor(facts, facts.defaultMethod, facts.defaultPreset), maxGradNorm: String(facts.defaultMaxGradNorm) }));
  }, [facts]);
  useEffect(() => {
    if (loadError) setFormError(errorText(loadError));
  }, [loadError]);

  const set = (k: keyof Form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const setMethod = (m: RunMethod) => {
    if (!facts) return;
    setForm((f) => ({ ...f, ...defaultsFor(facts, m, f.preset ?? facts.defaultPreset) }));
    setErrors({});
  };
  const setPreset = (p: TrainingPreset) => {
    if (!facts) return;
    setForm((f) => (f.method && methodOf(facts, f.method).stage2 ? { ...f, ...defaultsFor(facts, f.method, p), s1Steps: f.s1Steps, s1Lr: f.s1Lr, s2Lr: f.s2Lr } : f));
  };

  const submit = async () => {
    if (!facts || !form.method) return;
    const e = validate(form, facts);
    setErrors(e);
    setFormError(null);
    if (Object.keys(e).length) return;
    const d = methodOf(facts, form.method);
    const prompts = form.prompts
      .split("\n")
      .map((p) => p.trim())
      .filter(Boolean);
    const input: Record<string, unknown> = { subjectId: form.subjectId, method: form.method, baseModel: form.baseModel };
    if (d.stage1) Object.assign(input, { stage1Steps: Number(form.s1Steps), stage1LearningRate: Number(form.s1Lr) });
    if (d.stage1 && d.stage1.checkpointEvery !== null) input.checkpointEvery = Number(form.every);
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

  const d = facts && form.method ? methodOf(facts, form.method) : null;
  const subject = subjects?.find((s) => s.id === form.subjectId);
  const field = (name: string, label: string, key: keyof Form, hint: string, props: Record<string, unknown> = {}) => (
    <label className="field">
      <span>
        {label} <span className="hint">{hint}</span>
      </span>
      <input
        name={name}
        value={form[key] ?? ""}
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
            <select name="method" value={form.method ?? ""} disabled={!facts} onChange={(e) => setMethod(e.target.value as RunMethod)}>
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

      {d?.stage1 && (
        <fieldset className="panel">
          <legend>{d.stage2 ? `Stage 1 — token inversion (only the ${d.token} embedding trains)` : "Textual inversion"}</legend>
          <div className="row">
            {field("stage1Steps", "Steps", "s1Steps", `default ${d.stage1.steps}`, { inputMode: "numeric" })}
            {field("stage1LearningRate", "Learning rate", "s1Lr", `default ${d.stage1.learningRate.toExponential(0)}`)}
            {d.stage1.checkpointEvery !== null && field("checkpointEvery", "Checkpoint every", "every", `default ${d.stage1.checkpointEvery} steps`, { inputMode: "numeric" })}
          </div>
        </fieldset>
      )}
      {facts && d?.stage2 && (
        <fieldset className="panel">
          <legend>{d.stage1 ? `Stage 2 — UNet fine-tune (text encoder and ${d.token} frozen)` : "Fine-tune"}</legend>
          <div className="row">
            <label className="field">
              <span>
                Preset <span className="hint">the paper&apos;s settings</span>
              </span>
              <select name="preset" value={form.preset ?? ""} onChange={(e) => setPreset(e.target.value as TrainingPreset)}>
                {facts.presets.map((p) => (
                  <option key={p.preset} value={p.preset}>
                    {p.description} (stage 2: {presetSteps(facts, p.preset, d.method)} steps)
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="row">
            {field("stage2Steps", "Steps", "s2Steps", `default ${presetSteps(facts, form.preset ?? facts.defaultPreset, d.method) ?? d.stage2.steps}`, { inputMode: "numeric" })}
            {field("stage2LearningRate", "Learning rate", "s2Lr", `default ${d.stage2.learningRate.toExponential(0)}`)}
            {field("checkpointEvery", "Checkpoint every", "every", `default ${d.stage2.checkpointEvery} steps`, { inputMode: "numeric" })}
          </div>
        </fieldset>
      )}

      <section className="panel">
        <label className="field">
          <span>
            Sample prompts{" "}
            {facts && d && (
              <span className="hint">
                one per line, up to {facts.limits.samplePrompts.maxCount}; empty: “{samplePrompt(d, subject?.classNoun ?? "{class}")}”
              </span>
            )}
          </span>
          <textarea
            name="samplePrompts"
            rows={3}
            value={form.prompts}
            onChange={(e) => set("prompts", e.target.value)}
            aria-invalid={!!errors.samplePrompts}
            placeholder={d ? `${samplePrompt(d, subject?.classNoun ?? "backpack")} on the beach` : ""}
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
              Gradient clipping <span className="hint">every training stage; the reference clips at {facts?.defaultMaxGradNorm.toFixed(1)}</span>
            </span>
            <select name="clip" value={form.clip} onChange={(e) => set("clip", e.target.value)}>
              <option value="on">Clip the gradient norm</option>
              <option value="off">Off (no clipping)</option>
            </select>
          </label>
          {form.clip === "on" && field("maxGradNorm", "Max gradient norm", "maxGradNorm", `default ${facts?.defaultMaxGradNorm.toFixed(1) ?? ""}`, { inputMode: "decimal" })}
        </div>
      </details>

      {formError && (
        <p className="error" role="alert">
          {formError}
        </p>
      )}
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy || !facts}>
          {busy ? "Starting…" : "Start run"}
        </button>
      </div>
    </form>
  );
}
