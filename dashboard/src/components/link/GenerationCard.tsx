import type { GenerationFieldsFragment } from "@/generated/graphql";

/** One generation: prompt, settings, state and its images as they arrive (placeholders until then). */
export function GenerationCard({ g }: { g: GenerationFieldsFragment }) {
  return (
    <article className="panel gen" data-testid="generation" data-state={g.state}>
      <div className="page-head">
        <div>
          <strong>{g.prompt}</strong>
          <div className="subtle">
            seed {g.seed} · {g.steps} steps · guidance {g.guidanceScale}
          </div>
        </div>
        <span className={`badge state-${g.state}`}>{g.state}</span>
      </div>
      {g.error && (
        <p className="error">
          {g.error.code}: {g.error.message}
        </p>
      )}
      <div className="gen-images">
        {Array.from({ length: g.count }, (_, i) => {
          const img = g.images.find((x) => x.index === i);
          return img ? <img key={i} src={img.url} alt={`${g.prompt} (seed ${img.seed})`} className="gen-img" /> : <div key={i} className="gen-img" aria-hidden="true" />;
        })}
      </div>
    </article>
  );
}
