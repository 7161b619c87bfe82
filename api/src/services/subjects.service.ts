import { objectKeys } from "@studio/db";
import { randomUUID } from "node:crypto";
import { badInput, conflict, forbidden, notFound } from "../errors.js";
import type { Principal, SubjectModel } from "../models.js";
import type { StorageRepository } from "../ports/storage.js";
import type { ApiData } from "../data.js";
import { connection, decodeCursor, isUuid, pageSize } from "../lib/ids.js";
import { IMAGE_TYPES, validateImage } from "../lib/image-validation.js";

const CLASS_NOUN = /^[a-z][a-z _-]{0,39}$/;

export function requireWriter(p: Principal): void {
  if (p.role === "VIEWER") throw forbidden("a VIEWER cannot change the team's subjects or runs (a VIEWER may generate)");
}

/**
 * Object keys (@studio/db objectKeys; docs/platform-contract.md, docs/security-uploads.md): clients write
 * only the staging key (under uploads/); the validated copy and the display copy are written by the API.
 */
const keys = { upload: objectKeys.subjectUpload, image: objectKeys.subjectImage, display: objectKeys.subjectDisplay };

/** A filename safe as the last segment of an object key (and in a Content-Disposition). */
export function safeFilename(name: string, contentType: string): string {
  const ext = IMAGE_TYPES[contentType] === "jpeg" ? "jpg" : IMAGE_TYPES[contentType]!;
  const base = name
    .replace(/\.[^.]*$/, "")
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 80);
  return `${base || "image"}.${ext}`;
}

/** What SubjectsService reads and writes. */
export type SubjectsData = Pick<
  ApiData,
  "insertSubject" | "getSubject" | "listSubjects" | "insertUpload" | "getUpload" | "insertImageConsumingUpload" | "deleteSubjectImage" | "countSubjectImages"
>;

/** Subjects and their photos: presigned uploads straight to storage, then validation with sharp. */
export class SubjectsService {
  constructor(
    private readonly data: SubjectsData,
    private readonly storage: StorageRepository,
    private readonly uploadMaxBytes: number,
    private readonly maxImages = 50,
  ) {}

  /** A subject holds at most `maxImages` photos: refused before anything is signed or stored. */
  private async requireRoom(p: Principal, subjectId: string) {
    if ((await this.data.countSubjectImages(p.teamId, subjectId)) >= this.maxImages)
      throw badInput("subjectId", `a subject holds at most ${this.maxImages} photos: remove one first`);
  }

  async create(p: Principal, input: { name: string; classNoun: string; kind?: "OBJECT" | "LIVE" | null }) {
    requireWriter(p);
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw badInput("name", "name must be 1–100 characters");
    const classNoun = input.classNoun.trim();
    if (!CLASS_NOUN.test(classNoun)) throw badInput("classNoun", "classNoun must be a lowercase noun like `backpack` (a–z, space, _ or -; up to 40)");
    return this.data.insertSubject({ teamId: p.teamId, name, classNoun, kind: input.kind ?? "OBJECT" });
  }

  async get(p: Principal, id: string): Promise<SubjectModel | null> {
    return isUuid(id) ? this.data.getSubject(p.teamId, id) : null;
  }

  async require(p: Principal, id: string): Promise<SubjectModel> {
    const s = await this.get(p, id);
    if (!s) throw notFound("subject");
    return s;
  }

  async list(p: Principal, first: number | null | undefined, after: string | null | undefined) {
    const n = pageSize(first);
    const rows = await this.data.listSubjects(p.teamId, n + 1, decodeCursor(after));
    return connection(rows, n);
  }

  async createImageUpload(p: Principal, a: { subjectId: string; filename: string; contentType: string; byteSize: number }) {
    requireWriter(p);
    const subject = await this.require(p, a.subjectId);
    if (!IMAGE_TYPES[a.contentType]) throw badInput("contentType", "contentType must be image/jpeg, image/png or image/webp");
    if (!Number.isInteger(a.byteSize) || a.byteSize < 1 || a.byteSize > this.uploadMaxBytes) throw badInput("byteSize", `byteSize must be 1–${this.uploadMaxBytes} bytes`);
    if (a.filename.length < 1 || a.filename.length > 255) throw badInput("filename", "filename must be 1–255 characters");
    await this.requireRoom(p, subject.id);
    const id = randomUUID();
    const objectKey = keys.upload(p.teamId, subject.id, id, safeFilename(a.filename, a.contentType));
    const { url, fields, expiresAt } = await this.storage.presignUpload(objectKey, a.contentType, a.byteSize);
    await this.data.insertUpload({
      id,
      teamId: p.teamId,
      subjectId: subject.id,
      objectKey,
      filename: a.filename,
      contentType: a.contentType,
      byteSize: a.byteSize,
      expiresAt,
    });
    return { uploadId: id, url, fields, expiresAt };
  }

