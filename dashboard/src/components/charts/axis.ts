/** Labels for the dashboard's charts. */

/** A short label: 3 significant digits, exponent form for very large or small values. */
export function fmtValue(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 10_000 || a < 0.001) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

/** Step ticks: 1, 2, 5 × 10ⁿ, integers only (a run has no half steps). */
export const STEP_INCRS = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((e) => [1, 2, 5].map((m) => m * 10 ** e));
