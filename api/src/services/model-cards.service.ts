import { objectKeys } from "@studio/db";
import { METHOD_TOKEN } from "@studio/protocol";
import sharp from "sharp";
import type { Session } from "../context.js";
import { notFound } from "../errors.js";
import type { CheckpointModel, ModelCardImageModel, ModelCardModel } from "../models.js";
import type { StorageRepository } from "../ports/storage.js";

const THUMB_PX = 256;
const META_MAX_BYTES = 1 << 20;
const CACHE_MAX = 1000;

type CheckpointMeta = { baseModel?: { id?: string; fingerprint?: string }; token?: string; instancePrompt?: string } | null;

/**
 * Model cards: what a checkpoint is and how it was made. Relations come through the caller's
 * DataLoaders (so only readable runs reach here, and a list of N checkpoints costs one query per
 * relation). The base model's fingerprint lives only in the checkpoint's checkpoint.json in object
 * storage: it is read lazily, once per checkpoint (the file is immutable, named by its sha256).
 */
export class ModelCardsService {
  private readonly metaCache = new Map<string, Promise<CheckpointMeta>>();
  private readonly thumbs = new Map<string, Promise<void>>();

  constructor(private readonly storage: StorageRepository) {}

  async card(s: Session, c: CheckpointModel): Promise<ModelCardModel> {
    const l = s.loaders;
    const run = await l.run.load(c.runId);
    if (!run) throw notFound("checkpoint");
    const [subject, scores, trainedBy, team] = await Promise.all([
      l.subject.load(run.subjectId),
      l.scoresByCheckpoint.load(c.id),
      run.createdBy ? l.user.load(run.createdBy) : Promise.resolve(null),
      l.teamName.load(run.teamId),
    ]);
    const images = subject ? await l.cardImagesBySubject.load(subject.id) : [];
    const hidden = !!s.principal.link?.promptOnly;
    // the identifier each method trains, when checkpoint.json cannot be read
    const token = METHOD_TOKEN[run.method];
    const classNoun = subject?.classNoun ?? "";
    return {
      checkpoint: c,
      run,
      baseModel: run.baseModel,
      method: run.method,
      token,
      classNoun,
      instancePrompt: classNoun ? `a photo of ${token} ${classNoun}` : null,
      stage: c.stage,
      step: c.step,
      stageSettings: run.config,
      subjectImages: images.map((i) => ({ sha256: i.sha256, teamId: i.teamId, subjectId: i.subjectId, imageId: i.id, displayKey: i.displayKey, hidden })),
      evaluations: scores
        .filter((e) => e.clipI !== null && e.clipT !== null && e.dino !== null)
        .map((e) => ({ protocol: e.protocol, clipI: e.clipI!, clipT: e.clipT!, dino: e.dino!, evaluationId: e.id, evaluatedAt: e.finishedAt ?? c.createdAt })),
      team: team ?? { id: run.teamId, name: "" },
      trainedBy: trainedBy ?? null,
      trainedAt: c.createdAt,
      checkpointSha256: c.sha256,
      checkpointContentHash: c.contentHash ?? null,
    };
  }

  /** checkpoint.json as the engine wrote it; null when it is missing or unreadable. Cached per checkpoint. */
  private meta(c: CheckpointModel): Promise<CheckpointMeta> {
    let p = this.metaCache.get(c.sha256);
    if (!p) {
      const file = c.files.find((f) => f.name === "checkpoint.json");
      p = file
        ? this.storage.get(file.objectKey, META_MAX_BYTES).then(
            (b) => JSON.parse(b.toString("utf8")) as CheckpointMeta,
            () => null,
          )
        : Promise.resolve(null);
      if (this.metaCache.size >= CACHE_MAX) this.metaCache.delete(this.metaCache.keys().next().value!);
      this.metaCache.set(c.sha256, p);
      // a storage hiccup should not be remembered
      void p.then((m) => m === null && this.metaCache.delete(c.sha256));
    }
    return p;
  }

  async revision(card: ModelCardModel): Promise<string | null> {
    return (await this.meta(card.checkpoint))?.baseModel?.fingerprint ?? null;
  }

