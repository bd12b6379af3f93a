import { describe, expect, it } from "vitest";
import { auc, calibration, expectedCalibrationError, logLoss, meanSd, median, rmse } from "../../src/eval/metrics";

describe("auc (rank-based, exact)", () => {
  it("counts a positive–negative tie as one half", () => {
    // positives 0.4, 0.8; negatives 0.1, 0.4: pairs 1 + 0.5 + 1 + 1 = 3.5 of 4
    expect(auc([0.1, 0.4, 0.4, 0.8], [0, 1, 0, 1])).toBeCloseTo(0.875, 12);
  });
  it("is 1 for perfect ranking, 0 for reversed, 0.5 for all tied", () => {
    expect(auc([0.1, 0.2, 0.3, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.3, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });
  it("matches the brute-force pair count on a tie-heavy sample", () => {
    const p = [0.3, 0.3, 0.7, 0.1, 0.7, 0.3, 0.9, 0.1];
    const y = [1, 0, 1, 0, 0, 1, 1, 1];
    let s = 0;
    let n = 0;
    for (let i = 0; i < p.length; i++) {
      for (let j = 0; j < p.length; j++) {
        if (y[i] !== 1 || y[j] !== 0) continue;
        n++;
        const pi = p[i] ?? 0;
        const pj = p[j] ?? 0;
        s += pi > pj ? 1 : pi === pj ? 0.5 : 0;
      }
    }
    expect(auc(p, y)).toBeCloseTo(s / n, 12);
  });
  it("is NaN with a single class", () => {
    expect(auc([0.2, 0.4], [1, 1])).toBeNaN();
  });
});

describe("log-loss and RMSE", () => {
  it("match hand-computed values", () => {
    expect(logLoss([0.8, 0.4], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(rmse([0.8, 0.4], [1, 0])).toBeCloseTo(Math.sqrt(0.1), 12);
  });
  it("clips certain misses so the loss stays finite", () => {
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
    expect(logLoss([0, 1], [1, 0])).toBeCloseTo(-Math.log(1e-6), 6);
  });
});

describe("calibration", () => {
  it("bins predictions into 10 equal-width bins, 1.0 in the last", () => {
    const t = calibration([0.05, 0.15, 0.12, 0.95, 1.0], [0, 1, 0, 1, 1]);
    expect(t).toHaveLength(10);
    expect(t[0]).toMatchObject({ count: 1, meanPredicted: 0.05, observed: 0 });
    expect(t[1]?.count).toBe(2);
    expect(t[1]?.meanPredicted).toBeCloseTo(0.135, 12);
    expect(t[1]?.observed).toBe(0.5);
    expect(t[9]?.count).toBe(2);
    expect(t[9]?.meanPredicted).toBeCloseTo(0.975, 12);
    expect(t[9]?.observed).toBe(1);
    expect(t[5]?.count).toBe(0);
    expect(t[5]?.meanPredicted).toBeNaN();
    // ECE = (1·0.05 + 2·0.365 + 2·0.025) / 5
    expect(expectedCalibrationError(t)).toBeCloseTo((0.05 + 2 * 0.365 + 2 * 0.025) / 5, 12);
  });
});

describe("summaries", () => {
  it("mean ± sample sd and median", () => {
    const { mean, sd } = meanSd([1, 2, 3, 4]);
    expect(mean).toBe(2.5);
    expect(sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});
