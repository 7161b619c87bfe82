/**
 * The image type of a file from its first bytes, checked in the browser before anything is uploaded (a
 * text file renamed .jpg is refused at once, not after a full upload). The API checks again on its side.
 */
export type SniffedType = "image/jpeg" | "image/png" | "image/webp";

export function sniffImageType(head: Uint8Array): SniffedType | null {
  const at = (i: number, bytes: number[]) => bytes.every((b, k) => head[i + k] === b);
  if (at(0, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return "image/webp";
  return null;
}

export async function sniffFile(file: Blob): Promise<SniffedType | null> {
  return sniffImageType(new Uint8Array(await file.slice(0, 16).arrayBuffer()));
}
