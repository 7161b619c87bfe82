import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tarHeader, TarNameError, tarPadding, tarSize, tarTrailer } from "./tar.js";

const dir = mkdtempSync(join(tmpdir(), "tar-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const longDir = `export/${"d".repeat(90)}/${"e".repeat(40)}`;
const files: [string, Buffer][] = [
  ["export/model_index.json", Buffer.from('{"a": 1}\n')],
  ["export/unet/diffusion_pytorch_model.safetensors", Buffer.alloc(1500, 7)],
  ["export/empty.txt", Buffer.alloc(0)],
  ["export/exact.bin", Buffer.alloc(512, 1)],
  [`${longDir}/file.json`, Buffer.from("long")], // > 100 bytes: split into prefix + name
];

function archive(): Buffer {
  const parts: Buffer[] = [];
  for (const [name, body] of files) parts.push(tarHeader(name, body.length, new Date("2024-01-02T03:04:05Z")), body, tarPadding(body.length));
  parts.push(tarTrailer());
  return Buffer.concat(parts);
}

describe("ustar writer", () => {
  it("writes an archive that the system tar lists and extracts byte for byte, with the length computed up front", () => {
    const tar = archive();
    expect(tar.length).toBe(tarSize(files.map(([, b]) => b.length)));
    const path = join(dir, "a.tar");
    writeFileSync(path, tar);
    const listing = execFileSync("tar", ["-tvf", path]).toString();
    for (const [name, body] of files) expect(listing).toMatch(new RegExp(`${body.length} .*${name.replace(/[.]/g, "\\.")}`));
    const out = join(dir, "out");
    execFileSync("mkdir", ["-p", out]);
    execFileSync("tar", ["-xf", path, "-C", out]);
    for (const [name, body] of files) expect(readFileSync(join(out, name)).equals(body)).toBe(true);
  });

  it("refuses names that do not fit ustar or would escape the extraction folder", () => {
    expect(() => tarHeader(`x/${"n".repeat(101)}`, 1)).toThrow(TarNameError);
    expect(() => tarHeader("../etc/passwd", 1)).toThrow(TarNameError);
    expect(() => tarHeader("/abs", 1)).toThrow(TarNameError);
  });
});
