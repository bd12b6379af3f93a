import { describe, expect, it } from "vitest";
import { DEFAULT_CALIBRATION_CONFIG, calibrateItem, calibrateItems, estimateDiscriminationShift } from "../../src/core/calibration";
import type { AbilityBin } from "../../src/core/calibration";
import { sigmoid } from "../../src/core/knowledge";
import { mulberry32, normalDraw } from "../../src/core/random";
import { aggregateObservations, parseItemStat } from "../../src/stats/item-stats";

/** n answers to an item (a, b, c) from learners θ ~ N(0, 1) whose (calibrated) belief is θ ~ N(μ, v): μ ~ N(0, 1 − v), θ = μ + N(0, v). */
function answers(seed: number, n: number, item: { a: number; b: number; c: number }, v = 0): AbilityBin[] {
  const rng = mulberry32(seed);
  const obs = Array.from({ length: n }, () => {
    const believed = normalDraw(rng, 0, Math.sqrt(1 - v));
    const theta = believed + normalDraw(rng, 0, Math.sqrt(v));
    const p = item.c + (1 - item.c) * sigmoid(item.a * (theta - item.b));
    return { itemId: "i", correct: rng() < p, expected: 0.5, theta: believed, thetaVariance: v, responseMs: 1000 };
  });
  return parseItemStat("i", aggregateObservations(obs).i ?? null).bins;
}

describe("calibrateItem", () => {
  it("keeps the authored values with no responses", () => {
    const r = calibrateItem({ difficulty: 0.7, discrimination: 1.2, guessing: 0.25 }, []);
    expect(r).toEqual({ difficulty: 0.7, discrimination: 1.2, guessing: 0.25, responses: 0, seDifficulty: 1, status: "authored", discriminationEstimated: false });
  });

  it("shrinks toward the authored difficulty with few responses and lets the data win with many", () => {
    const truth = { a: 1, b: -1, c: 0 };
    const few = calibrateItem({ difficulty: 1, discrimination: 1, guessing: 0 }, answers(1, 5, truth));
    const many = calibrateItem({ difficulty: 1, discrimination: 1, guessing: 0 }, answers(1, 2000, truth));
    expect(few.difficulty).toBeGreaterThan(0);
    expect(few.status).toBe("provisional");
    expect(Math.abs(many.difficulty - truth.b)).toBeLessThan(0.15);
    expect(many.status).toBe("calibrated");
    expect(many.seDifficulty).toBeLessThan(few.seDifficulty);
    // Locked output (seeded data): a regression here changes every published parameter.
    expect(few.difficulty).toBeCloseTo(0.6694, 3);
  });

  it("recovers b and a of a 3PL item from uncertain abilities (the variance correction)", () => {
    const truth = { a: 1.6, b: 0.5, c: 0.25 };
    const r = calibrateItem({ difficulty: 0, discrimination: 1, guessing: 0.25 }, answers(7, 5000, truth, 0.5));
    expect(r.difficulty).toBeCloseTo(truth.b, 1);
    // Without integrating the learners' uncertainty out, a comes out ≈ 1.3 (regression dilution).
    expect(r.discrimination).toBeGreaterThan(1.45);
    expect(r.discrimination).toBeLessThan(1.75);
    expect(r.discriminationEstimated).toBe(true);
  });

  it("needs both the count and the precision to call an item calibrated (configuration)", () => {
    const bins = answers(3, 400, { a: 1, b: 0, c: 0 });
    expect(calibrateItem({ difficulty: 0, discrimination: 1, guessing: 0 }, bins).status).toBe("calibrated");
    expect(calibrateItem({ difficulty: 0, discrimination: 1, guessing: 0 }, bins, { ...DEFAULT_CALIBRATION_CONFIG, minResponses: 500 }).status).toBe("provisional");
    expect(calibrateItem({ difficulty: 0, discrimination: 1, guessing: 0 }, bins, { ...DEFAULT_CALIBRATION_CONFIG, maxSe: 0.05 }).status).toBe("provisional");
  });
});

describe("estimateDiscriminationShift (the pool-wide discrimination prior)", () => {
  // A pool whose items all discriminate at a = 1.5 while authored with the default a = 1.
  const pool = Array.from({ length: 20 }, (_, j) => ({
    authored: { difficulty: -1.5 + (3 * j) / 19, discrimination: 1, guessing: 0 },
    bins: answers(100 + j, 150, { a: 1.5, b: -1.5 + (3 * j) / 19, c: 0 }),
  }));

  it("finds how far the pool's discriminations sit from the authored ones", () => {
    const shift = estimateDiscriminationShift(pool);
    expect(Math.exp(shift)).toBeGreaterThan(1.3);
    expect(Math.exp(shift)).toBeLessThan(1.7);
    // Locked output (seeded data).
    expect(shift).toBeCloseTo(0.3223, 3);
  });

  it("stays at the authored values without evidence", () => {
    expect(estimateDiscriminationShift([])).toBe(0);
    expect(estimateDiscriminationShift(pool.map((p) => ({ ...p, bins: p.bins.slice(0, 1) })))).toBe(0);
  });

  it("moves b toward the truth below the count where a is fitted", () => {
    const rmse = (fits: readonly { difficulty: number }[]) => Math.sqrt(fits.reduce((s, f, j) => s + (f.difficulty - (pool[j]?.authored.difficulty ?? 0)) ** 2, 0) / fits.length);
    const plain = pool.map((p) => calibrateItem(p.authored, p.bins));
    const shifted = pool.map((p) => calibrateItem(p.authored, p.bins, DEFAULT_CALIBRATION_CONFIG, { logDiscriminationShift: Math.log(1.5) }));
    expect(plain.every((f) => !f.discriminationEstimated)).toBe(true);
    expect(shifted[0]?.discrimination).toBeCloseTo(1.5, 6);
    // With a = 1 the fit pushes every off-centre b outward to match the share correct.
    expect(rmse(shifted)).toBeLessThan(0.8 * rmse(plain));
  });

  it("is applied by the batch fit only when configured (off by default)", () => {
    const off = calibrateItems(pool);
    const on = calibrateItems(pool, { ...DEFAULT_CALIBRATION_CONFIG, poolDiscriminationShift: true });
    expect(off.map((f) => f.discrimination)).toEqual(pool.map(() => 1));
    expect(off.map((f) => f.difficulty)).toEqual(pool.map((p) => calibrateItem(p.authored, p.bins).difficulty));
    expect(on[0]?.discrimination).toBeCloseTo(Math.exp(estimateDiscriminationShift(pool)), 6);
  });
});
