import { describe, expect, it } from "vitest";
import { DEFAULT_PREDICTOR_MIX, EMPTY_PREDICTOR_MIX, mixPredictions, modelWeight, observeAnswer } from "../../src/core/predictor-mix";
import type { PredictorMixState } from "../../src/core/predictor-mix";
import { mulberry32 } from "../../src/core/random";

const EVEN = { ...DEFAULT_PREDICTOR_MIX, modelPrior: 0.5 };
const NO_FORGETTING = { ...EVEN, discount: 1 };

describe("predictor mix (per-learner Bayesian model averaging)", () => {
  it("starts at the prior weight", () => {
    expect(modelWeight(EMPTY_PREDICTOR_MIX)).toBeCloseTo(DEFAULT_PREDICTOR_MIX.modelPrior, 12);
    expect(modelWeight(EMPTY_PREDICTOR_MIX, EVEN)).toBe(0.5);
    expect(modelWeight(EMPTY_PREDICTOR_MIX, { ...DEFAULT_PREDICTOR_MIX, modelPrior: 0.8 })).toBeCloseTo(0.8, 12);
  });

  it("without forgetting, the weight is the posterior: prior × likelihood of the answers under each predictor", () => {
    const rng = mulberry32(5);
    let state: PredictorMixState = EMPTY_PREDICTOR_MIX;
    let likModel = 0.3;
    let likKnowledge = 0.7;
    const config = { ...NO_FORGETTING, modelPrior: 0.3 };
    for (let k = 0; k < 40; k++) {
      const pm = 0.05 + 0.9 * rng();
      const pk = 0.05 + 0.9 * rng();
      const y = rng() < 0.6;
      state = observeAnswer(state, pm, pk, y, config);
      likModel *= y ? pm : 1 - pm;
      likKnowledge *= y ? pk : 1 - pk;
    }
    expect(state.answers).toBe(40);
    expect(modelWeight(state, config)).toBeCloseTo(likModel / (likModel + likKnowledge), 10);
  });

  it("locks one answer's update, and discounts older losses by γ per answer", () => {
    const one = observeAnswer(EMPTY_PREDICTOR_MIX, 0.9, 0.6, true);
    expect(one.lossModel).toBeCloseTo(-Math.log(0.9), 12);
    expect(one.lossKnowledge).toBeCloseTo(-Math.log(0.6), 12);
    // P_model(y) / (P_model(y) + P_knowledge(y)) at the even prior; at the default, prior odds 9 × 1.5.
    expect(modelWeight(one, EVEN)).toBeCloseTo(0.6, 12);
    expect(modelWeight(one)).toBeCloseTo(13.5 / 14.5, 12);
    const two = observeAnswer(one, 0.9, 0.6, false);
    expect(two.lossModel).toBeCloseTo(0.98 * -Math.log(0.9) - Math.log(0.1), 12);
    expect(two.lossKnowledge).toBeCloseTo(0.98 * -Math.log(0.6) - Math.log(0.4), 12);
    expect(two.answers).toBe(2);
  });

  it("caps a confident miss at −log floor, and ignores answers one predictor did not score", () => {
    const miss = observeAnswer(EMPTY_PREDICTOR_MIX, 1, 0.5, false);
    expect(miss.lossModel).toBeCloseTo(-Math.log(DEFAULT_PREDICTOR_MIX.floor), 12);
    expect(observeAnswer(miss, Number.NaN, 0.5, true)).toBe(miss);
    expect(observeAnswer(miss, 0.5, Number.NaN, true)).toBe(miss);
    expect(observeAnswer(miss, 1.5, 0.5, true)).toBe(miss);
  });

  it("follows the predictor that fits the learner: the mixture's log loss stays within log 2 of the better one's", () => {
    for (const seed of [1, 2, 3]) {
      const rng = mulberry32(seed);
      let state: PredictorMixState = EMPTY_PREDICTOR_MIX;
      let mixLoss = 0;
      let lm = 0;
      let lk = 0;
      for (let k = 0; k < 300; k++) {
        const truth = 0.1 + 0.8 * rng();
        const pk = Math.min(0.99, Math.max(0.01, truth + 0.05 * (rng() - 0.5))); // close to the truth
        const pm = Math.min(0.99, Math.max(0.01, truth + 0.6 * (rng() - 0.5))); // noisy
        const y = rng() < truth;
        const w = modelWeight(state, NO_FORGETTING);
        const p = w * pm + (1 - w) * pk;
        mixLoss -= Math.log(y ? p : 1 - p);
        lm -= Math.log(y ? pm : 1 - pm);
        lk -= Math.log(y ? pk : 1 - pk);
        state = observeAnswer(state, pm, pk, y, NO_FORGETTING);
      }
      expect(lk).toBeLessThan(lm);
      expect(mixLoss).toBeLessThanOrEqual(Math.min(lm, lk) + Math.log(2) + 1e-9);
      expect(modelWeight(state, NO_FORGETTING)).toBeLessThan(0.01);
    }
  });

  it("with forgetting, moves back to a predictor that became the better one", () => {
    let state: PredictorMixState = EMPTY_PREDICTOR_MIX;
    // 100 answers the knowledge model predicts better, then 100 the model does.
    for (let k = 0; k < 100; k++) state = observeAnswer(state, 0.5, 0.9, true);
    expect(modelWeight(state)).toBeLessThan(0.05);
    for (let k = 0; k < 100; k++) state = observeAnswer(state, 0.9, 0.5, true);
    expect(modelWeight(state)).toBeGreaterThan(0.99);
  });

  it("mixes candidates, and keeps the other predictor's value where one could not score", () => {
    const out = mixPredictions(new Float64Array([0.8, Number.NaN, 0.2]), new Float64Array([0.4, 0.6, Number.NaN]), 0.25);
    expect(out[0]).toBeCloseTo(0.25 * 0.8 + 0.75 * 0.4, 12);
    expect(out[1]).toBe(0.6);
    expect(out[2]).toBe(0.2);
  });
});