  /**
   * A ≤256 px WebP of the display copy, made on first use and kept beside it in storage. The
   * original photo is never offered through a model card (another team or a link sees only this).
   */
  async thumbnailUrl(img: ModelCardImageModel): Promise<string | null> {
    if (img.hidden) return null;
    const key = objectKeys.subjectThumb(img.teamId, img.subjectId, img.imageId, THUMB_PX);
    let made = this.thumbs.get(key);
    if (!made) {
      made = (async () => {
        if ((await this.storage.size(key)) !== null) return;
        const display = await this.storage.get(img.displayKey, 64 << 20);
        const thumb = await sharp(display).resize(THUMB_PX, THUMB_PX, { fit: "inside", withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
        await this.storage.put(key, thumb, "image/webp");
      })();
      this.thumbs.set(key, made);
      made.catch(() => this.thumbs.delete(key));
      if (this.thumbs.size > CACHE_MAX * 10) this.thumbs.delete(this.thumbs.keys().next().value!);
    }
    try {
      await made;
    } catch {
      return null;
    }
    return this.storage.presignGet(key);
  }

  /** A Hugging Face style README.md: YAML front matter, then what, how, on what, and how well. */
  async markdown(card: ModelCardModel): Promise<string> {
    const revision = await this.revision(card);
    const yaml = (v: string) => JSON.stringify(v);
    const lines = [
      "---",
      `base_model: ${yaml(card.baseModel)}`,
      ...(revision ? [`base_model_revision: ${yaml(revision)}`] : []),
      "library_name: diffusers",
      "pipeline_tag: text-to-image",
      "tags:",
      "  - text-to-image",
      "  - personalization",
      `  - ${card.method.toLowerCase().replace(/_/g, "-")}`,
      `instance_prompt: ${yaml(card.instancePrompt ?? "")}`,
      "---",
      "",
      `# ${card.token} ${card.classNoun} — ${card.stage} step ${card.step}`,
      "",
      `Personalized from \`${card.baseModel}\`${revision ? ` (revision \`${revision}\`)` : ""} with the ${methodName(card.method)} method.`,
      `Prompt with \`${card.instancePrompt ?? card.token}\`.`,
      "",
      "## Training",
      "",
      `- Method: ${card.method}`,
      `- Token: \`${card.token}\`, class noun: \`${card.classNoun}\``,
      `- Checkpoint: ${card.stage} step ${card.step}, sha256 \`${card.checkpointSha256}\``,
      ...(card.checkpointContentHash ? [`- Weights content hash: \`${card.checkpointContentHash}\` (equal hashes, equal models)`] : []),
      `- Trained by: ${card.trainedBy?.name ?? "unknown"} (${card.team.name}), ${new Date(card.trainedAt).toISOString()}`,
      "",
      "Stage settings:",
      "",
      "```json",
      JSON.stringify(card.stageSettings, null, 2),
      "```",
      "",
      "## Subject images",
      "",
      ...(card.subjectImages.length ? card.subjectImages.map((i, n) => `${n + 1}. sha256 \`${i.sha256}\``) : ["(none recorded)"]),
      "",
      "## Evaluation",
      "",
      ...(card.evaluations.length
        ? [
            "| protocol | CLIP-I | CLIP-T | DINO | evaluated |",
            "|---|---|---|---|---|",
            ...card.evaluations.map((e) => `| ${e.protocol} | ${e.clipI.toFixed(3)} | ${e.clipT.toFixed(3)} | ${e.dino.toFixed(3)} | ${new Date(e.evaluatedAt).toISOString()} |`),
          ]
        : ["Not evaluated yet."]),
      "",
      "Files are safetensors only (no pickled code).",
      "",
    ];
    return lines.join("\n");
  }
}

function methodName(m: ModelCardModel["method"]): string {
  return m === "TWO_STAGE" ? "two-stage (token inversion, then UNet fine-tune)" : m === "DREAMBOOTH" ? "DreamBooth" : "textual inversion";
}
