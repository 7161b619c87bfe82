"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { RunState, RunsQuery, SubjectsQuery } from "@/generated/graphql";
import { RUNS_QUERY } from "@/graphql/runs";
import { SUBJECTS_QUERY } from "@/graphql/subjects";
import { errorText } from "@/lib/graphql";
import { useQuery } from "@/lib/query";
import { useSession } from "@/lib/session";

const STATES: RunState[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED"];
const POLL_MS = 3000;
/** The compare view takes 2–4 runs (the paper's Table 1 has a handful of rows). */
const COMPARE_MIN = 2;
const COMPARE_MAX = 4;

/** Every run of the team, newest first, refreshed every few seconds so states stay current. */
export function RunsList() {
  const session = useSession();
  const [subjectId, setSubjectId] = useState("");
  const [state, setState] = useState("");
  const [selected, setSelected] = useState<string[]>([]);
  const router = useRouter();
  const canCompare = selected.length >= COMPARE_MIN && selected.length <= COMPARE_MAX;
  const toggle = (id: string, on: boolean) => setSelected((s) => (on ? [...s.filter((x) => x !== id), id] : s.filter((x) => x !== id)));
  // Cached: coming back to the list shows the last answer at once, then refreshes every few seconds.
  const subjectsQ = useQuery<SubjectsQuery>(session, SUBJECTS_QUERY, { first: 100 }, { staleMs: 30_000 });
  const runsQ = useQuery<RunsQuery>(session, RUNS_QUERY, { first: 100, subjectId: subjectId || null, state: state || null }, { pollMs: POLL_MS });
  const subjects = subjectsQ.data?.subjects.edges.map((e) => e.node) ?? [];
  const runs = runsQ.data ? runsQ.data.runs.edges.map((e) => e.node) : null;
  const error = runsQ.error ? errorText(runsQ.error) : null;

  return (
    <div>
      <div className="page-head">
        <h1>Runs</h1>
        <div className="run-actions">
          <span className="subtle" id="compare-hint" aria-live="polite">
            {selected.length === 0 ? `Select ${COMPARE_MIN}–${COMPARE_MAX} runs to compare` : `${selected.length} selected`}
          </span>
          <button
            type="button"
            className="btn"
            disabled={!canCompare}
            aria-describedby="compare-hint"
            onClick={() => router.push(`/compare?runs=${selected.map(encodeURIComponent).join(",")}`)}
          >
            Compare
          </button>
          <Link className="btn btn-primary" href="/runs/new">
            New run
          </Link>
        </div>
      </div>
      <div className="toolbar" role="search">
        <label className="field">
          <span>Subject</span>
          <select value={subjectId} onChange={(e) => setSubjectId(e.target.value)} name="filterSubject">
            <option value="">All subjects</option>
            {subjects.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>State</span>
          <select value={state} onChange={(e) => setState(e.target.value)} name="filterState">
            <option value="">Any state</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {runs === null ? (
        <p className="skeleton" role="status">
          Loading runs…
        </p>
      ) : runs.length === 0 ? (
        <p className="subtle">{subjectId || state ? "No runs match these filters." : "No runs yet. Create a subject, upload photos, then start a run."}</p>
      ) : (
        <div className="panel">
          <table className="table table-cards" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Compare</span>
                </th>
                <th scope="col">Subject</th>
                <th scope="col">Method</th>
                <th scope="col">Base model</th>
                <th scope="col">State</th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} data-testid="run-row" data-state={r.state} data-run={r.id}>
                  <td className="select-cell" data-label="Compare">
                    <input
                      type="checkbox"
                      checked={selected.includes(r.id)}
                      disabled={!selected.includes(r.id) && selected.length >= COMPARE_MAX}
                      onChange={(e) => toggle(r.id, e.target.checked)}
                      aria-label={`Compare run of ${r.subject.name} (${r.method}, ${new Date(r.createdAt).toLocaleString()})`}
                    />
                  </td>
                  <td data-label="Subject">
                    <Link href={`/runs/${r.id}`}>{r.subject.name}</Link>
                  </td>
                  <td data-label="Method">{r.method}</td>
                  <td data-label="Base model">{r.baseModel}</td>
                  <td data-label="State">
                    <span className={`badge state-${r.state}`}>{r.state}</span>
                  </td>
                  <td data-label="Progress">
                    {r.step}/{r.totalSteps}
                    {r.stage ? ` · ${r.stage}` : ""}
                  </td>
                  <td data-label="Created">{new Date(r.createdAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
