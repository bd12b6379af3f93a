import { describe, expect, it } from "vitest";
import { DEFAULT_PREDICTOR_MIX, EMPTY_PREDICTOR_MIX, modelWeight, observeAnswer } from "../../src/core/predictor-mix";
import { servedSummary } from "../../src/eval/served";
import { logLoss } from "../../src/eval/metrics";
import type { PlatformAttempt, PlatformLearner } from "../../src/ml/platform-replay";

const attempt = (correct: boolean, predictions: PlatformAttempt["predictions"]): PlatformAttempt => ({ itemId: "i", correct, response: null, responseMs: 1000, answeredAt: 0, features: null, featureVersion: null, predictions });
const learner = (id: string, attempts: PlatformAttempt[]): PlatformLearner => ({ learnerId: id, fold: 1, attempts });

describe("servedSummary (the served predictions on the platform's own answers)", () => {
  it("scores both predictors and the per-learner mixture, each learner's weight from their earlier answers only", () => {
    const a = learner("a", [attempt(true, { model: 0.9, knowledge: 0.6 }), attempt(false, null), attempt(false, { model: 0.8, knowledge: 0.3 })]);
    const b = learner("b", [attempt(true, { model: 0.4, knowledge: 0.7 })]);
    const s = servedSummary([a, b], DEFAULT_PREDICTOR_MIX);
    if (!s) throw new Error("no summary");
    // The attempt served without both predictions is left out.
    expect(s.answers).toBe(3);
    expect(s.learners).toBe(2);
    expect(s.observed).toBeCloseTo(2 / 3, 12);
    expect(s.model.logLoss).toBeCloseTo(logLoss([0.9, 0.8, 0.4], [1, 0, 1]), 12);
    expect(s.knowledge.meanPredicted).toBeCloseTo((0.6 + 0.3 + 0.7) / 3, 12);
    // Learner a's second scored answer is mixed with the weight after the first; b starts afresh.
    const prior = DEFAULT_PREDICTOR_MIX.modelPrior;
    const w = modelWeight(observeAnswer(EMPTY_PREDICTOR_MIX, 0.9, 0.6, true));
    const mixed = [prior * 0.9 + (1 - prior) * 0.6, w * 0.8 + (1 - w) * 0.3, prior * 0.4 + (1 - prior) * 0.7];
    expect(s.mixed.logLoss).toBeCloseTo(logLoss(mixed, [1, 0, 1]), 12);
    expect(s.mixed.meanPredicted).toBeCloseTo(mixed.reduce((x, y) => x + y, 0) / 3, 12);
  });

  it("is null when no attempt carries its served predictions", () => {
    expect(servedSummary([learner("a", [attempt(true, null)])], DEFAULT_PREDICTOR_MIX)).toBeNull();
  });
});
