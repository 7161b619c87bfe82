import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { StorageRepository } from "./ports/storage.js";
import type { ExportsService } from "./services/exports.service.js";
import { tarHeader, tarPadding, tarSize, tarTrailer } from "./lib/tar.js";

const ARCHIVE_PATH = /^\/exports\/([0-9a-fA-F-]{36})\.tar$/;

class ClientGone extends Error {}

/** Resolves when `res` can take more bytes; rejects when the client went away (its socket closed). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      res.off("close", onClose);
      resolve();
    };
    const onClose = () => {
      res.off("drain", onDrain);
      reject(new ClientGone());
    };
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

async function write(res: ServerResponse, chunk: Buffer): Promise<void> {
  if (res.destroyed) throw new ClientGone();
  if (!res.write(chunk)) await drained(res);
}

/**
 * `GET /exports/{id}.tar?token=…`: the export as one ustar archive, built on the fly from the storage
 * objects. The signed token in the URL is the permission (ExportsService.archiveUrl issues it after
 * authorization), so a plain browser link works. Each file is piped from storage with backpressure —
 * nothing holds a whole file — and Content-Length is known up front from the recorded sizes. If an
 * object's bytes do not match its recorded size, the connection is cut (the client sees a short body).
 * Returns false for any other path.
 */
export function exportArchiveHandler(exports: ExportsService, storage: StorageRepository, log: (level: "warn" | "error", msg: string) => void) {
  return async (req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const m = ARCHIVE_PATH.exec(url.pathname);
    if (!m) return false;
    const json = (status: number, error: string) => {
      res.writeHead(status, { "content-type": "application/json", ...cors });
      res.end(JSON.stringify({ error }));
    };
    if (req.method !== "GET" && req.method !== "HEAD") return (json(405, "use GET"), true);
    const archive = await exports.archive(m[1]!.toLowerCase(), url.searchParams.get("token") ?? "");
    if (!archive) return (json(404, "no such export, or the link expired or was issued to a key or share link that was revoked since: ask the API for a new archiveUrl"), true);
    const headers = archive.entries.map((e) => tarHeader(e.path, e.sizeBytes));
    res.writeHead(200, {
      ...cors,
      "content-type": "application/x-tar",
      "content-length": String(tarSize(archive.entries.map((e) => e.sizeBytes))),
      "content-disposition": `attachment; filename="${archive.filename}"`,
      "cache-control": "private, no-store",
    });
    if (req.method === "HEAD") return (res.end(), true);
    let body: Readable | null = null;
    try {
      for (const [i, entry] of archive.entries.entries()) {
        await write(res, headers[i]!);
        body = (await storage.stream(entry.objectKey)) as Readable;
        let sent = 0;
        for await (const chunk of body as AsyncIterable<Buffer>) {
          sent += chunk.length;
          if (sent > entry.sizeBytes) break;
          await write(res, chunk);
        }
        body.destroy();
        body = null;
        if (sent !== entry.sizeBytes) throw new Error(`${entry.objectKey}: storage sent ${sent > entry.sizeBytes ? "more than" : sent} bytes, ${entry.sizeBytes} recorded`);
        await write(res, tarPadding(entry.sizeBytes));
      }
      await write(res, tarTrailer());
      res.end();
    } catch (err) {
      body?.destroy();
      if (!(err instanceof ClientGone)) log("error", `export archive ${m[1]}: ${(err as Error).message}`);
      res.destroy();
    }
    return true;
  };
}
