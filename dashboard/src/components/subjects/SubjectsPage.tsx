"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { CreateSubjectMutation, SubjectKind, SubjectsQuery } from "@/generated/graphql";
import { CREATE_SUBJECT, SUBJECTS_QUERY } from "@/graphql/subjects";
import { errorText, GraphQLRequestError } from "@/lib/graphql";
import { invalidate, useQuery } from "@/lib/query";
import { useSession } from "@/lib/session";

type SubjectT = SubjectsQuery["subjects"]["edges"][number]["node"];

export function SubjectsPage() {
  const session = useSession();
  const q = useQuery<SubjectsQuery>(session, SUBJECTS_QUERY, { first: 100 });
  const subjects: SubjectT[] | null = q.data ? q.data.subjects.edges.map((e) => e.node) : null;
  const error = q.error ? errorText(q.error) : null;

  return (
    <div className="stack">
      <div className="page-head">
        <h1>Subjects</h1>
      </div>
      <CreateSubjectForm />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {subjects === null ? (
        <p className="skeleton" role="status">
          Loading subjects…
        </p>
      ) : subjects.length === 0 ? (
        <p className="subtle">No subjects yet. Create one above, then upload 4–6 photos of it.</p>
      ) : (
        <div className="card-grid" data-testid="subject-list">
          {subjects.map((s) => (
            <Link key={s.id} href={`/subjects/${s.id}`} className="panel card" data-testid="subject-card">
              <strong>{s.name}</strong>
              <div className="subtle">
                {s.classNoun} · {s.kind === "LIVE" ? "live" : "object"} · {s.images.length} photo{s.images.length === 1 ? "" : "s"}
              </div>
              <div className="thumbs">
                {s.images.slice(0, 3).map((i) => (
                  <img key={i.id} src={i.url} alt={i.filename} className="thumb" loading="lazy" />
                ))}
                {Array.from({ length: Math.max(0, 3 - s.images.length) }, (_, k) => (
                  <div key={k} className="thumb" aria-hidden="true" />
                ))}
              </div>
            </Link>
          ))}
        </div>
      )}
    </div>
  );
}

function CreateSubjectForm() {
  const session = useSession();
  const router = useRouter();
  const [name, setName] = useState("");
  const [classNoun, setClassNoun] = useState("");
  const [kind, setKind] = useState<SubjectKind>("OBJECT");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<{ field?: string | undefined; message: string } | null>(null);

  const submit = async () => {
    setBusy(true);
    setErr(null);
    try {
      const d = await session.request<CreateSubjectMutation>(CREATE_SUBJECT, { input: { name, classNoun, kind } });
      invalidate("query Subjects");
      router.push(`/subjects/${d.createSubject.id}`);
    } catch (e) {
      setErr({ field: e instanceof GraphQLRequestError ? e.field : undefined, message: errorText(e) });
      setBusy(false);
    }
  };
  const fieldErr = (f: string) => (err?.field === f ? err.message : null);

  return (
    <form
      className="panel"
      aria-labelledby="new-subject"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="new-subject">New subject</h2>
      <div className="row">
        <label className="field">
          <span>Name</span>
          <input name="name" required value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!fieldErr("name")} />
          {fieldErr("name") && <span className="field-error">{fieldErr("name")}</span>}
        </label>
        <label className="field">
          <span>
            Class noun <span className="hint">e.g. backpack, dog</span>
          </span>
          <input name="classNoun" required pattern="[a-z _\-]{1,40}" value={classNoun} onChange={(e) => setClassNoun(e.target.value)} aria-invalid={!!fieldErr("classNoun")} />
          {fieldErr("classNoun") && <span className="field-error">{fieldErr("classNoun")}</span>}
        </label>
        <label className="field">
          <span>Kind</span>
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as SubjectKind)}>
            <option value="OBJECT">Object</option>
            <option value="LIVE">Live subject (pet, person)</option>
          </select>
        </label>
        <div className="field">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Creating…" : "Create subject"}
          </button>
        </div>
      </div>
      {err && !err.field && (
        <p className="error" role="alert">
          {err.message}
        </p>
      )}
    </form>
  );
}
