/** Shared display helpers. Dates are shown in the browser's locale. */
export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : "—");

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

/** An API error as the API gave it: `CODE: message`. */
export function apiErrorText(err: unknown): string {
  if (err && typeof err === "object" && "code" in err && "message" in err) return `${String((err as { code: unknown }).code)}: ${String((err as { message: unknown }).message)}`;
  return err instanceof Error ? err.message : String(err);
}
