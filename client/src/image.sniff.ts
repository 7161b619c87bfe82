import { extname } from "node:path";

export type ImageContentType = "image/jpeg" | "image/png" | "image/webp";

const BY_EXTENSION: Record<string, ImageContentType> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".webp": "image/webp",
};

/** The file extensions `subjects create` picks up from a folder. */
export const IMAGE_EXTENSIONS = Object.keys(BY_EXTENSION);

/** The content type from the file's first bytes (magic numbers), or null when it is none of the three. */
export function sniffImageType(bytes: Uint8Array): ImageContentType | null {
  const b = (i: number) => bytes[i];
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return "image/jpeg";
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47 && b(4) === 0x0d && b(5) === 0x0a && b(6) === 0x1a && b(7) === 0x0a) return "image/png";
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  return null;
}

/**
 * What to declare for an upload: the sniffed type, else the extension's. A file that only claims
 * to be an image by its name is still sent, so that the API — which validates every upload — gives
 * its own error code for it; null means neither the bytes nor the name say image.
 */
export function uploadContentType(filename: string, bytes: Uint8Array): ImageContentType | null {
  return sniffImageType(bytes) ?? BY_EXTENSION[extname(filename).toLowerCase()] ?? null;
}

export function isImageFilename(filename: string): boolean {
  return BY_EXTENSION[extname(filename).toLowerCase()] !== undefined;
}
