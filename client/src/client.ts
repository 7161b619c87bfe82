import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { isTransient, StudioError } from "./client.errors.js";
import type * as G from "./generated/graphql.js";
import { GraphQLTransport, type FetchLike } from "./graphql.transport.js";
import { uploadContentType } from "./image.sniff.js";
import { EVALUATE_CHECKPOINT, EVALUATION, CHECKPOINT_EVALUATIONS, EVALUATION_UPDATED } from "./operations/evaluations.js";
import { GENERATE, GENERATION, GENERATION_UPDATED } from "./operations/generations.js";
import { CANCEL_RUN, CHECKPOINT, RUN, RUN_EVENT_BATCHES, RUNS, START_RUN } from "./operations/runs.js";
import { ADD_SUBJECT_IMAGE, CREATE_IMAGE_UPLOAD, CREATE_SUBJECT, SUBJECT, SUBJECTS } from "./operations/subjects.js";
import { CREATE_SHARE, REVOKE_SHARE, SHARED_WITH_ME, SHARES } from "./operations/sharing.js";
import {
  COMPLETE_MODEL_IMPORT_UPLOAD,
  CREATE_MODEL_IMPORT_MULTIPART_UPLOAD,
  CREATE_MODEL_IMPORT_UPLOAD,
  EXPORT_CHECKPOINT,
  IMPORT_MODEL,
  MODEL_EXPORT,
  MODEL_EXPORT_UPDATED,
  MODEL_IMPORT,
  MODEL_IMPORT_UPDATED,
} from "./operations/transfers.js";
import { BASE_MODELS, VIEWER } from "./operations/viewer.js";
import { alreadyThere, downloadToFile, postPolicyBody, postToStorage, safeJoin, TarWatcher, uploadFile, uploadParts, type DownloadedFile } from "./transfer.stream.js";
import { watchRunEvents, type RunEvent, type WatchOptions } from "./run.watch.js";

export interface StudioClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** An API key (sk_…); every call but health needs one. */
  apiKey?: string | undefined;
  /** For tests or proxies; defaults to the global fetch. */
  fetch?: FetchLike | undefined;
  /** Defaults to `url` with ws:// or wss://. */
  wsUrl?: string | undefined;
}

export type Run = G.RunFieldsFragment;
export type Subject = G.SubjectFieldsFragment;
export type Generation = G.GenerationFieldsFragment;
export type Evaluation = G.EvaluationFieldsFragment;
export type Checkpoint = NonNullable<G.CheckpointQuery["checkpoint"]>;
export type Share = G.ShareFieldsFragment;
export type CreatedShare = G.CreateShareMutation["createShare"];
export type SubjectImage = G.AddSubjectImageMutation["addSubjectImage"];
export type ModelExport = G.ModelExportFieldsFragment;
export type ModelImport = G.ModelImportFieldsFragment;
export type ImportUpload = G.CreateModelImportUploadMutation["createModelImportUpload"];
export type { RunEvent };

/** One file of an export saved on disk (sha256 checked while streaming). */
export interface ExportedFile extends DownloadedFile {
  /** The file's name inside the export, e.g. unet/diffusion_pytorch_model.safetensors. */
  name: string;
  /** True when the file was already there with the same sha256 (not downloaded again). */
  skipped: boolean;
}

/** An export saved as one .tar. */
export interface ExportArchive extends DownloadedFile {
  /** The folder every entry sits in (`model-single-file-1a2b3c4d`). */
  root: string;
  /** The archive's studio-export.json (format, token, base model, …), when it had one. */
  exportMeta: Record<string, unknown> | null;
}

export interface TransferProgress {
  /** Told as bytes arrive: the file (name inside the export, or the archive's), bytes so far, its size. */
  onProgress?: (name: string, doneBytes: number, totalBytes: number | null) => void;
  /** Told when a file is complete. */
  onFile?: (file: ExportedFile) => void;
  signal?: AbortSignal;
}

/** What importModelFiles needs: the files are local paths (safetensors only). */
export interface ImportFilesInput extends Omit<G.ImportModelInput, "checkpointUploadId" | "embeddingUploadId"> {
  checkpoint: string;
  embedding?: string | undefined;
}

/** A file to upload: a path, or bytes with the name to record. */
export type UploadSource = string | { filename: string; bytes: Uint8Array };

