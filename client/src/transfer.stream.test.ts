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
  it("streams the file with its exact Content-Length (not chunked) and the issued headers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "up-"));
    const body = randomBytes(200_000);
    await writeFile(join(dir, "m.safetensors"), body);
    const got: { headers: Record<string, unknown>; sha: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ headers: req.headers, sha: sha(Buffer.concat(chunks)) });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/put`;
      await uploadFile(fetch, url, { "content-type": "application/octet-stream" }, join(dir, "m.safetensors"), body.length, "m.safetensors");
    } finally {
      server.close();
    }
    expect(got).toHaveLength(1);
    expect(got[0]!.headers).toMatchObject({ "content-length": "200000", "content-type": "application/octet-stream" });
    expect(got[0]!.headers["transfer-encoding"]).toBeUndefined();
    expect(got[0]!.sha).toBe(sha(body));
  });
});
