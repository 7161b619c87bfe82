import { toHumane } from "@/lib/errors";

/** Shared display helpers. Dates are shown in the browser's locale. */
export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : "—");

/** Sizes the way people read them: 2 KB files are "2.0 KiB", never "0.0 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** An API error in words: the code's sentence, then the API's message (lib/errors.ts). */
export function apiErrorText(err: unknown): string {
  return toHumane(err).text;
}
