import { randomUUID } from "node:crypto";
import { CHANNELS, objectKeys, type apiQueries } from "@studio/db";
import { badInput, conflict, DomainError, notFound, serverBusy } from "../errors.js";
import type { ModelImportModel, Principal } from "../models.js";
import type { LiveFailure, LiveHub } from "./live-hub.js";
import type { StorageRepository } from "../ports/storage.js";
import type { ApiData } from "../data.js";
import { requireTeamKey } from "./access.js";
import { isUuid } from "../lib/ids.js";
import { BASE_MODELS } from "./run-config.js";
import { checkHeader, DEFAULT_MAX_HEADER_BYTES, headerLength, SafetensorsProblem } from "../lib/safetensors-header.js";
import { BoundedSemaphore } from "../lib/semaphore.js";
import { requireWriter } from "./subjects.service.js";

/** S3's most parts per multipart upload. */
const MAX_PARTS = 10_000;
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

export interface ImportsOptions {
  pollMs: number;
  maxBytes: number;
  /** IMPORT_SINGLE_POST_MAX_BYTES: larger files upload in parts (createMultipartUpload). Default: maxBytes. */
  singlePostMaxBytes?: number;
  /** IMPORT_PART_BYTES: the part size of a multipart import upload (default 64 MiB; S3: 5 MiB–5 GiB). */
  partBytes?: number;
  /** IMPORT_PART_URL_EXPIRY_SECONDS (default 3600). */
  partUrlExpirySeconds?: number;
  /** SAFETENSORS_HEADER_MAX_BYTES (default 4 MiB). */
  headerMaxBytes?: number;
  /** IMPORT_CHECKS_CONCURRENT (default 2). */
  checksConcurrent?: number;
  /** IMPORT_CHECKS_QUEUE_MS (default 15 s). */
  checksQueueMs?: number;
}

/** What ImportsService reads and writes. */
export type ImportsData = Pick<ApiData, "insertImportUpload" | "importUploadsByIds" | "deleteImportUploads" | "createImport" | "getImport">;

/**
 * Imports of models from another installation: presigned POST uploads to a staging key, then a
 * check of each file's safetensors header (range reads only — files can be gigabytes; the declared
 * header length is refused above SAFETENSORS_HEADER_MAX_BYTES before a byte of it is read) BEFORE
 * anything is queued. A pickle/zip or malformed file is refused: its uploads are deleted and nothing
 * is recorded. A checked file is copied server-side (only if unchanged since the check) to a key no
 * client can write and hashed there; the import records that key, its size and sha256, and the
 * trainer refuses different bytes. At most IMPORT_CHECKS_CONCURRENT checks run at once per process;
 * others wait up to IMPORT_CHECKS_QUEUE_MS, then get SERVER_BUSY (retryable, nothing changed).
 * A trainer's engine checks the files again and writes the checkpoint (defence in depth).
 */
export class ImportsService {
  /** Bounds memory and I/O of import checks in this process (docs/security-uploads.md). */
  readonly checks: BoundedSemaphore;

  constructor(
    private readonly data: ImportsData,
    private readonly storage: StorageRepository,
    private readonly live: LiveHub,
    private readonly opts: ImportsOptions,
  ) {
    this.checks = new BoundedSemaphore(opts.checksConcurrent ?? 2, opts.checksQueueMs ?? 15_000);
  }

  async createUpload(p: Principal, a: { filename: string; byteSize: number; role: ImportFileRole }) {
    this.checkNewUpload(p, a);
    const single = this.opts.singlePostMaxBytes ?? this.opts.maxBytes;
    if (a.byteSize > single)
      throw new DomainError("USE_MULTIPART", `files over ${single} bytes upload in parts: createModelImportMultipartUpload (the client and CLI do it for you)`, "byteSize");
    const id = randomUUID();
    const objectKey = objectKeys.importUpload(p.teamId, id, safeName(a.filename));
    const { url, fields, expiresAt } = await this.storage.presignUpload(objectKey, "application/octet-stream", a.byteSize);
    await this.data.insertImportUpload({ id, teamId: p.teamId, createdBy: p.userId, role: a.role, objectKey, filename: a.filename, byteSize: a.byteSize, expiresAt });
    return { uploadId: id, url, fields, expiresAt };
  }

