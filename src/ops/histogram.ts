/**
 * Mergeable latency histograms with logarithmic buckets (the DDSketch idea: Masson, Rim and
 * Lee, "DDSketch: a fast and fully-mergeable quantile sketch with relative-error guarantees",
 * VLDB 2019).
 *
 * A value v > 0 falls in bucket i = ⌈log_γ v⌉, i.e. (γ^(i-1), γ^i]. Quantiles answer with
 * 2γ^i / (γ + 1), which is within a relative error α = (γ − 1)/(γ + 1) of every value in the
 * bucket. With γ = 2^(1/8) that is ±4.3 %, and 0.01 ms … 10 min spans about 210 buckets, of
 * which a real latency distribution fills a few dozen (the map is sparse).
 *
 * Merging adds counts bucket by bucket, so it is exact, associative and commutative: per-
 * isolate histograms can be summed in any order and grouping into minute buckets, hour views
 * or all-time totals without losing anything but the bucket resolution itself.
 */

export const GAMMA = 2 ** (1 / 8);
export const RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1);
const LOG_GAMMA = Math.log(GAMMA);
/** Values at or below this (ms) share bucket MIN_INDEX: sub-10 µs differences do not matter here. */
const MIN_VALUE = 0.01;
const MIN_INDEX = Math.ceil(Math.log(MIN_VALUE) / LOG_GAMMA);

/** Serialisable histogram state (plain JSON: crosses RPC and lives in SQLite as text). */
export interface HistogramData {
  /** bucket index → count (sparse). */
  b: Record<string, number>;
  n: number;
  sum: number;
  min: number;
  max: number;
}

export function emptyHistogram(): HistogramData {
  // min/max are 0 while empty (not ±Infinity, which JSON would turn into null).
  return { b: {}, n: 0, sum: 0, min: 0, max: 0 };
}

export function bucketIndex(value: number): number {
  if (!(value > MIN_VALUE)) return MIN_INDEX;
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

/** The value a bucket answers with: the point of least relative error in (γ^(i-1), γ^i]. */
export function bucketValue(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

/** Upper bound of a bucket (inclusive). */
export function bucketUpper(index: number): number {
  return GAMMA ** index;
}

/** Adds `value` (ms) `count` times, in place. Non-finite or negative values are ignored. */
export function record(h: HistogramData, value: number, count = 1): HistogramData {
  if (!Number.isFinite(value) || value < 0 || count <= 0) return h;
  const key = String(bucketIndex(value));
  h.b[key] = (h.b[key] ?? 0) + count;
  if (h.n === 0 || value < h.min) h.min = value;
  if (h.n === 0 || value > h.max) h.max = value;
  h.n += count;
  h.sum += value * count;
  return h;
}

/** Adds `from` into `into`, in place; returns `into`. */
export function mergeInto(into: HistogramData, from: HistogramData): HistogramData {
  if (from.n === 0) return into;
  for (const [k, c] of Object.entries(from.b)) into.b[k] = (into.b[k] ?? 0) + c;
  into.min = into.n === 0 ? from.min : Math.min(into.min, from.min);
  into.max = into.n === 0 ? from.max : Math.max(into.max, from.max);
  into.n += from.n;
  into.sum += from.sum;
  return into;
}

/** A new histogram holding all of them. */
export function merge(...hs: HistogramData[]): HistogramData {
  const out = emptyHistogram();
  for (const h of hs) mergeInto(out, h);
  return out;
}

function sortedBuckets(h: HistogramData): Array<[number, number]> {
  return Object.entries(h.b)
    .map(([k, c]) => [Number(k), c] as [number, number])
    .sort((a, b) => a[0] - b[0]);
}

/**
 * The q-quantile (0 ≤ q ≤ 1), within RELATIVE_ERROR of the exact nearest-rank quantile
 * (the ⌈q·n⌉-th smallest value); NaN when empty. The first and last ranks answer with the
 * observed min and max, exactly.
 */
export function quantile(h: HistogramData, q: number): number {
  if (h.n === 0) return Number.NaN;
  const rank = Math.min(h.n, Math.max(1, Math.ceil(q * h.n)));
  // The smallest and largest values are known exactly.
  if (rank === 1) return h.min;
  if (rank === h.n) return h.max;
  let seen = 0;
  for (const [i, c] of sortedBuckets(h)) {
    seen += c;
    if (seen >= rank) return Math.min(h.max, Math.max(h.min, bucketValue(i)));
  }
  return h.max;
}

export function mean(h: HistogramData): number {
  return h.n === 0 ? Number.NaN : h.sum / h.n;
}

/**
 * Cumulative counts at the given upper bounds (ms), for Prometheus `le` buckets. A fine
 * bucket counts toward `le` when its representative value is ≤ le, so a coarse bucket is
 * as accurate as the fine ones (±RELATIVE_ERROR at its edge).
 */
export function cumulativeAt(h: HistogramData, bounds: readonly number[]): number[] {
  const buckets = sortedBuckets(h);
  return bounds.map((le) => {
    let n = 0;
    for (const [i, c] of buckets) {
      if (bucketValue(i) <= le) n += c;
      else break;
    }
    return n;
  });
}

/** Percentiles used everywhere in reports. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export function percentiles(h: HistogramData): Percentiles {
  return { count: h.n, p50: quantile(h, 0.5), p95: quantile(h, 0.95), p99: quantile(h, 0.99), mean: mean(h), max: h.n === 0 ? Number.NaN : h.max };
}

/** Exact nearest-rank quantile of raw samples (benchmarks and tests). */
export function exactQuantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
}
