import { describe, expect, it } from "vitest";
import { DEFAULT_CALIBRATION_CONFIG, MIN_LOG_DISCRIMINATION_SD, anchorScale, calibrateBatch, calibrateItem, calibrateItems, estimateDiscriminationPrior, estimateDiscriminationShift, scaleShift } from "../../src/core/calibration";
import type { AbilityBin } from "../../src/core/calibration";
import { sigmoid } from "../../src/core/knowledge";
import { mulberry32, normalDraw } from "../../src/core/random";
import { aggregateObservations, parseItemStat } from "../../src/stats/item-stats";

/** n answers to an item (a, b, c) from learners θ ~ N(0, 1) whose (calibrated) belief is θ ~ N(μ, v): μ ~ N(0, 1 − v), θ = μ + N(0, v). */
function answers(seed: number, n: number, item: { a: number; b: number; c: number }, v = 0, anchorBias = 0): AbilityBin[] {
  const rng = mulberry32(seed);
  const obs = Array.from({ length: n }, () => {
    const believed = normalDraw(rng, 0, Math.sqrt(1 - v)) + anchorBias;
    const theta = believed - anchorBias + normalDraw(rng, 0, Math.sqrt(v));
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

  it("is applied by the batch fit unless configured off (on by default)", () => {
    const off = calibrateItems(pool, { ...DEFAULT_CALIBRATION_CONFIG, poolDiscriminationPrior: false, scaleShiftPriorSd: 0 });
    const on = calibrateItems(pool);
    expect(off.map((f) => f.discrimination)).toEqual(pool.map(() => 1));
    expect(off.map((f) => f.difficulty)).toEqual(pool.map((p) => calibrateItem(p.authored, p.bins).difficulty));
    expect(on[0]?.discrimination).toBeCloseTo(Math.exp(estimateDiscriminationShift(pool)), 6);
  });
});

describe("anchorScale (a batch kept on the authored scale)", () => {
  // Items authored at their true difficulty; `bias` is how far every learner's anchor sits from
  // their true ability (learners who learn faster than the knowledge model follows: negative).
  const batch = (count: number, bias: number, n = 300) =>
    Array.from({ length: count }, (_, j) => {
      const b = -1.5 + (3 * j) / Math.max(1, count - 1);
      return { authored: { difficulty: b, discrimination: 1, guessing: 0 }, bins: answers(500 + j, n, { a: 1, b, c: 0 }, 0.2, bias) };
    });
  const meanDiff = (items: ReturnType<typeof batch>, fits: readonly { difficulty: number }[]) => fits.reduce((s, f, j) => s + f.difficulty - (items[j]?.authored.difficulty ?? 0), 0) / fits.length;
  const unanchored = { ...DEFAULT_CALIBRATION_CONFIG, scaleShiftPriorSd: 0 };

  it("takes a common anchor bias back out of the fits", () => {
    const items = batch(200, -0.5);
    const loose = calibrateItems(items, unanchored);
    const { fits, shift } = calibrateBatch(items);
    // Anchors 0.5 below the truth: every b comes out about that much too low …
    expect(meanDiff(items, loose)).toBeLessThan(-0.35);
    // … and the batch's common shift is taken back out.
    expect(shift).toBeLessThan(-0.3);
    expect(Math.abs(meanDiff(items, fits))).toBeLessThan(0.06);
    // Locked output (seeded data).
    expect(shift).toBeCloseTo(-0.4546, 3);
  });

  it("leaves unbiased anchors' fits almost where they were", () => {
    const items = batch(60, 0);
    const loose = calibrateItems(items, unanchored);
    const fits = calibrateItems(items);
    for (let j = 0; j < fits.length; j++) expect(Math.abs((fits[j]?.difficulty ?? 0) - (loose[j]?.difficulty ?? 0))).toBeLessThan(0.05);
  });

  it("takes little from a handful of items, whose mean difference is mostly authoring error", () => {
    const items = batch(3, -0.5);
    const loose = calibrateItems(items, unanchored);
    const shift = scaleShift(items.map((i) => i.authored), loose);
    expect(Math.abs(shift)).toBeLessThan(0.25 * Math.abs(meanDiff(items, loose)));
    expect(Math.abs(shift)).toBeGreaterThan(0);
  });

  it("moves each fit in the share its responses carry; items with no responses keep their authored values", () => {
    const items = [...batch(40, -0.5), { authored: { difficulty: 0.7, discrimination: 1, guessing: 0 }, bins: [] }];
    const loose = calibrateItems(items, unanchored);
    const { fits, shift } = anchorScale(items.map((i) => i.authored), loose);
    expect(fits[40]).toBe(loose[40]);
    expect(fits[40]?.difficulty).toBe(0.7);
    for (let j = 0; j < 40; j++) {
      const f = fits[j];
      const l = loose[j];
      if (!f || !l) throw new Error("missing fit");
      const rho = 1 - l.seDifficulty ** 2 / DEFAULT_CALIBRATION_CONFIG.priorSdDifficulty ** 2;
      expect(f.difficulty).toBeCloseTo(l.difficulty - rho * shift, 9);
      expect(f.seDifficulty).toBe(l.seDifficulty);
      expect(f.status).toBe(l.status);
    }
  });
});

describe("estimateDiscriminationPrior (the pool's spread of log a)", () => {
  // 60 items, 600 answers each; true log a spread evenly with the given SD around log 1.2.
  const poolWith = (sd: number) =>
    Array.from({ length: 60 }, (_, j) => {
      const b = -1.5 + (3 * (j % 20)) / 19;
      // Uniform on ±√3·sd (SD sd), in an order unrelated to b.
      const a = 1.2 * Math.exp(sd * Math.sqrt(3) * (2 * (((j * 37) % 60) / 59) - 1));
      return { authored: { difficulty: b, discrimination: 1, guessing: 0 }, bins: answers(500 + j, 600, { a, b, c: 0 }) };
    });

  it("measures a narrow spread as narrow and a wide one as wide", () => {
    const alike = estimateDiscriminationPrior(poolWith(0));
    const spread = estimateDiscriminationPrior(poolWith(0.3));
    expect(alike.logDiscriminationSd).toBeLessThan(0.15);
    expect(spread.logDiscriminationSd).toBeGreaterThan(0.2);
    expect(Math.exp(spread.logDiscriminationShift)).toBeGreaterThan(1.05);
    expect(Math.exp(spread.logDiscriminationShift)).toBeLessThan(1.35);
    // Locked output (seeded data).
    expect(spread.logDiscriminationSd).toBeCloseTo(0.3008, 3);
  });

  it("never goes below its floor nor above the configured SD, and needs enough items", () => {
    expect(estimateDiscriminationPrior(poolWith(0)).logDiscriminationSd).toBeGreaterThanOrEqual(MIN_LOG_DISCRIMINATION_SD);
    expect(estimateDiscriminationPrior(poolWith(1)).logDiscriminationSd).toBeLessThanOrEqual(DEFAULT_CALIBRATION_CONFIG.priorSdLogDiscrimination);
    expect(estimateDiscriminationPrior(poolWith(0).slice(0, 19)).logDiscriminationSd).toBe(DEFAULT_CALIBRATION_CONFIG.priorSdLogDiscrimination);
  });

  it("shrinks each item's a toward the pool's as much as the spread says", () => {
    const alike = poolWith(0);
    const fits = calibrateItems(alike);
    const loose = alike.map((p) => calibrateItem(p.authored, p.bins, DEFAULT_CALIBRATION_CONFIG, { logDiscriminationShift: estimateDiscriminationShift(alike) }));
    const sdOf = (xs: readonly number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - xs.reduce((a, y) => a + y, 0) / xs.length) ** 2, 0) / xs.length);
    // All items truly have a = 1.2: the pool's narrow prior leaves less spurious spread in â.
    expect(sdOf(fits.map((f) => Math.log(f.discrimination)))).toBeLessThan(0.8 * sdOf(loose.map((f) => Math.log(f.discrimination))));
  });
});