const TERMINAL_GENERATION: readonly G.GenerationState[] = ["SUCCEEDED", "FAILED"];
const TERMINAL_EVALUATION: readonly G.EvaluationState[] = ["SUCCEEDED", "FAILED"];
const TERMINAL_TRANSFER: readonly G.TransferState[] = ["SUCCEEDED", "FAILED"];

/**
 * A typed client of the studio's GraphQL API (types generated from api/schema). Errors are
 * StudioError with the API's `extensions.code`; a dead API is `UNREACHABLE`.
 */
/** Import files above this size upload in parts (parallel, retried per part) whatever the server's single-POST limit. */
export const MULTIPART_FROM_BYTES = 256 * 2 ** 20;

/** Files every export carries beside the model's own (docs/platform-contract.md "Exports and imports"). */
export const EXPORT_META_FILES = ["README.md", "studio-export.json"];

export class StudioClient {
  private readonly t: GraphQLTransport;

  constructor(opts: StudioClientOptions) {
    this.t = new GraphQLTransport(opts);
  }

  get url(): string {
    return this.t.url;
  }

  /** Closes the WebSocket, if one is open. */
  close(): Promise<void> {
    return this.t.close();
  }

  // ── who am I ────────────────────────────────────────────────────────────
  async viewer(): Promise<G.ViewerQuery["viewer"]> {
    return (await this.t.request<G.ViewerQuery>(VIEWER)).viewer;
  }

  async baseModels(): Promise<G.BaseModelsQuery["baseModels"]> {
    return (await this.t.request<G.BaseModelsQuery>(BASE_MODELS)).baseModels;
  }

  // ── subjects ────────────────────────────────────────────────────────────
  async subjects(vars: G.SubjectsQueryVariables = {}): Promise<G.SubjectsQuery["subjects"]> {
    return (await this.t.request<G.SubjectsQuery, G.SubjectsQueryVariables>(SUBJECTS, vars)).subjects;
  }

  async subject(id: string): Promise<Subject | null> {
    return (await this.t.request<G.SubjectQuery, G.SubjectQueryVariables>(SUBJECT, { id })).subject;
  }

  async createSubject(input: G.CreateSubjectInput): Promise<Subject> {
    return (await this.t.request<G.CreateSubjectMutation, G.CreateSubjectMutationVariables>(CREATE_SUBJECT, { input })).createSubject;
  }

  /**
   * The upload dance: ask for a presigned POST policy (content type sniffed from the bytes), POST the
   * form fields the API gave and the bytes, then add the image (the API validates it there).
   */
  async uploadSubjectImage(subjectId: string, source: UploadSource): Promise<SubjectImage> {
    const { filename, bytes } = typeof source === "string" ? { filename: basename(source), bytes: await readFile(source) } : source;
    const contentType = uploadContentType(filename, bytes);
    if (!contentType) throw new StudioError("UNSUPPORTED_FILE", `${filename} is not a JPEG, PNG or WebP image`);
    const up = (
      await this.t.request<G.CreateImageUploadMutation, G.CreateImageUploadMutationVariables>(CREATE_IMAGE_UPLOAD, {
        subjectId,
        filename,
        contentType,
        byteSize: bytes.length,
      })
    ).createImageUpload;
    await this.post(up.url, up.fields as Record<string, string>, bytes, filename, contentType);
    const added = await this.t.request<G.AddSubjectImageMutation, G.AddSubjectImageMutationVariables>(ADD_SUBJECT_IMAGE, {
      subjectId,
      uploadId: up.uploadId,
    });
    return added.addSubjectImage;
  }

  // ── runs ────────────────────────────────────────────────────────────────
  async startRun(input: G.StartRunInput): Promise<Run> {
    return (await this.t.request<G.StartRunMutation, G.StartRunMutationVariables>(START_RUN, { input })).startRun;
  }

  async run(id: string): Promise<Run | null> {
    return (await this.t.request<G.RunQuery, G.RunQueryVariables>(RUN, { id })).run;
  }

  async runs(vars: G.RunsQueryVariables = {}): Promise<G.RunsQuery["runs"]> {
    return (await this.t.request<G.RunsQuery, G.RunsQueryVariables>(RUNS, vars)).runs;
  }

  async cancelRun(id: string): Promise<Run> {
    return (await this.t.request<G.CancelRunMutation, G.CancelRunMutationVariables>(CANCEL_RUN, { id })).cancelRun;
  }

