import type { SampleFieldsFragment } from "@/generated/graphql";

const STAGE_ORDER: Record<string, number> = { stage1: 1, stage2: 2 };

/** Rows are the sample prompts, columns the steps at which samples were drawn; cells fill in as they arrive. */
export function SampleGrid({ samples, prompts }: { samples: SampleFieldsFragment[]; prompts: string[] }) {
  const cols = [...new Map(samples.map((s) => [`${s.stage}:${s.step}`, { stage: s.stage, step: s.step }])).values()].sort(
    (a, b) => (STAGE_ORDER[a.stage] ?? 9) - (STAGE_ORDER[b.stage] ?? 9) || a.step - b.step,
  );
  const rowCount = Math.max(prompts.length, ...samples.map((s) => s.promptIndex + 1), 0);
  const rows = Array.from({ length: rowCount }, (_, i) => prompts[i] ?? samples.find((s) => s.promptIndex === i)?.prompt ?? `prompt ${i + 1}`);
  const cell = new Map(samples.map((s) => [`${s.promptIndex}:${s.stage}:${s.step}`, s]));
  return (
    <section className="panel" aria-labelledby="samples-title">
      <h2 id="samples-title">Samples</h2>
      {cols.length === 0 ? (
        <p className="subtle">Samples appear here as training draws them.</p>
      ) : (
        <div className="sample-scroll">
          <table className="sample-grid" data-testid="sample-grid" data-count={samples.length}>
            <thead>
              <tr>
                <th scope="col">Prompt</th>
                {cols.map((c) => (
                  <th scope="col" key={`${c.stage}:${c.step}`}>
                    {c.stage === "stage1" ? "S1" : c.stage === "stage2" ? "S2" : c.stage} · {c.step}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((prompt, i) => (
                <tr key={i}>
                  <th scope="row" className="sample-prompt">
                    {prompt}
                  </th>
                  {cols.map((c) => {
                    const s = cell.get(`${i}:${c.stage}:${c.step}`);
                    return (
                      <td key={`${c.stage}:${c.step}`}>
                        {s ? (
                          <a href={s.url} target="_blank" rel="noreferrer">
                            <img src={s.url} alt={`${prompt}, ${c.stage} step ${c.step}`} className="sample-img" data-testid="sample-img" width={96} height={96} />
                          </a>
                        ) : (
                          <div className="sample-img sample-empty" aria-hidden="true" />
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