  /**
   * A file of any allowed size, in parts: an S3 multipart upload of the staging key and one presigned
   * PUT per part (exactly `partBytes` each, the last one the rest). completeUpload then checks every
   * part's size against the declared byteSize before storage assembles the file.
   */
  async createMultipartUpload(p: Principal, a: { filename: string; byteSize: number; role: ImportFileRole }) {
    this.checkNewUpload(p, a);
    const partBytes = this.opts.partBytes ?? 64 * 2 ** 20;
    const count = Math.ceil(a.byteSize / partBytes);
    if (count > MAX_PARTS) throw badInput("byteSize", `a file of ${a.byteSize} bytes needs ${count} parts of ${partBytes} bytes; at most ${MAX_PARTS}`);
    const id = randomUUID();
    const objectKey = objectKeys.importUpload(p.teamId, id, safeName(a.filename));
    const s3UploadId = await this.storage.startMultipart(objectKey, "application/octet-stream");
    const life = this.opts.partUrlExpirySeconds ?? 3600;
    const expiresAt = new Date(Date.now() + life * 1000);
    try {
      const parts = await Promise.all(
        Array.from({ length: count }, async (_, i) => ({ partNumber: i + 1, url: await this.storage.presignPart(objectKey, s3UploadId, i + 1, life) })),
      );
      await this.data.insertImportUpload({
        id,
        teamId: p.teamId,
        createdBy: p.userId,
        role: a.role,
        objectKey,
        filename: a.filename,
        byteSize: a.byteSize,
        s3UploadId,
        partBytes,
        expiresAt,
      });
      return { uploadId: id, partBytes, parts, expiresAt };
    } catch (err) {
      await this.storage.abortMultipart(objectKey, s3UploadId).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Assembles a multipart upload once every part is there with its exact size (listed from storage,
   * not taken from the client). Refused (nothing assembled; the parts stay for a retry until the upload
   * expires): a missing, extra or wrongly sized part. Calling it again after success is a no-op.
   */
  async completeUpload(p: Principal, uploadId: string): Promise<boolean> {
    requireTeamKey(p);
    requireWriter(p);
    if (!isUuid(uploadId)) throw notFound("upload");
    const [row] = await this.data.importUploadsByIds(p.teamId, [uploadId]);
    if (!row) throw notFound("upload");
    if (!row.s3UploadId || !row.partBytes) throw badInput("uploadId", "this upload is a single POST: nothing to complete");
    if (this.storage.abandoned(row.expiresAt)) throw badInput("uploadId", "the upload expired; start a new one");
    const staged = await this.storage.stat(row.objectKey);
    if (staged) {
      if (staged.size === row.byteSize) return true; // already assembled
      throw conflict("the assembled file does not have the declared size; start a new upload");
    }
    let parts: { part: number; size: number; etag: string }[];
    try {
      parts = await this.storage.listParts(row.objectKey, row.s3UploadId);
    } catch (err) {
      if ((err as { code?: string }).code === "NoSuchUpload") throw badInput("uploadId", "the upload is gone (expired or already assembled and consumed); start a new one");
      throw err;
    }
    const count = Math.ceil(row.byteSize / row.partBytes);
    for (let n = 1; n <= count; n++) {
      const want = n < count ? row.partBytes : row.byteSize - row.partBytes * (count - 1);
      const got = parts.find((x) => x.part === n);
      if (!got) throw new DomainError("PARTS_MISSING", `part ${n} of ${count} is not uploaded yet: PUT it to its URL, then complete again`, "uploadId");
      if (got.size !== want) throw new DomainError("PART_SIZE_MISMATCH", `part ${n} has ${got.size} bytes, not ${want}: PUT it again with exactly ${want} bytes`, "uploadId");
    }
    if (parts.length !== count) throw new DomainError("PART_SIZE_MISMATCH", `the upload has ${parts.length} parts, not ${count}`, "uploadId");
    await this.storage.completeMultipart(
      row.objectKey,
      row.s3UploadId,
      parts.map((x) => ({ part: x.part, etag: x.etag })),
    );
    return true;
  }

  private checkNewUpload(p: Principal, a: { filename: string; byteSize: number; role: ImportFileRole }): void {
    requireTeamKey(p);
    requireWriter(p);
    if (a.filename.length < 1 || a.filename.length > 255) throw badInput("filename", "filename must be 1–255 characters");
    if (!/\.safetensors$/i.test(a.filename)) throw badInput("filename", "only .safetensors files can be imported (pickle-based .ckpt, .pt and .bin files can run code)");
    if (!Number.isSafeInteger(a.byteSize) || a.byteSize < 10 || a.byteSize > this.opts.maxBytes)
      throw badInput("byteSize", `byteSize must be an integer from 10 to ${this.opts.maxBytes} bytes`);
    if (a.role !== "CHECKPOINT" && a.role !== "EMBEDDING") throw badInput("role", "role must be CHECKPOINT or EMBEDDING");
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
    const rows = await this.data.importUploadsByIds(
      p.teamId,
      wanted.map((w) => w.id),
    );
    const uploads = wanted.map((w) => {
      const row = rows.find((r) => r.id === w.id);
      if (!row) throw notFound("upload");
      if (row.role !== w.role) throw badInput(w.field, `upload ${w.id} was created for ${row.role}, not ${w.role}`);
      return { ...w, row };
    });

    // From here on, a bad file is refused as a whole: every upload of this request is deleted.
    const validated = uploads.map((u) => objectKeys.importFile(p.teamId, u.id, safeName(u.row.filename)));
    const refuse = async (err: DomainError) => {
      await this.storage.remove(...uploads.map((u) => u.row.objectKey), ...validated);
      await this.data.deleteImportUploads(
        p.teamId,
        uploads.map((u) => u.id),
      );
      return err;
    };
    const refs = await this.checks.run(
      async () => {
        const out: apiQueries.NewModelImport["uploads"] = [];
        try {
          for (const [i, u] of uploads.entries()) out.push(await this.checkFile(u, validated[i]!, refuse));
        } catch (err) {
          await this.storage.remove(...validated).catch(() => undefined); // e.g. the 2nd file is not uploaded yet
          throw err;
        }
        return out;
      },
      () => serverBusy(`too many import checks are running on this server; nothing was changed, try again shortly`, Math.max(1000, this.checks.maxWaitMs)),
    );
    const row = await this.data
      .createImport(
        uploads.map((u) => u.id),
        { teamId: p.teamId, createdBy: p.userId, name, classNoun, kind: input.kind ?? "OBJECT", token, baseModel: input.baseModel, uploads: refs },
      )
      .catch(async (err: unknown) => {
        await this.storage.remove(...validated);
        throw err;
      });
    if (!row) {
      await this.storage.remove(...validated);
      throw conflict("this upload was already imported");
    }
    await this.storage.remove(...uploads.map((u) => u.row.objectKey)).catch(() => undefined); // the sweeper retries
    return row;
  }

  /**
   * One file: the staging object whose size was checked (same ETag) is copied server-side to
   * `validatedKey`, which no client can write; the copy's header is checked (range reads: the 8-byte
   * length first, the header only when its declared length is under the cap) and the copy is hashed
   * (streamed, constant memory). What was checked is exactly what is recorded and imported.
   */
  private async checkFile(
    u: { field: string; role: ImportFileRole; row: { objectKey: string; filename: string; byteSize: number; expiresAt: Date } },
    validatedKey: string,
    refuse: (err: DomainError) => Promise<DomainError>,
  ): Promise<apiQueries.NewModelImport["uploads"][number]> {
    const staged = await this.storage.stat(u.row.objectKey);
    if (this.storage.abandoned(u.row.expiresAt)) throw await refuse(badInput(u.field, "the upload expired; start a new one"));
    if (!staged) throw badInput(u.field, "nothing was uploaded yet: POST the file to the upload URL first");
    const size = staged.size;
    if (size !== u.row.byteSize) throw await refuse(badInput(u.field, `the uploaded file has ${size} bytes, but byteSize ${u.row.byteSize} was declared`));
    try {
      await this.storage.copy(u.row.objectKey, validatedKey, staged.etag, size);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "PreconditionFailed" || code === "NoSuchKey" || code === "NotFound")
        throw await refuse(conflict(`${u.field}: the upload changed while it was being checked; start a new upload`));
      throw err;
    }
    try {
      const n = headerLength(await this.storage.range(validatedKey, 0, 8), size, u.row.filename, this.opts.headerMaxBytes ?? DEFAULT_MAX_HEADER_BYTES);
      checkHeader(await this.storage.range(validatedKey, 8, n), size, u.row.filename);
    } catch (err) {
      if (err instanceof SafetensorsProblem) throw await refuse(new DomainError(err.code, err.message, u.field));
      throw err;
    }
    const copy = await this.storage.hash(validatedKey);
    if (copy.size !== size) throw await refuse(conflict(`${u.field}: the copy of the upload has ${copy.size} bytes, not ${size}; start a new upload`));
    return { role: u.role, objectKey: validatedKey, filename: u.row.filename, sizeBytes: size, sha256: copy.sha256 };
  }

  async get(p: Principal, id: string): Promise<ModelImportModel | null> {
    if (p.link || !isUuid(id)) return null;
    return this.data.getImport(p.teamId, id);
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
