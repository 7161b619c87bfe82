import { byStageStep, cumulativeStep, stageLabel } from "./run.steps";

/** What the grid needs of a sample (the run page's fragment and the share-link page's both fit). */
export interface GridSample {
  id: string;
  stage: string;
  step: number;
  prompt: string;
  promptIndex: number;
  url: string;
}

/**
 * Rows are the sample prompts, columns the steps at which samples were drawn, in training order; cells
 * fill in as they arrive. Column heads follow the dashboard's step convention: "stage 2 · step 20" with
 * the run's cumulative step (the chart's and the checkpoint table's axis) beneath.
 */
export function SampleGrid({ samples, prompts, offsets, title = "Samples" }: { samples: GridSample[]; prompts: string[]; offsets: Record<string, number>; title?: string }) {
  const cols = [...new Map(samples.map((s) => [`${s.stage}:${s.step}`, { stage: s.stage, step: s.step }])).values()].sort(byStageStep);
  const rowCount = Math.max(prompts.length, ...samples.map((s) => s.promptIndex + 1), 0);
  const rows = Array.from({ length: rowCount }, (_, i) => prompts[i] ?? samples.find((s) => s.promptIndex === i)?.prompt ?? `prompt ${i + 1}`);
  const cell = new Map(samples.map((s) => [`${s.promptIndex}:${s.stage}:${s.step}`, s]));
  return (
    <section className="panel" aria-labelledby="samples-title">
      <h2 id="samples-title">{title}</h2>
      {cols.length === 0 ? (
        <p className="subtle">Samples appear here as training draws them.</p>
      ) : (
        <div className="sample-scroll">
          <table className="sample-grid" data-testid="sample-grid" data-count={samples.length}>
            <thead>
              <tr>
                <th scope="col">Prompt</th>
                {cols.map((c) => (
                  <th scope="col" key={`${c.stage}:${c.step}`} data-testid="sample-col" data-step={cumulativeStep(c, offsets)}>
                    {stageLabel(c.stage)} · step {c.step}
                    {cumulativeStep(c, offsets) !== c.step && <span className="sample-cum">run step {cumulativeStep(c, offsets)}</span>}
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
                            <img src={s.url} alt={`${prompt}, ${stageLabel(c.stage)} step ${c.step}`} className="sample-img" data-testid="sample-img" width={96} height={96} />
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
