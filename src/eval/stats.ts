/** Mean of a list (NaN when empty). */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Two-sided 95 % Student t quantiles for 1…10 degrees of freedom (then 1.96 + 2.4/df, within 1 % of the table). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

/** Mean and 95 % t interval half-width of independent replicate values (NaN values dropped). */
export function meanCi(values: readonly number[]): { mean: number; half: number; n: number } {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  const m = mean(v);
  if (n < 2) return { mean: m, half: Number.NaN, n };
  const sd = Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
  const df = n - 1;
  const t = T95[df - 1] ?? 1.96 + 2.4 / df;
  return { mean: m, half: (t * sd) / Math.sqrt(n), n };
}