  /**
   * The run's events (history after `afterSeq`, then live) until it SUCCEEDED, FAILED or was
   * CANCELED. A dropped connection is resumed with afterSeq: no gap, no duplicate.
   */
  watchRun(runId: string, opts: WatchOptions = {}): AsyncGenerator<RunEvent> {
    return watchRunEvents(
      // one message per committed batch (fewer, larger frames than runEvents), handed on event by event
      (afterSeq) => flatIter(this.t.subscribe<G.RunEventBatchesSubscription>(RUN_EVENT_BATCHES, { runId, afterSeq }), (d) => d.runEventBatches.events),
      opts,
    );
  }

  async checkpoint(id: string): Promise<Checkpoint | null> {
    return (await this.t.request<G.CheckpointQuery, G.CheckpointQueryVariables>(CHECKPOINT, { id })).checkpoint;
  }

  /**
   * Downloads a checkpoint's files into `dir` as plain safetensors, streaming each to disk and checking
   * its sha256; returns the paths. A checkpoint stored compact (`encoding` DELTA) is fetched through a
   * CHECKPOINT export, which decodes its UNet on a trainer (reused when it exists): the files are then
   * byte-identical to a plain checkpoint of the same weights. `raw` downloads the stored objects as
   * they are (a DELTA checkpoint's `unet.delta.safetensors` needs the base model to decode).
   */
  async downloadCheckpoint(id: string, dir: string, opts: { raw?: boolean; onExport?: (e: ModelExport) => void } & TransferProgress = {}): Promise<string[]> {
    const ckpt = await this.checkpoint(id);
    if (!ckpt) throw new StudioError("NOT_FOUND", `checkpoint ${id} not found`);
    if (ckpt.encoding === "DELTA" && !opts.raw) {
      const queued = await this.exportCheckpoint(id, "CHECKPOINT");
      opts.onExport?.(queued);
      const exp = queued.state === "SUCCEEDED" ? queued : await this.waitForExport(queued.id, opts.onExport);
      if (exp.state !== "SUCCEEDED")
        throw new StudioError(
          exp.error?.code ?? "EXPORT_FAILED",
          `decoding checkpoint ${id} failed: ${exp.error?.message ?? "no error recorded"} (use --raw for the stored files)`,
        );
      const files = exp.files.filter((f) => !EXPORT_META_FILES.includes(f.name));
      return (await this.downloadExport({ ...exp, files }, dir, opts)).map((f) => f.path);
    }
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    for (const f of ckpt.files) {
      const path = safeJoin(dir, basename(f.name));
      if (!(await alreadyThere(path, f.sizeBytes, f.sha256)))
        await downloadToFile(this.t.fetch, f.url, path, {
          what: f.name,
          sha256: f.sha256,
          sizeBytes: f.sizeBytes,
          signal: opts.signal,
          onProgress: opts.onProgress && ((done, total) => opts.onProgress!(f.name, done, total)),
        });
      paths.push(path);
    }
    return paths;
  }

  // ── generations ─────────────────────────────────────────────────────────
  async generate(input: G.GenerateInput): Promise<Generation> {
    return (await this.t.request<G.GenerateMutation, G.GenerateMutationVariables>(GENERATE, { input })).generate;
  }

  async generation(id: string): Promise<Generation | null> {
    return (await this.t.request<G.GenerationQuery, G.GenerationQueryVariables>(GENERATION, { id })).generation;
  }

  /** Follows generationUpdated until SUCCEEDED or FAILED; `onUpdate` sees every state. */
  waitForGeneration(id: string, onUpdate?: (g: Generation) => void): Promise<Generation> {
    return this.follow(
      () => mapIter(this.t.subscribe<G.GenerationUpdatedSubscription>(GENERATION_UPDATED, { id }), (d) => d.generationUpdated),
      (g) => TERMINAL_GENERATION.includes(g.state),
      onUpdate,
    );
  }

  /** Saves a generation's images as `<prefix>-<index>-seed-<seed>.png` in `dir`; returns the paths. */
  async saveGenerationImages(g: Generation, dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    for (const img of g.images) {
      const path = join(dir, `generation-${g.id.slice(0, 8)}-${img.index}-seed-${img.seed}.png`);
      await writeFile(path, await this.download(img.url, basename(path)));
      paths.push(path);
    }
    return paths;
  }

