// A hand-written reader instead of zod: zod would add ~40 KB gzip to this page's browser bundle.
interface Encoder {
  id: string;
  revision?: string | null;
  imageSize?: number | null;
  embedDim?: number | null;
}
interface Parsed {
  encoders?: { tiny?: boolean; clip?: Encoder; dino?: Encoder };
  subjectImages?: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const optNum = (v: unknown) => v === undefined || v === null || typeof v === "number";
const optStr = (v: unknown) => v === undefined || v === null || typeof v === "string";

function encoderOf(v: unknown): Encoder | undefined | false {
  if (v === undefined) return undefined;
  if (!isObj(v) || typeof v.id !== "string" || !optStr(v.revision) || !optNum(v.imageSize) || !optNum(v.embedDim)) return false;
  return v as unknown as Encoder;
}

/** `Evaluation.scoredWith` is JSON: the encoder folder's manifest.json and the subject photos' hashes. Null when it has another shape. */
export function parseScoredWith(value: unknown): Parsed | null {
  if (!isObj(value)) return null;
  const out: Parsed = {};
  if (value.encoders !== undefined) {
    const e = value.encoders;
    if (!isObj(e) || (e.tiny !== undefined && typeof e.tiny !== "boolean")) return null;
    const clip = encoderOf(e.clip);
    const dino = encoderOf(e.dino);
    if (clip === false || dino === false) return null;
    out.encoders = { ...(e.tiny !== undefined ? { tiny: e.tiny as boolean } : {}), ...(clip ? { clip } : {}), ...(dino ? { dino } : {}) };
  }
  if (value.subjectImages !== undefined) {
    if (!Array.isArray(value.subjectImages) || !value.subjectImages.every((x) => typeof x === "string")) return null;
    out.subjectImages = value.subjectImages as string[];
  }
  return out;
}

/** Which encoders (ids, revisions) and which subject photos produced the numbers. */
export function ScoredWith({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p className="subtle">Not scored yet.</p>;
  const parsed = parseScoredWith(value);
  if (!parsed) return <pre className="log">{JSON.stringify(value, null, 2)}</pre>;
  const { encoders, subjectImages } = parsed;
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
