/**
 * Prediction metrics. Pure; probabilities are P(correct), labels are 0/1 outcomes.
 */

/**
 * Exact ROC AUC by ranks (Mann–Whitney U): the probability that a random positive is scored
 * above a random negative, ties between a positive and a negative counting one half. Tied
 * scores share their average rank. NaN when either class is absent.
 */
export function auc(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = predictions.length;
  if (labels.length !== n) throw new RangeError(`${n} predictions for ${labels.length} labels`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const p = Float64Array.from({ length: n }, (_, i) => predictions[i] ?? Number.NaN);
  order.sort((a, b) => (p[a] ?? 0) - (p[b] ?? 0));
  let positives = 0;
  let rankSumPositives = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const v = p[order[i] ?? 0];
    while (j + 1 < n && p[order[j + 1] ?? 0] === v) j++;
    const avgRank = (i + j) / 2 + 1; // ranks i+1 … j+1
    for (let k = i; k <= j; k++) {
      if ((labels[order[k] ?? 0] ?? 0) > 0.5) {
        positives++;
        rankSumPositives += avgRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean binary cross-entropy in nats, predictions clipped to [eps, 1 − eps] so a confident miss is finite. */
export function logLoss(predictions: ArrayLike<number>, labels: ArrayLike<number>, eps = 1e-6): number {
  const n = predictions.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - eps, Math.max(eps, predictions[i] ?? 0.5));
    sum -= (labels[i] ?? 0) > 0.5 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / n;
}

/** Root mean squared error between P(correct) and the 0/1 outcome (the Brier score's root). */
export function rmse(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = predictions.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = (predictions[i] ?? 0) - (labels[i] ?? 0);
    sum += d * d;
  }
  return Math.sqrt(sum / n);
}

export interface CalibrationBin {
  /** Bin [lo, hi): the last bin includes 1. */
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  /** NaN for an empty bin. */
  readonly meanPredicted: number;
  readonly observed: number;
}

/** Reliability table over `bins` equal-width bins of the predicted probability. */
export function calibration(predictions: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i] ?? 0;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b] = (count[b] ?? 0) + 1;
    sumP[b] = (sumP[b] ?? 0) + p;
    sumY[b] = (sumY[b] ?? 0) + ((labels[i] ?? 0) > 0.5 ? 1 : 0);
  }
  return Array.from({ length: bins }, (_, b) => {
    const c = count[b] ?? 0;
    return {
      lo: b / bins,
      hi: (b + 1) / bins,
      count: c,
      meanPredicted: c > 0 ? (sumP[b] ?? 0) / c : Number.NaN,
      observed: c > 0 ? (sumY[b] ?? 0) / c : Number.NaN,
    };
  });
}

/** Expected calibration error: count-weighted mean |predicted − observed| over the bins. */
export function expectedCalibrationError(table: readonly CalibrationBin[]): number {
  let n = 0;
  let s = 0;
  for (const b of table) {
    if (b.count === 0) continue;
    n += b.count;
    s += b.count * Math.abs(b.meanPredicted - b.observed);
  }
  return n > 0 ? s / n : Number.NaN;
}

/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, sd: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, sd: 0 };
  const v = values.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1);
  return { mean, sd: Math.sqrt(v) };
}

/** Median of a copy (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}
