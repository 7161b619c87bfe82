/**
 * A minimal POSIX ustar writer for streaming an export as one archive: each entry is a 512-byte header,
 * the file's bytes, and zero padding to a 512-byte boundary; two zero blocks end the archive. Sizes are
 * known up front, so the whole archive's length is too (Content-Length) and file bodies can be piped
 * from storage without ever being held in memory.
 */

const BLOCK = 512;

export class TarNameError extends Error {}

/** Bytes an entry of `size` bytes takes (header + data + padding). */
export function tarEntrySize(size: number): number {
  return BLOCK + Math.ceil(size / BLOCK) * BLOCK;
}

/** Total archive length for files of these sizes (with the two closing zero blocks). */
export function tarSize(sizes: number[]): number {
  return sizes.reduce((n, s) => n + tarEntrySize(s), 0) + 2 * BLOCK;
}

/** Zero bytes that pad a file of `size` bytes to the block boundary. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

export function tarTrailer(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

/** Splits a path into ustar's prefix (≤ 155 bytes) and name (≤ 100 bytes) at a `/`; refuses what does not fit. */
function splitName(path: string): [prefix: string, name: string] {
  if (!path || path.startsWith("/") || path.split("/").includes("..") || /[\0]/.test(path)) throw new TarNameError(`unsafe tar path ${JSON.stringify(path)}`);
  if (Buffer.byteLength(path) <= 100) return ["", path];
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== "/") continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return [prefix, name];
  }
  throw new TarNameError(`tar path too long for ustar: ${path}`);
}

function octal(value: number, width: number): string {
  // width - 1 octal digits and a NUL terminator
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** The 512-byte ustar header of a regular file (mode 0644). */
export function tarHeader(path: string, size: number, mtime: Date = new Date(0)): Buffer {
  if (!Number.isSafeInteger(size) || size < 0 || size >= 8 ** 11) throw new TarNameError(`size ${size} does not fit a ustar header`);
  const [prefix, name] = splitName(path);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, "utf8");
  h.write(octal(0o644, 8), 100, 8, "ascii"); // mode
  h.write(octal(0, 8), 108, 8, "ascii"); // uid
  h.write(octal(0, 8), 116, 8, "ascii"); // gid
  h.write(octal(size, 12), 124, 12, "ascii");
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 12, "ascii");
  h.write("        ", 148, 8, "ascii"); // checksum field counts as spaces while summing
  h.write("0", 156, 1, "ascii"); // typeflag: regular file
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}