  // ── evaluations (docs/evaluation-contract.md) ───────────────────────────
  async evaluateCheckpoint(checkpointId: string, protocol: G.EvaluationProtocol = "QUICK"): Promise<Evaluation> {
    const r = await this.t.request<G.EvaluateCheckpointMutation, G.EvaluateCheckpointMutationVariables>(EVALUATE_CHECKPOINT, {
      checkpointId,
      protocol,
    });
    return r.evaluateCheckpoint;
  }

  async evaluation(id: string): Promise<Evaluation | null> {
    return (await this.t.request<G.EvaluationQuery, G.EvaluationQueryVariables>(EVALUATION, { id })).evaluation;
  }

  /** A checkpoint's evaluations, newest first. */
  async evaluations(checkpointId: string): Promise<Evaluation[]> {
    const r = await this.t.request<G.CheckpointEvaluationsQuery, G.CheckpointEvaluationsQueryVariables>(CHECKPOINT_EVALUATIONS, {
      id: checkpointId,
    });
    if (!r.checkpoint) throw new StudioError("NOT_FOUND", `checkpoint ${checkpointId} not found`);
    return r.checkpoint.evaluations;
  }

  /** Follows evaluationUpdated until SUCCEEDED or FAILED. */
  waitForEvaluation(id: string, onUpdate?: (e: Evaluation) => void): Promise<Evaluation> {
    return this.follow(
      () => mapIter(this.t.subscribe<G.EvaluationUpdatedSubscription>(EVALUATION_UPDATED, { id }), (d) => d.evaluationUpdated),
      (e) => TERMINAL_EVALUATION.includes(e.state),
      onUpdate,
    );
  }

  // ── sharing (api/schema/sharing.graphql) ──────────────────────────────
  /** OWNER. A TEAM share (targetTeamId) or a LINK (token `shl_…`, shown only in this answer). */
  async createShare(input: G.CreateShareInput): Promise<CreatedShare> {
    return (await this.t.request<G.CreateShareMutation, G.CreateShareMutationVariables>(CREATE_SHARE, { input })).createShare;
  }

  async revokeShare(id: string): Promise<Share> {
    return (await this.t.request<G.RevokeShareMutation, G.RevokeShareMutationVariables>(REVOKE_SHARE, { id })).revokeShare;
  }

  /** The team's outgoing shares (of one run, or all), newest first. */
  async shares(runId?: string): Promise<Share[]> {
    return (await this.t.request<G.SharesQuery, G.SharesQueryVariables>(SHARES, { runId: runId ?? null })).shares;
  }

  async sharedWithMe(): Promise<G.SharedWithMeQuery["sharedWithMe"]> {
    return (await this.t.request<G.SharedWithMeQuery>(SHARED_WITH_ME)).sharedWithMe;
  }

  // ── exports and imports (api/schema/transfers.graphql) ──────────────────
  /** Queues an export (or returns the live/SUCCEEDED one of the same checkpoint, format and half). */
  async exportCheckpoint(checkpointId: string, format: G.ExportFormat, half = false): Promise<ModelExport> {
    const r = await this.t.request<G.ExportCheckpointMutation, G.ExportCheckpointMutationVariables>(EXPORT_CHECKPOINT, { checkpointId, format, half });
    return r.exportCheckpoint;
  }

  async modelExport(id: string): Promise<ModelExport | null> {
    return (await this.t.request<G.ModelExportQuery, G.ModelExportQueryVariables>(MODEL_EXPORT, { id })).modelExport;
  }

  /** Follows modelExportUpdated until SUCCEEDED or FAILED. */
  waitForExport(id: string, onUpdate?: (e: ModelExport) => void): Promise<ModelExport> {
    return this.follow(
      () => mapIter(this.t.subscribe<G.ModelExportUpdatedSubscription>(MODEL_EXPORT_UPDATED, { id }), (d) => d.modelExportUpdated),
      (e) => TERMINAL_TRANSFER.includes(e.state),
      onUpdate,
    );
  }

