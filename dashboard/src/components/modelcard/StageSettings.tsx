/** The run's engine settings (runs.config) as a compact definition list; nested objects become `a.b`. */
function flatten(v: unknown, prefix = ""): [string, string][] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return [[prefix, v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(" | ")]];
  if (typeof v === "object") return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => flatten(x, prefix ? `${prefix}.${k}` : k));
  return [[prefix, String(v)]];
}

export function StageSettings({ settings }: { settings: unknown }) {
  const rows = flatten(settings);
  if (rows.length === 0) return null;
  return (
    <details open>
      <summary>Stage settings ({rows.length})</summary>
      <dl className="facts settings">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>
              <code>{k}</code>
            </dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
