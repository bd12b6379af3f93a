import { describe, expect, it } from "vitest";
import { mulberry32, normalDraw } from "../../src/core/random";
import { RELATIVE_ERROR, bucketIndex, cumulativeAt, emptyHistogram, exactQuantile, merge, mergeInto, percentiles, quantile, record } from "../../src/ops/histogram";
import type { HistogramData } from "../../src/ops/histogram";

/** Log-normal latencies (median ~`median` ms) with a slow tail: what real endpoints look like. */
function latencies(n: number, seed: number, median = 25): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const z = normalDraw(r);
    const tail = r() < 0.02 ? 20 : 1;
    return median * Math.exp(0.7 * z) * tail;
  });
}

function histogramOf(values: readonly number[]): HistogramData {
  const h = emptyHistogram();
  for (const v of values) record(h, v);
  return h;
}

describe("histogram", () => {
  it.each([
    ["log-normal", latencies(20_000, 1)],
    ["fast and uniform", Array.from({ length: 5000 }, (_, i) => 1 + (i % 100) / 10)],
    ["bimodal (cache hit vs miss)", [...latencies(9000, 2, 8), ...latencies(1000, 3, 120)]],
  ])("p50/p95/p99 of %s stay within the relative error of the exact quantiles", (_, values) => {
    const h = histogramOf(values);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = exactQuantile(values, q);
      expect(Math.abs(quantile(h, q) - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-9);
    }
    expect(h.n).toBe(values.length);
    expect(quantile(h, 0)).toBe(Math.min(...values));
    expect(quantile(h, 1)).toBe(Math.max(...values));
  });

  it("keeps the error bound (4.3 %) and few buckets", () => {
    expect(RELATIVE_ERROR).toBeCloseTo(0.0433, 3);
    const h = histogramOf(latencies(50_000, 4));
    expect(Object.keys(h.b).length).toBeLessThan(200);
  });

  it("merging is exact, associative and commutative: any grouping of isolates gives the same histogram", () => {
    const parts = [latencies(3000, 5), latencies(500, 6, 80), latencies(1200, 7, 4), []].map(histogramOf);
    const [a, b, c, d] = parts as [HistogramData, HistogramData, HistogramData, HistogramData];
    const left = merge(merge(a, b), c, d);
    const right = merge(a, merge(b, merge(c, d)));
    const swapped = merge(d, c, a, b);
    const direct = histogramOf([...latencies(3000, 5), ...latencies(500, 6, 80), ...latencies(1200, 7, 4)]);
    for (const h of [right, swapped, direct]) {
      expect(h.b).toEqual(left.b);
      expect(h.n).toBe(left.n);
      expect(h.min).toBe(left.min);
      expect(h.max).toBe(left.max);
      expect(h.sum).toBeCloseTo(left.sum, 6);
    }
    const { mean: m1, ...p1 } = percentiles(left);
    const { mean: m2, ...p2 } = percentiles(direct);
    expect(p1).toEqual(p2);
    expect(m1).toBeCloseTo(m2, 9);
  });

  it("survives JSON (how it crosses RPC and sits in SQLite), including when empty", () => {
    const empty = JSON.parse(JSON.stringify(emptyHistogram())) as HistogramData;
    const h = histogramOf([3, 5, 8]);
    const merged = mergeInto(empty, JSON.parse(JSON.stringify(h)) as HistogramData);
    expect(merged).toEqual(h);
    expect(Number.isNaN(quantile(emptyHistogram(), 0.5))).toBe(true);
  });

  it("ignores nonsense and gives cumulative counts for Prometheus buckets", () => {
    const h = histogramOf([Number.NaN, -1, Number.POSITIVE_INFINITY, 0, 4, 9, 40, 400]);
    expect(h.n).toBe(5);
    expect(cumulativeAt(h, [5, 10, 100, 1000])).toEqual([2, 3, 4, 5]);
    expect(bucketIndex(0)).toBe(bucketIndex(0.001));
  });
});
