import { createHash, randomBytes, type Hash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { StudioError } from "./client.errors.js";
import type { FetchLike } from "./graphql.transport.js";

/**
 * Streaming transfers for files too big to hold in memory (model exports and imports are GBs):
 * downloads go through a temp file beside the target while their sha256 is computed, and are renamed
 * into place only when size and hash match; uploads stream the file with its exact Content-Length.
 */

export interface DownloadedFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

export interface DownloadOptions {
  /** Refuse (and delete) the download unless its sha256 is this. */
  sha256?: string | undefined;
  /** Refuse (and delete) the download unless it has this many bytes. */
  sizeBytes?: number | undefined;
  /** For messages, e.g. the file's name inside the export. */
  what: string;
  signal?: AbortSignal | undefined;
  /** Told as bytes arrive (at most every 64 KiB or so: once per chunk). */
  onProgress?: ((doneBytes: number, totalBytes: number | null) => void) | undefined;
  /** Checked against the bytes as they pass, before the file is renamed into place (e.g. a tar's entries). */
  inspect?: ((chunk: Buffer) => void) | undefined;
  /** Called after the stream ended and before the rename; throw to refuse the file. */
  verify?: (() => void) | undefined;
}

/** A path inside `dir` for an export's file name; names that would leave `dir` are refused. */
export function safeJoin(dir: string, name: string): string {
  const path = resolve(dir, name);
  const rel = relative(dir, path);
  if (!name || isAbsolute(name) || rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel))
    throw new StudioError("DOWNLOAD_FAILED", `refusing the file name ${JSON.stringify(name)}: it points outside ${dir}`);
  return path;
}

/** sha256 of a file, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Whether `path` already holds exactly this file (same size, same sha256), so a rerun can skip it. */
export async function alreadyThere(path: string, sizeBytes: number, sha256: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile() || info.size !== sizeBytes) return false;
  return (await sha256File(path)) === sha256;
}

/**
 * GETs `url` into `path` without holding the body in memory: bytes go to `path.part-<pid>` while
 * they are hashed and counted; then size and sha256 are checked, the file is fsynced and renamed
 * to `path`. On any failure (HTTP, mismatch, abort) the temp file is removed and `path` is untouched.
 */
export async function downloadToFile(fetchImpl: FetchLike, url: string, path: string, opts: DownloadOptions): Promise<DownloadedFile> {
  let res: Response;
  try {
    res = await fetchImpl(url, opts.signal ? { signal: opts.signal } : {});
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new StudioError("DOWNLOAD_FAILED", `${opts.what}: cannot reach ${new URL(url).origin}`, undefined, [], { cause: err });
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new StudioError("DOWNLOAD_FAILED", `${opts.what}: ${new URL(url).origin} answered HTTP ${res.status}`);
  }
  const header = Number(res.headers.get("content-length"));
  const total = opts.sizeBytes ?? (Number.isFinite(header) && header > 0 ? header : null);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.part-${process.pid}`;
  const hash = createHash("sha256");
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      try {
        hash.update(chunk);
        done += chunk.length;
        opts.inspect?.(chunk);
        opts.onProgress?.(done, total);
        cb(null, chunk);
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  try {
    const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
    try {
      await pipeline(body, tap, createWriteStream(tmp), opts.signal ? { signal: opts.signal } : {});
    } catch (err) {
      if (opts.signal?.aborted || err instanceof StudioError) throw err;
      throw new StudioError("DOWNLOAD_FAILED", `${opts.what}: the download broke off after ${done} bytes (${(err as Error).message})`, undefined, [], { cause: err });
    }
    const sha256 = hash.digest("hex");
    if (opts.sizeBytes !== undefined && done !== opts.sizeBytes) throw new StudioError("DOWNLOAD_FAILED", `${opts.what}: got ${done} bytes, the API recorded ${opts.sizeBytes}`);
    if (opts.sizeBytes === undefined && Number.isFinite(header) && res.headers.has("content-length") && done !== header)
      throw new StudioError("DOWNLOAD_FAILED", `${opts.what}: got ${done} bytes, Content-Length said ${header}`);
    if (opts.sha256 !== undefined && sha256 !== opts.sha256) throw new StudioError("DOWNLOAD_FAILED", `${opts.what}: sha256 ${sha256} does not match the recorded ${opts.sha256}`);
    opts.verify?.();
    await fsync(tmp);
    await rename(tmp, path);
    return { path, sizeBytes: done, sha256 };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function fsync(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * A multipart/form-data body for a presigned POST policy: every field of `fields` in order, then the
 * file as the last field `file` (storage ignores fields after it). Streams the file; the exact
 * Content-Length is known up front, so storage can refuse a wrong size before reading the body.
 */
export function postPolicyBody(fields: Record<string, string>, filename: string, contentType: string, sizeBytes: number, file: () => AsyncIterable<Uint8Array>) {
  const boundary = `----studio-${randomBytes(12).toString("hex")}`;
  const q = (v: string) => v.replace(/["\r\n\\]/g, "_");
  let head = "";
  for (const [name, value] of Object.entries(fields)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${q(name)}"\r\n\r\n${value}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${q(filename)}"\r\nContent-Type: ${contentType}\r\n\r\n`;
  const pre = Buffer.from(head, "utf8");
  const post = Buffer.from(`\r\n--${boundary}--\r\n`, "utf8");
  async function* parts() {
    yield pre;
    yield* file();
    yield post;
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: pre.length + sizeBytes + post.length,
    stream: () => Readable.toWeb(Readable.from(parts())) as unknown as NonNullable<RequestInit["body"]>,
  };
}

