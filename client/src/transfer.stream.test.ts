import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { downloadToFile, safeJoin, TarWatcher, uploadFile } from "./transfer.stream.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A fetch answering every GET with `body`, sent in small chunks. */
function fakeFetch(body: Buffer, status = 200): typeof fetch {
  return (async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < body.length; i += 1000) c.enqueue(body.subarray(i, i + 1000));
          c.close();
        },
      }),
      { status, headers: { "content-length": String(body.length) } },
    )) as typeof fetch;
}

describe("downloadToFile", () => {
  it("streams to a temp file, checks size and sha256, renames at the end", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dl-"));
    const body = randomBytes(10_000);
    const seen: number[] = [];
    const got = await downloadToFile(fakeFetch(body), "http://x/f", join(dir, "sub", "f.bin"), {
      what: "f.bin",
      sha256: sha(body),
      sizeBytes: body.length,
      onProgress: (done) => seen.push(done),
    });
    expect(got).toEqual({ path: join(dir, "sub", "f.bin"), sizeBytes: 10_000, sha256: sha(body) });
    expect(await readFile(got.path)).toEqual(body);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(10_000);
    expect(await readdir(join(dir, "sub"))).toEqual(["f.bin"]);
  });

  it("a sha256 mismatch or an HTTP error keeps nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dl-"));
    const body = randomBytes(5000);
    await expect(downloadToFile(fakeFetch(body), "http://x/f", join(dir, "f.bin"), { what: "f.bin", sha256: "0".repeat(64) })).rejects.toMatchObject({
      code: "DOWNLOAD_FAILED",
      message: expect.stringContaining("does not match the recorded"),
    });
    await expect(downloadToFile(fakeFetch(body), "http://x/f", join(dir, "f.bin"), { what: "f.bin", sizeBytes: 4999 })).rejects.toMatchObject({ code: "DOWNLOAD_FAILED" });
    await expect(downloadToFile(fakeFetch(body, 403), "http://x/f", join(dir, "f.bin"), { what: "f.bin" })).rejects.toMatchObject({
      code: "DOWNLOAD_FAILED",
      message: expect.stringContaining("HTTP 403"),
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses export file names that leave the folder", () => {
    expect(safeJoin("/tmp/out", "unet/diffusion_pytorch_model.safetensors")).toBe("/tmp/out/unet/diffusion_pytorch_model.safetensors");
    for (const bad of ["../x", "/etc/passwd", "a/../../x", ""]) expect(() => safeJoin("/tmp/out", bad), bad).toThrow(/outside/);
  });
});

describe("TarWatcher", () => {
  it("hashes every entry of a ustar stream fed in odd-sized chunks", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tar-"));
    const root = join(dir, "model-x");
    await mkdir(join(root, "unet"), { recursive: true });
    const files: Record<string, Buffer> = { "a.json": Buffer.from("{}"), "unet/w.safetensors": randomBytes(3000), "empty.txt": Buffer.alloc(0) };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(root, name), bytes);
    execFileSync("tar", ["--format=ustar", "-cf", join(dir, "x.tar"), "-C", dir, "model-x/a.json", "model-x/unet/w.safetensors", "model-x/empty.txt"]);
    const tar = await readFile(join(dir, "x.tar"));
    const w = new TarWatcher((p) => p.endsWith("a.json"));
    for (let i = 0; i < tar.length; i += 333) w.push(tar.subarray(i, i + 333));
    expect(w.finish()).toEqual(Object.entries(files).map(([name, b]) => ({ path: `model-x/${name}`, sizeBytes: b.length, sha256: sha(b) })));
    expect(w.kept.get("model-x/a.json")?.toString()).toBe("{}");

    const cut = new TarWatcher();
    cut.push(tar.subarray(0, 1200));
    expect(() => cut.finish()).toThrow(/ended in the middle/);
  });
});

describe("uploadFile", () => {
  it("streams a POST policy form with its exact Content-Length (not chunked): the fields in order, then the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "up-"));
    const body = randomBytes(200_000);
    await writeFile(join(dir, "m.safetensors"), body);
    const got: { method?: string; headers: Record<string, unknown>; form: Buffer }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ method: req.method, headers: req.headers, form: Buffer.concat(chunks) });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const fields = { key: "uploads/teams/t/imports/u/m.safetensors", "Content-Type": "application/octet-stream", policy: "cG9saWN5", "x-amz-signature": "abc" };
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket`;
      await uploadFile(fetch, url, fields, join(dir, "m.safetensors"), body.length, "m.safetensors");
    } finally {
      server.close();
    }
    expect(got).toHaveLength(1);
    const { method, headers, form } = got[0]!;
    expect(method).toBe("POST");
    expect(headers["content-length"]).toBe(String(form.length));
    expect(headers["transfer-encoding"]).toBeUndefined();
    const boundary = String(headers["content-type"]).match(/^multipart\/form-data; boundary=(.+)$/)![1]!;
    const parts = form.toString("latin1").split(`--${boundary}`);
    expect(parts.at(-1)).toBe("--\r\n");
    const names = parts.slice(1, -1).map((p) => p.match(/; name="([^"]+)"/)![1]);
    expect(names).toEqual([...Object.keys(fields), "file"]);
    const fileStart = form.indexOf("\r\n\r\n", form.lastIndexOf('name="file"')) + 4;
    expect(sha(form.subarray(fileStart, fileStart + body.length))).toBe(sha(body));
    expect(form.length - fileStart - body.length).toBe(`\r\n--${boundary}--\r\n`.length);
  });

  it("turns storage's refusal (e.g. EntityTooLarge) into UPLOAD_FAILED with storage's answer", async () => {
    const dir = await mkdtemp(join(tmpdir(), "up-"));
    await writeFile(join(dir, "m.safetensors"), randomBytes(100));
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.statusCode = 400;
        res.end("<Error><Code>EntityTooLarge</Code></Error>");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket`;
      await expect(uploadFile(fetch, url, { key: "k" }, join(dir, "m.safetensors"), 100, "m.safetensors")).rejects.toMatchObject({
        code: "UPLOAD_FAILED",
        message: expect.stringMatching(/HTTP 400: .*EntityTooLarge/),
      });
    } finally {
      server.close();
    }
  });
});
