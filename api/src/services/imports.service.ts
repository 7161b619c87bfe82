import { randomUUID } from "node:crypto";
import { apiQueries, CHANNELS } from "@studio/db";
import { badInput, conflict, DomainError, notFound } from "../errors.js";
import type { ModelImportModel, Principal } from "../models.js";
import type { LiveFailure, LiveHub } from "./live-hub.js";
import type { StorageRepository } from "../repositories/storage.repository.js";
import type { TransfersRepository } from "../repositories/transfers.repository.js";
import { requireTeamKey } from "./access.js";
import { isUuid } from "./ids.js";
import { BASE_MODELS } from "./run-config.js";
import { checkHeader, headerLength, SafetensorsProblem } from "./safetensors-header.js";
import { requireWriter } from "./subjects.service.js";

const CLASS_NOUN = /^[a-z][a-z _-]{0,39}$/;
const TOKEN = /^[^\s]{1,40}$/;

export type ImportFileRole = "CHECKPOINT" | "EMBEDDING";

export interface ImportModelInput {
  name: string;
  classNoun: string;
  kind?: "OBJECT" | "LIVE" | null;
  baseModel: string;
  token?: string | null;
  checkpointUploadId: string;
  embeddingUploadId?: string | null;
}

/** A filename safe as the last segment of an object key. */
function safeName(name: string): string {
  const base = name
    .replace(/\.safetensors$/i, "")
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 80);
  return `${base || "model"}.safetensors`;
}

/**
 * Imports of models from another installation: presigned uploads straight to storage, then a check
 * of each file's safetensors header (range reads only — files can be gigabytes) BEFORE anything is
 * queued. A pickle/zip or malformed file is refused: its uploads are deleted and nothing is recorded.
 * A trainer's engine checks the files again and writes the checkpoint (defence in depth).
 */
export class ImportsService {
  constructor(
    private readonly repo: TransfersRepository,
    private readonly storage: StorageRepository,
    private readonly live: LiveHub,
    private readonly opts: { pollMs: number; maxBytes: number },
  ) {}

  async createUpload(p: Principal, a: { filename: string; byteSize: number; role: ImportFileRole }) {
    requireTeamKey(p);
    requireWriter(p);
    if (a.filename.length < 1 || a.filename.length > 255) throw badInput("filename", "filename must be 1–255 characters");
    if (!/\.safetensors$/i.test(a.filename))
      throw badInput("filename", "only .safetensors files can be imported (pickle-based .ckpt, .pt and .bin files can run code)");
    if (!Number.isSafeInteger(a.byteSize) || a.byteSize < 10 || a.byteSize > this.opts.maxBytes)
      throw badInput("byteSize", `byteSize must be an integer from 10 to ${this.opts.maxBytes} bytes`);
    if (a.role !== "CHECKPOINT" && a.role !== "EMBEDDING") throw badInput("role", "role must be CHECKPOINT or EMBEDDING");
    const id = randomUUID();
    const objectKey = `teams/${p.teamId}/imports/uploads/${id}/${safeName(a.filename)}`;
    const url = await this.storage.presignPut(objectKey);
    const expiresAt = new Date(Date.now() + this.storage.expirySeconds * 1000);
    await this.repo.insertImportUpload({ id, teamId: p.teamId, createdBy: p.userId, role: a.role, objectKey, filename: a.filename, byteSize: a.byteSize, expiresAt });
    return { uploadId: id, url, headers: { "content-type": "application/octet-stream" }, expiresAt };
  }