/** POSTs a body from postPolicyBody to a presigned POST URL; storage's refusal becomes UPLOAD_FAILED. */
export async function postToStorage(fetchImpl: FetchLike, url: string, body: ReturnType<typeof postPolicyBody>, what: string, signal?: AbortSignal): Promise<void> {
  let res: Response;
  try {
    const init = {
      method: "POST",
      headers: { "content-type": body.contentType, "content-length": String(body.contentLength) },
      body: body.stream(),
      duplex: "half",
      ...(signal ? { signal } : {}),
    } satisfies RequestInit & { duplex: "half" };
    res = await fetchImpl(url, init);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new StudioError("UPLOAD_FAILED", `${what}: the upload to ${new URL(url).origin} failed (${describeCause(err)})`, undefined, [], { cause: err });
  }
  if (!res.ok) throw new StudioError("UPLOAD_FAILED", `${what}: storage answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  await res.body?.cancel().catch(() => undefined);
}

/** Streams a local file to a presigned POST policy (exact size: storage refuses any other). */
export async function uploadFile(
  fetchImpl: FetchLike,
  url: string,
  fields: Record<string, string>,
  path: string,
  sizeBytes: number,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  const body = postPolicyBody(fields, what, fields["Content-Type"] ?? "application/octet-stream", sizeBytes, () => createReadStream(path) as AsyncIterable<Uint8Array>);
  await postToStorage(fetchImpl, url, body, what, signal);
}

/** Parts in flight at once for a multipart import upload (memory: this × the part size). */
export const PART_CONCURRENCY = 3;
const PART_ATTEMPTS = 3;

/**
 * PUTs a local file's parts to their presigned URLs: part n is bytes [(n-1)·partBytes, n·partBytes) (the
 * last one the rest). PART_CONCURRENCY workers, each reading its parts by position into one reused
 * buffer; a part that fails (network, 5xx) is sent again up to PART_ATTEMPTS times; a 4xx fails at once.
 */
export async function uploadParts(
  fetchImpl: FetchLike,
  path: string,
  sizeBytes: number,
  partBytes: number,
  parts: readonly { partNumber: number; url: string }[],
  opts: { what: string; signal?: AbortSignal | undefined; onPart?: ((done: number, total: number) => void) | undefined },
): Promise<void> {
  const fh = await open(path, "r");
  let next = 0;
  let done = 0;
  const worker = async () => {
    const buf = Buffer.allocUnsafe(Math.min(partBytes, sizeBytes));
    for (let i = next++; i < parts.length; i = next++) {
      const { partNumber, url } = parts[i]!;
      const offset = (partNumber - 1) * partBytes;
      const length = Math.min(partBytes, sizeBytes - offset);
      if (length <= 0) throw new StudioError("UPLOAD_FAILED", `${opts.what}: part ${partNumber} starts past the end of the file`);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      if (bytesRead !== length) throw new StudioError("UPLOAD_FAILED", `${opts.what}: the file changed while it was uploading`);
      for (let attempt = 1; ; attempt++) {
        opts.signal?.throwIfAborted();
        let res: Response;
        try {
          res = await fetchImpl(url, {
            method: "PUT",
            body: buf.subarray(0, length),
            headers: { "content-length": String(length) },
            ...(opts.signal ? { signal: opts.signal } : {}),
          });
        } catch (err) {
          if (opts.signal?.aborted) throw err;
          if (attempt >= PART_ATTEMPTS) throw new StudioError("UPLOAD_FAILED", `${opts.what}: part ${partNumber}: ${describeCause(err)}`, undefined, [], { cause: err });
          continue;
        }
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) break;
        const status = res.status;
        if (status < 500 || attempt >= PART_ATTEMPTS) throw new StudioError("UPLOAD_FAILED", `${opts.what}: storage answered part ${partNumber} with HTTP ${status}`);
      }
      opts.onPart?.(++done, parts.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, parts.length) }, worker));
  } finally {
    await fh.close();
  }
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: { message?: string; code?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}

/** One regular file of a tar archive as it streamed past. */
export interface TarEntry {
  path: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Follows a POSIX ustar stream chunk by chunk (never buffering more than one 512-byte header) and
 * hashes each entry's body, so an archive can be checked against the API's per-file sha256 while
 * it is written to disk.
 */
export class TarWatcher {
  readonly entries: TarEntry[] = [];
  /** Bodies of the small entries `keep` asked for (e.g. studio-export.json), by path. */
  readonly kept = new Map<string, Buffer>();
  private header = Buffer.alloc(0);
  private current: { path: string; size: number; left: number; hash: Hash; body: Buffer[] | null } | null = null;

  /** `keep(path)`: also hold this entry's body (only entries up to 1 MiB are held). */
  constructor(private readonly keep: (path: string) => boolean = () => false) {}
  private pad = 0;
  private ended = false;

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.current) {
        const n = Math.min(this.current.left, chunk.length - off);
        this.current.hash.update(chunk.subarray(off, off + n));
        this.current.body?.push(Buffer.from(chunk.subarray(off, off + n)));
        this.current.left -= n;
        off += n;
        if (this.current.left === 0) {
          const c = this.current;
          this.entries.push({ path: c.path, sizeBytes: c.size, sha256: c.hash.digest("hex") });
          if (c.body) this.kept.set(c.path, Buffer.concat(c.body));
          this.current = null;
          this.pad = (512 - (c.size % 512)) % 512;
        }
      } else if (this.pad > 0) {
        const n = Math.min(this.pad, chunk.length - off);
        this.pad -= n;
        off += n;
      } else if (this.ended) {
        off = chunk.length; // the trailer's zero blocks
      } else {
        const n = Math.min(512 - this.header.length, chunk.length - off);
        this.header = Buffer.concat([this.header, chunk.subarray(off, off + n)]);
        off += n;
        if (this.header.length === 512) this.readHeader();
      }
    }
  }

  /** Throws unless the archive ended cleanly (no entry cut short). */
  finish(): TarEntry[] {
    if (this.current || this.pad > 0 || !this.ended) throw new StudioError("DOWNLOAD_FAILED", "the archive ended in the middle of an entry");
    return this.entries;
  }

  private readHeader(): void {
    const h = this.header;
    this.header = Buffer.alloc(0);
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    const text = (start: number, len: number) => {
      const raw = h.subarray(start, start + len);
      const nul = raw.indexOf(0);
      return raw.subarray(0, nul < 0 ? len : nul).toString("utf8");
    };
    const name = text(0, 100);
    const prefix = text(345, 155);
    const size = parseInt(text(124, 12).trim() || "0", 8);
    const type = String.fromCharCode(h[156] ?? 0);
    if (!Number.isSafeInteger(size) || size < 0) throw new StudioError("DOWNLOAD_FAILED", `the archive has a bad header for ${JSON.stringify(name)}`);
    const path = prefix ? `${prefix}/${name}` : name;
    if (size === 0 && type !== "0" && type !== "\0") return; // directories and the like: no body
    if (size === 0) {
      this.entries.push({ path, sizeBytes: 0, sha256: createHash("sha256").digest("hex") });
      return;
    }
    this.current = { path, size, left: size, hash: createHash("sha256"), body: size <= 1 << 20 && this.keep(path) ? [] : null };
  }
}
