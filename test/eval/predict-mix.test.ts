/**
 * The prediction study's mixed rows (src/eval/predict.ts `mixPerLearner`): each answer is
 * predicted from the student's EARLIER answers only, and each student starts afresh.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_PREDICTOR_MIX } from "../../src/core/predictor-mix";
import { mulberry32 } from "../../src/core/random";
import { mixPerLearner } from "../../src/eval/predict";
import type { StudentSequence } from "../../src/ml/dataset";

function students(lengths: readonly number[]): StudentSequence[] {
  return lengths.map((n, k) => ({ studentId: `s${k}`, fold: 1, interactions: Array.from({ length: n }, () => ({ itemId: "i", skillIds: [], correct: false })) }) as unknown as StudentSequence);
}

describe("mixPerLearner", () => {
  const rng = mulberry32(9);
  const lengths = [12, 1, 30];
  const n = lengths.reduce((a, b) => a + b, 0);
  const model = Float64Array.from({ length: n }, () => 0.05 + 0.9 * rng());
  const knowledge = Float64Array.from({ length: n }, () => 0.05 + 0.9 * rng());
  const labels = Uint8Array.from({ length: n }, () => (rng() < 0.6 ? 1 : 0));

  it("starts every student at the prior weight", () => {
    const out = mixPerLearner(model, knowledge, labels, students(lengths));
    const w = DEFAULT_PREDICTOR_MIX.modelPrior;
    for (const start of [0, 12, 13]) expect(out[start]).toBeCloseTo(w * (model[start] ?? 0) + (1 - w) * (knowledge[start] ?? 0), 12);
  });

  it("never reads an answer's own label or a later one", () => {
    const base = mixPerLearner(model, knowledge, labels, students(lengths));
    for (const flip of [0, 5, 11, 12, 13, 20, 42]) {
      const flipped = Uint8Array.from(labels);
      flipped[flip] = 1 - (flipped[flip] ?? 0);
      const out = mixPerLearner(model, knowledge, flipped, students(lengths));
      const end = flip < 12 ? 12 : flip < 13 ? 13 : n;
      for (let i = 0; i <= flip; i++) expect(out[i]).toBe(base[i]);
      // Later answers of the same student do move (the label is evidence); other students' do not.
      if (flip + 1 < end) expect(out[flip + 1]).not.toBe(base[flip + 1]);
      for (let i = end; i < n; i++) expect(out[i]).toBe(base[i]);
    }
  });

  it("refuses predictions that do not line up with the labels", () => {
    expect(() => mixPerLearner(model, knowledge, labels, students([12, 1]))).toThrow(/do not cover/);
    expect(() => mixPerLearner(model.subarray(1), knowledge, labels, students(lengths))).toThrow(/differ in length/);
  });
});
