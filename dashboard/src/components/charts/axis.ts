/** Axis helpers for the dashboard's SVG charts: "nice" tick values (1, 2, 5 × 10ⁿ) and their labels. */

export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** About `count` round values covering [lo, hi] (inclusive where they land on it). */
export function niceTicks(lo: number, hi: number, count: number, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  let step = niceStep(hi - lo, count);
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9) * step;
  for (let v = first; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Ticks on a log10 axis given in log units: each power of ten, plus 2× and 5× when there are few decades. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const decades = hi - lo;
  const mults = decades < 1.5 ? [1, 2, 5] : [1];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++)
    for (const m of mults) {
      const v = Math.log10(m) + e;
      if (v >= lo - 1e-9 && v <= hi + 1e-9) out.push(v);
    }
  return out.length >= 2 ? out : niceTicks(lo, hi, 4);
}

/** A short label: 3 significant digits, exponent form for very large or small values. */
export function fmtValue(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 10_000 || a < 0.001) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}