  /**
   * Saves every file of a SUCCEEDED export under `dir` (keeping its sub-folders), streaming each to
   * disk through a temp file while its sha256 is checked; a file already there with the recorded
   * sha256 is kept. Never holds a whole file in memory.
   */
  async downloadExport(exp: ModelExport, dir: string, progress: TransferProgress = {}): Promise<ExportedFile[]> {
    if (exp.state !== "SUCCEEDED") throw new StudioError("NOT_READY", `export ${exp.id} is ${exp.state}, not SUCCEEDED`);
    await mkdir(dir, { recursive: true });
    const saved: ExportedFile[] = [];
    for (const f of exp.files) {
      const path = safeJoin(dir, f.name);
      let file: ExportedFile;
      if (await alreadyThere(path, f.sizeBytes, f.sha256)) file = { name: f.name, path, sizeBytes: f.sizeBytes, sha256: f.sha256, skipped: true };
      else {
        const got = await downloadToFile(this.t.fetch, f.url, path, {
          what: f.name,
          sha256: f.sha256,
          sizeBytes: f.sizeBytes,
          signal: progress.signal,
          onProgress: progress.onProgress && ((done, total) => progress.onProgress!(f.name, done, total)),
        });
        file = { name: f.name, ...got, skipped: false };
      }
      progress.onFile?.(file);
      saved.push(file);
    }
    return saved;
  }

  /**
   * Saves a SUCCEEDED export's archiveUrl (one .tar streamed by the API) at `path`; every entry's
   * sha256 is checked against the export's files while the archive streams past.
   */
  async downloadExportArchive(exp: ModelExport, path: string, progress: TransferProgress = {}): Promise<ExportArchive> {
    if (exp.state !== "SUCCEEDED" || !exp.archiveUrl) throw new StudioError("NOT_READY", `export ${exp.id} is ${exp.state}: no archive yet`);
    const tar = new TarWatcher((p) => p.endsWith("/studio-export.json"));
    const got = await downloadToFile(this.t.fetch, exp.archiveUrl, path, {
      what: basename(path),
      signal: progress.signal,
      onProgress: progress.onProgress && ((done, total) => progress.onProgress!(basename(path), done, total)),
      inspect: (chunk) => tar.push(chunk),
      verify: () => checkArchive(exp, tar.finish()),
    });
    const root = tar.entries[0]?.path.split("/")[0] ?? "";
    const meta = tar.kept.get(`${root}/studio-export.json`);
    return { ...got, root, exportMeta: meta ? parseJson(meta.toString("utf8")) : null };
  }

  /** A presigned POST for one file to import (MEMBER or OWNER; the filename must end in .safetensors). */
  async createModelImportUpload(filename: string, byteSize: number, role: G.ImportFileRole): Promise<ImportUpload> {
    const r = await this.t.request<G.CreateModelImportUploadMutation, G.CreateModelImportUploadMutationVariables>(CREATE_MODEL_IMPORT_UPLOAD, {
      filename,
      byteSize,
      role,
    });
    return r.createModelImportUpload;
  }

  /**
   * Uploads a local file for importModel; returns its uploadId. Files over MULTIPART_FROM_BYTES (or over
   * the server's single-POST limit: USE_MULTIPART) go in parts — a few PUTs in parallel from reused
   * buffers (memory: concurrency × part size), each retried — then completeModelImportUpload; smaller
   * ones as one presigned POST streamed from disk.
   */
  async uploadImportFile(path: string, role: G.ImportFileRole, signal?: AbortSignal, opts: { onPart?: (done: number, total: number) => void } = {}): Promise<string> {
    const filename = basename(path);
    if (!filename.toLowerCase().endsWith(".safetensors"))
      throw new StudioError("UNSUPPORTED_FILE", `${filename}: only .safetensors files can be imported (pickle-based .ckpt/.pt/.bin can run code)`);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new StudioError("UNSUPPORTED_FILE", `${path}: no such file`);
    if (info.size <= MULTIPART_FROM_BYTES) {
      const up = await this.createModelImportUpload(filename, info.size, role).catch((err: unknown) => {
        if (err instanceof StudioError && err.code === "USE_MULTIPART") return null;
        throw err;
      });
      if (up) {
        await uploadFile(this.t.fetch, up.url, up.fields as Record<string, string>, path, info.size, filename, signal);
        return up.uploadId;
      }
    }
    const r = await this.t.request<G.CreateModelImportMultipartUploadMutation, G.CreateModelImportMultipartUploadMutationVariables>(CREATE_MODEL_IMPORT_MULTIPART_UPLOAD, {
      filename,
      byteSize: info.size,
      role,
    });
    const up = r.createModelImportMultipartUpload;
    await uploadParts(this.t.fetch, path, info.size, up.partBytes, up.parts, { what: filename, signal, onPart: opts.onPart });
    await this.t.request<G.CompleteModelImportUploadMutation, G.CompleteModelImportUploadMutationVariables>(COMPLETE_MODEL_IMPORT_UPLOAD, { uploadId: up.uploadId });
    return up.uploadId;
  }

