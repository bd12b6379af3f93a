/**
 * The simulated learners of `npm run calibration:demo` (src/eval/calibration-demo.ts): their
 * answers must grade as the simulation meant them, on every item of the demo bank, and right
 * answers must come at the response function's rate, or the demo's statistics are not the
 * truth it claims.
 */
import { describe, expect, it } from "vitest";
import { generateDemoBank } from "../../src/content/generate";
import { gradeResponse } from "../../src/core/grading";
import { probability } from "../../src/core/irt";
import { mulberry32 } from "../../src/core/random";
import { difficultyError, drawCorrect, responseFor, trueParams } from "../../src/eval/calibration-demo";

describe("calibration demo: simulated answers", () => {
  it("grade right and wrong as meant on every item of the demo bank", () => {
    const { items } = generateDemoBank(1);
    expect(items.length).toBeGreaterThan(1000);
    const misgraded: string[] = [];
    for (const item of items) {
      for (const correct of [true, false]) {
        const graded = gradeResponse(item.answer, responseFor(item, correct), { choiceCount: item.choices?.length });
        if (!graded.ok || graded.correct !== correct) misgraded.push(`${item.id} (${correct ? "right" : "wrong"})`);
      }
    }
    expect(misgraded).toEqual([]);
  });

  it("answers right at the 3PL rate of the shifted difficulty", () => {
    const item = { difficulty: -0.3, discrimination: 1.4, guessing: 0.25 };
    const params = trueParams(item, 0.8);
    expect(params).toEqual({ a: 1.4, b: 0.5, c: 0.25 });
    const rng = mulberry32(7);
    for (const theta of [-1.5, 0.5, 2]) {
      let right = 0;
      const n = 40_000;
      for (let i = 0; i < n; i++) if (drawCorrect(rng, theta, params)) right++;
      const p = probability(theta, params);
      // 4 binomial SDs: a wrong formula (unshifted b, missing guessing) misses by far more.
      expect(Math.abs(right / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it("measures the error of estimates against the truth", () => {
    expect(difficultyError([{ estimate: 1, truth: 0 }, { estimate: -1, truth: 0 }, { estimate: 0.5, truth: 0.5 }])).toEqual({ rmse: Math.sqrt(2 / 3), bias: 0, n: 3 });
    expect(difficultyError([{ estimate: 0.2, truth: 1 }, { estimate: 0.2, truth: 1 }]).bias).toBeCloseTo(-0.8, 12);
    expect(Number.isNaN(difficultyError([]).rmse)).toBe(true);
  });
});