  /**
   * Validates what was uploaded: the staging object is first copied server-side to a key no client
   * can write (only if it is still the object whose size was checked), then exactly those bytes are
   * validated and hashed, and that copy is what the image row (and so training, evaluation, thumbnails
   * and model cards) points at. On any problem every object of the upload is deleted and nothing is
   * recorded. On success: an oriented WebP display copy, one subject_images row, upload consumed,
   * staging object deleted — a later upload to the same URL changes nothing that was recorded.
   */
  async addImage(p: Principal, subjectId: string, uploadId: string) {
    requireWriter(p);
    const subject = await this.require(p, subjectId);
    const upload = isUuid(uploadId) ? await this.data.getUpload(p.teamId, uploadId) : null;
    if (!upload || upload.subjectId !== subject.id) throw notFound("upload");
    if (upload.consumedAt) throw conflict("this upload was already added");
    await this.requireRoom(p, subject.id);
    const imageId = randomUUID();
    const imageKey = keys.image(p.teamId, subject.id, imageId, upload.objectKey.slice(upload.objectKey.lastIndexOf("/") + 1));
    const displayKey = keys.display(p.teamId, subject.id, imageId);
    const refuse = async (err: Error) => {
      await this.storage.remove(upload.objectKey, imageKey, displayKey);
      return err;
    };
    const staged = await this.storage.stat(upload.objectKey);
    if (this.storage.abandoned(upload.expiresAt)) throw await refuse(badInput("uploadId", "the upload expired; start a new one"));
    if (!staged) throw badInput("uploadId", "nothing was uploaded yet: POST the file to the upload URL first");
    if (staged.size !== upload.byteSize) throw await refuse(badInput("uploadId", `the uploaded file has ${staged.size} bytes, but byteSize ${upload.byteSize} was declared`));
    try {
      await this.storage.copy(upload.objectKey, imageKey, staged.etag, staged.size);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "PreconditionFailed" || code === "NoSuchKey" || code === "NotFound")
        throw await refuse(conflict("the upload changed while it was being checked; start a new upload"));
      throw err;
    }
    let img;
    try {
      const bytes = await this.storage.get(imageKey, upload.byteSize);
      if (bytes.length !== upload.byteSize) throw badInput("uploadId", `the uploaded file has ${bytes.length} bytes, but byteSize ${upload.byteSize} was declared`);
      img = await validateImage(bytes, upload.contentType);
    } catch (err) {
      throw await refuse(err as Error);
    }
    await this.storage.put(displayKey, img.webp, "image/webp");
    const row = await this.data
      .insertImageConsumingUpload(upload.id, {
        id: imageId,
        teamId: p.teamId,
        subjectId: subject.id,
        objectKey: imageKey,
        displayKey,
        filename: upload.filename,
        contentType: upload.contentType,
        byteSize: upload.byteSize,
        sha256: img.sha256,
        width: img.width,
        height: img.height,
      })
      .catch(async (err: unknown) => {
        await this.storage.remove(imageKey, displayKey);
        throw err;
      });
    if (!row) {
      await this.storage.remove(imageKey, displayKey);
      throw conflict("this upload was already added");
    }
    await this.storage.remove(upload.objectKey).catch(() => undefined); // the sweeper retries
    return row;
  }

  async removeImage(p: Principal, id: string): Promise<string> {
    requireWriter(p);
    const row = isUuid(id) ? await this.data.deleteSubjectImage(p.teamId, id) : null;
    if (!row) throw notFound("image");
    await this.storage.remove(row.objectKey, row.displayKey);
    return row.id;
  }

  countImages(p: Principal, subjectId: string) {
    return this.data.countSubjectImages(p.teamId, subjectId);
  }
}