  async importModel(p: Principal, input: ImportModelInput): Promise<ModelImportModel> {
    requireTeamKey(p);
    requireWriter(p);
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw badInput("name", "name must be 1–100 characters");
    const classNoun = input.classNoun.trim();
    if (!CLASS_NOUN.test(classNoun)) throw badInput("classNoun", "classNoun must be a lowercase noun like `backpack` (a–z, space, _ or -; up to 40)");
    if (!BASE_MODELS.some((m) => m.id === input.baseModel))
      throw badInput("baseModel", `unknown base model "${input.baseModel.slice(0, 100)}"; known: ${BASE_MODELS.map((m) => m.id).join(", ")}`);
    const token = input.token?.trim() || null;
    if (token !== null && !TOKEN.test(token)) throw badInput("token", "token must be 1–40 characters without spaces, like <rare>");
    const wanted: { field: string; id: string; role: ImportFileRole }[] = [{ field: "checkpointUploadId", id: input.checkpointUploadId, role: "CHECKPOINT" }];
    if (input.embeddingUploadId) wanted.push({ field: "embeddingUploadId", id: input.embeddingUploadId, role: "EMBEDDING" });
    if (wanted.length === 2 && wanted[0]!.id === wanted[1]!.id) throw badInput("embeddingUploadId", "the embedding must be a different upload than the checkpoint");
    for (const w of wanted) if (!isUuid(w.id)) throw notFound("upload");
    const rows = await this.repo.importUploads(p.teamId, wanted.map((w) => w.id));
    const uploads = wanted.map((w) => {
      const row = rows.find((r) => r.id === w.id);
      if (!row) throw notFound("upload");
      if (row.role !== w.role) throw badInput(w.field, `upload ${w.id} was created for ${row.role}, not ${w.role}`);
      return { ...w, row };
    });

    // From here on, a bad file is refused as a whole: every upload of this request is deleted.
    const refuse = async (err: DomainError) => {
      await this.storage.remove(...uploads.map((u) => u.row.objectKey));
      await this.repo.deleteImportUploads(p.teamId, uploads.map((u) => u.id));
      return err;
    };
    const refs: apiQueries.NewModelImport["uploads"] = [];
    for (const u of uploads) {
      const size = await this.storage.size(u.row.objectKey);
      if (size === null) throw badInput(u.field, "nothing was uploaded yet: PUT the file to the upload URL first");
      if (u.row.expiresAt.getTime() < Date.now() - 60_000) throw await refuse(badInput(u.field, "the upload expired; start a new one"));
      if (size !== u.row.byteSize)
        throw await refuse(badInput(u.field, `the uploaded file has ${size} bytes, but byteSize ${u.row.byteSize} was declared`));
      try {
        const n = headerLength(await this.storage.range(u.row.objectKey, 0, 8), size, u.row.filename);
        checkHeader(await this.storage.range(u.row.objectKey, 8, n), size, u.row.filename);
      } catch (err) {
        if (err instanceof SafetensorsProblem) throw await refuse(new DomainError(err.code, err.message, u.field));
        throw err;
      }
      refs.push({ role: u.role, objectKey: u.row.objectKey, filename: u.row.filename, sizeBytes: size });
    }
    const row = await this.repo.createImport(
      uploads.map((u) => u.id),
      { teamId: p.teamId, createdBy: p.userId, name, classNoun, kind: input.kind ?? "OBJECT", token, baseModel: input.baseModel, uploads: refs },
    );
    if (!row) throw conflict("this upload was already imported");
    return row;
  }

  async get(p: Principal, id: string): Promise<ModelImportModel | null> {
    if (p.link || !isUuid(id)) return null;
    return this.repo.getImport(p.teamId, id);
  }

  /** The import now, then each time it changes, ending after SUCCEEDED or FAILED. */
  async updates(p: Principal, id: string): Promise<AsyncIterableIterator<ModelImportModel | LiveFailure>> {
    if (!(await this.get(p, id))) throw notFound("import");
    return this.live.follow({
      key: `import:${id}`,
      channel: CHANNELS.transfers,
      matches: (n) => n.kind === "import" && n.id === id,
      read: () => this.get(p, id),
      fingerprint: (i) => JSON.stringify([i.state, i.checkpointId, i.errorCode]),
      isFinal: (i) => i.state === "SUCCEEDED" || i.state === "FAILED",
    });
  }
}
