import { z } from "zod";

const encoder = z.object({ id: z.string(), revision: z.string().nullish(), imageSize: z.number().nullish(), embedDim: z.number().nullish() });
// `Evaluation.scoredWith` is JSON: the encoder folder's manifest.json and the subject photos' hashes.
const schema = z.object({
  encoders: z.object({ tiny: z.boolean().optional(), clip: encoder.optional(), dino: encoder.optional() }).passthrough().optional(),
  subjectImages: z.array(z.string()).optional(),
});

/** Which encoders (ids, revisions) and which subject photos produced the numbers. */
export function ScoredWith({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p className="subtle">Not scored yet.</p>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) return <pre className="log">{JSON.stringify(value, null, 2)}</pre>;
  const { encoders, subjectImages } = parsed.data;
  const rows = (["clip", "dino"] as const).flatMap((k) => {
    const e = encoders?.[k];
    return e ? [{ k, e }] : [];
  });
  return (
    <dl className="facts" data-testid="scored-with">
      {rows.map(({ k, e }) => (
        <div key={k}>
          <dt>{k === "clip" ? "CLIP" : "DINO"}</dt>
          <dd>
            <code>{e.id}</code>
            {e.revision ? ` @ ${e.revision.slice(0, 12)}` : ""}
            {e.imageSize ? ` · ${e.imageSize} px` : ""}
            {e.embedDim ? ` · ${e.embedDim}-d` : ""}
            {encoders?.tiny ? " · tiny random (test encoders)" : ""}
          </dd>
        </div>
      ))}
      {subjectImages && (
        <div>
          <dt>Subject photos</dt>
          <dd title={subjectImages.join("\n")}>{subjectImages.length} (sha256 recorded)</dd>
        </div>
      )}
    </dl>
  );
}
