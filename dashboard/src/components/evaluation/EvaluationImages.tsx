import type { EvaluationQuery } from "@/generated/graphql";
import { fmtScore } from "./evaluation.format";

type E = NonNullable<EvaluationQuery["evaluation"]>;
type Image = E["images"][number];

function Thumb({ image, label }: { image: Image; label: string }) {
  return (
    <a href={image.url} target="_blank" rel="noreferrer">
      <img src={image.url} alt={label} className="eval-img" data-testid="evaluation-image" width={72} height={72} loading="lazy" />
    </a>
  );
}

/**
 * The protocol's prompts with their three numbers and images (SUBJECT, grouped by prompt), then the
 * drift pairs: the class prompt by the checkpoint beside the base model, same seed.
 */
export function EvaluationImages({ evaluation: e }: { evaluation: E }) {
  const scores = new Map(e.perPrompt.map((p) => [p.promptIndex, p]));
  const byPrompt = new Map<number, Image[]>();
  for (const i of e.images.filter((i) => i.group === "SUBJECT")) byPrompt.set(i.promptIndex, [...(byPrompt.get(i.promptIndex) ?? []), i]);
  const base = new Map(e.images.filter((i) => i.group === "BASE_CLASS").map((i) => [i.seed, i]));
  const drift = e.images.filter((i) => i.group === "CLASS").sort((a, b) => a.seed - b.seed);
  return (
    <>
      <div className="table-scroll">
        <table className="table" data-testid="per-prompt">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Prompt</th>
              <th scope="col">Scoring prompt (CLIP-T)</th>
              <th scope="col" className="num">
                CLIP-I
              </th>
              <th scope="col" className="num">
                CLIP-T
              </th>
              <th scope="col" className="num">
                DINO
              </th>
              <th scope="col">Images</th>
            </tr>
          </thead>
          <tbody>
            {e.prompts.map((p) => {
              const s = scores.get(p.index);
              return (
                <tr key={p.index} data-testid="prompt-row">
                  <td>{p.index + 1}</td>
                  <th scope="row" className="prompt-cell">
                    {p.prompt}
                  </th>
                  <td className="subtle">{p.scoringPrompt}</td>
                  <td className="num">{fmtScore(s?.clipI)}</td>
                  <td className="num">{fmtScore(s?.clipT)}</td>
                  <td className="num">{fmtScore(s?.dino)}</td>
                  <td>
                    <div className="eval-imgs">
                      {(byPrompt.get(p.index) ?? []).map((i) => (
                        <Thumb key={i.seed} image={i} label={`${p.prompt}, seed ${i.seed}`} />
                      ))}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h3 className="subhead">Drift check images</h3>
      {drift.length === 0 ? (
        <p className="subtle">None yet.</p>
      ) : (
        <table className="drift-grid" data-testid="drift-images">
          <thead>
            <tr>
              <th scope="col">Seed</th>
              <th scope="col">This checkpoint</th>
              <th scope="col">Base model</th>
            </tr>
          </thead>
          <tbody>
            {drift.map((i) => {
              const b = base.get(i.seed);
              return (
                <tr key={i.seed}>
                  <th scope="row">{i.seed}</th>
                  <td>
                    <Thumb image={i} label={`${i.prompt} by this checkpoint, seed ${i.seed}`} />
                  </td>
                  <td>{b ? <Thumb image={b} label={`${b.prompt} by the base model, seed ${b.seed}`} /> : "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