  /**
   * Checks the uploaded files' safetensors headers (UNSAFE_FORMAT, BAD_SAFETENSORS otherwise) and
   * queues the import; follow it with waitForImport.
   */
  async importModel(input: G.ImportModelInput): Promise<ModelImport> {
    return (await this.t.request<G.ImportModelMutation, G.ImportModelMutationVariables>(IMPORT_MODEL, { input })).importModel;
  }

  /** Uploads the checkpoint (and embedding) files and queues the import. */
  async importModelFiles(input: ImportFilesInput, signal?: AbortSignal): Promise<ModelImport> {
    const { checkpoint, embedding, ...rest } = input;
    const checkpointUploadId = await this.uploadImportFile(checkpoint, "CHECKPOINT", signal);
    const embeddingUploadId = embedding ? await this.uploadImportFile(embedding, "EMBEDDING", signal) : undefined;
    return this.importModel({ ...rest, checkpointUploadId, ...(embeddingUploadId ? { embeddingUploadId } : {}) });
  }

  async modelImport(id: string): Promise<ModelImport | null> {
    return (await this.t.request<G.ModelImportQuery, G.ModelImportQueryVariables>(MODEL_IMPORT, { id })).modelImport;
  }

  /** Follows modelImportUpdated until SUCCEEDED or FAILED. */
  waitForImport(id: string, onUpdate?: (i: ModelImport) => void): Promise<ModelImport> {
    return this.follow(
      () => mapIter(this.t.subscribe<G.ModelImportUpdatedSubscription>(MODEL_IMPORT_UPDATED, { id }), (d) => d.modelImportUpdated),
      (i) => TERMINAL_TRANSFER.includes(i.state),
      onUpdate,
    );
  }

  // ── helpers ─────────────────────────────────────────────────────────────
  /**
   * For subscriptions that send the current state first: resubscribing after a dropped
   * connection loses nothing, so transient failures are retried a few times.
   */
  private async follow<T>(open: () => AsyncIterable<T>, done: (v: T) => boolean, onUpdate?: (v: T) => void): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const v of open()) {
          onUpdate?.(v);
          if (done(v)) return v;
        }
        throw new StudioError("CONNECTION_LOST", "the API ended the subscription early");
      } catch (err) {
        if (!isTransient(err) || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  }

  /** A presigned POST policy upload: the form's fields, then the bytes (storage checks size and type). */
  private async post(url: string, fields: Record<string, string>, bytes: Uint8Array, filename: string, contentType: string): Promise<void> {
    const body = postPolicyBody(fields, filename, contentType, bytes.length, async function* () {
      yield bytes;
    });
    await postToStorage(this.t.fetch, url, body, filename);
  }

  private async download(url: string, what: string): Promise<Buffer> {
    let res: Response;
    try {
      res = await this.t.fetch(url);
    } catch (err) {
      throw new StudioError("DOWNLOAD_FAILED", `${what}: cannot reach object storage at ${new URL(url).origin}`, undefined, [], { cause: err });
    }
    if (!res.ok) throw new StudioError("DOWNLOAD_FAILED", `${what}: storage answered HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The archive's entries (`{root}/{name}`) must be exactly the export's files, byte for byte. */
function checkArchive(exp: ModelExport, entries: { path: string; sizeBytes: number; sha256: string }[]): void {
  const byName = new Map(entries.map((e) => [e.path.slice(e.path.indexOf("/") + 1), e]));
  for (const f of exp.files) {
    const e = byName.get(f.name);
    if (!e) throw new StudioError("DOWNLOAD_FAILED", `the archive lacks ${f.name}`);
    if (e.sizeBytes !== f.sizeBytes || e.sha256 !== f.sha256)
      throw new StudioError(
        "DOWNLOAD_FAILED",
        `${f.name} in the archive: sha256 ${e.sha256} (${e.sizeBytes} bytes) does not match the recorded ${f.sha256} (${f.sizeBytes} bytes)`,
      );
  }
  if (entries.length !== exp.files.length) throw new StudioError("DOWNLOAD_FAILED", `the archive has ${entries.length} files, the export ${exp.files.length}`);
}

async function* mapIter<A, B>(src: AsyncIterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const a of src) yield f(a);
}

async function* flatIter<A, B>(src: AsyncIterable<A>, f: (a: A) => readonly B[]): AsyncGenerator<B> {
  for await (const a of src) yield* f(a);
}
