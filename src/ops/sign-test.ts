/**
 * Two-sided sign test for paired comparisons (scripts/bench-ab.ts): the chance of a split at
 * least as uneven as `wins` of `n` pairs if neither side were better (each pair a fair coin).
 * Exact binomial tails; 8 of 10 gives 0.11 (suggestive, not proof), 10 of 10 gives 0.002.
 */
export function signTestP(wins: number, n: number): number {
  if (!Number.isInteger(wins) || !Number.isInteger(n) || n < 1 || wins < 0 || wins > n) throw new RangeError(`sign test needs 0 ≤ wins ≤ n, n ≥ 1 (got ${wins} of ${n})`);
  const k = Math.min(wins, n - wins);
  let tail = 0;
  let c = 1; // C(n, 0), then C(n, i) by the recurrence
  for (let i = 0; i <= k; i++) {
    tail += c;
    c = (c * (n - i)) / (i + 1);
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}
