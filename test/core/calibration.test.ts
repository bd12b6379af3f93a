import { describe, expect, it } from "vitest";
import { DEFAULT_CALIBRATION_CONFIG, calibrateItem } from "../../src/core/calibration";
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
