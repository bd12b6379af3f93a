import { describe, expect, it } from "vitest";
import type { ItemParams, ScoredResponse } from "../../src/core/irt";
import {
  DEFAULT_GRID,
  eapEstimate,
  information,
  logLikelihood,
  logistic,
  mleEstimate,
  normalQuadrature,
  probability,
  seFromInformation,
  testInformation,
} from "../../src/core/irt";

const rasch: ItemParams = { a: 1, b: 0, c: 0 };
const twoPl: ItemParams = { a: 2, b: 1, c: 0 };
const threePl: ItemParams = { a: 1, b: 0, c: 0.2 };
const threePlB: ItemParams = { a: 1.5, b: -1, c: 0.25 };

/** Brute-force argmax of ℓ(θ) on a 0.0001 grid over [−4, 4]: the reference for MLE. */
function gridArgmax(responses: readonly ScoredResponse[]): number {
  let best = -4;
  let bestLl = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= 80_000; i++) {
    const t = -4 + i * 1e-4;
    const ll = logLikelihood(t, responses);
    if (ll > bestLl) {
      bestLl = ll;
      best = t;
    }
  }
  return best;
}

describe("probability", () => {
  it("is 1/2 for a 2PL item at θ = b", () => {
    expect(probability(0, rasch)).toBe(0.5);
  });

  it("2PL a = 2, b = 1 at θ = 1 + ln(3)/2: a(θ − b) = ln 3, σ(ln 3) = 3/4", () => {
    expect(probability(1 + Math.log(3) / 2, twoPl)).toBeCloseTo(0.75, 12);
  });

  it("3PL a = 1, b = 0, c = 0.2 at θ = 0: 0.2 + 0.8 · 0.5 = 0.6", () => {
    expect(probability(0, threePl)).toBeCloseTo(0.6, 12);
  });

  it("3PL a = 1.5, b = −1, c = 0.25 at θ = −1 + ln(3)/1.5: 0.25 + 0.75 · 0.75 = 0.8125", () => {
    expect(probability(-1 + Math.log(3) / 1.5, threePlB)).toBeCloseTo(0.8125, 12);
  });

  it("uses D = 1: at θ − b = 1 with a = 1 it is σ(1) = 0.7310586, not σ(1.702)", () => {
    expect(probability(1, rasch)).toBeCloseTo(0.7310585786, 9);
  });

  it("tends to c far below b and to 1 far above", () => {
    expect(probability(-40, threePl)).toBeCloseTo(0.2, 9);
    expect(probability(40, threePl)).toBeCloseTo(1, 9);
    expect(logistic(-800)).toBe(0);
    expect(logistic(800)).toBe(1);
  });
});

describe("information", () => {
  it("2PL at θ = b: a²PQ = 1 · 0.5 · 0.5 = 0.25", () => {
    expect(information(0, rasch)).toBeCloseTo(0.25, 12);
  });

  it("2PL a = 2 where P = 3/4: 4 · 0.75 · 0.25 = 0.75", () => {
    expect(information(1 + Math.log(3) / 2, twoPl)).toBeCloseTo(0.75, 12);
  });

  it("3PL a = 1, c = 0.2 at θ = b: 1 · (0.4/0.6) · ((0.6 − 0.2)/0.8)² = (2/3) · 0.25 = 1/6", () => {
    expect(information(0, threePl)).toBeCloseTo(1 / 6, 12);
  });

  it("3PL a = 1.5, c = 0.25 where P = 0.8125: 2.25 · (0.1875/0.8125) · (0.5625/0.75)² = 2.25 · 3/13 · 0.5625 = 0.2920673", () => {
    expect(information(-1 + Math.log(3) / 1.5, threePlB)).toBeCloseTo((2.25 * 3 * 0.5625) / 13, 12);
  });

  it("the 3PL formula with c = 0 equals a²PQ at several θ", () => {
    for (const t of [-2, -0.3, 0.7, 2.5]) {
      const p = probability(t, twoPl);
      expect(information(t, twoPl)).toBeCloseTo(4 * p * (1 - p), 12);
    }
  });

  it("test information adds: 0.25 + 1/6 = 0.4166667; SE = 1/√I", () => {
    expect(testInformation(0, [rasch, threePl])).toBeCloseTo(0.25 + 1 / 6, 12);
    expect(seFromInformation(4)).toBe(0.5);
    expect(seFromInformation(0.25)).toBe(2);
    expect(seFromInformation(0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("logLikelihood", () => {
  it("θ = 0, Rasch item right (ln 0.5) and 3PL item wrong (ln 0.4): ln 0.2 = −1.6094379", () => {
    const ll = logLikelihood(0, [
      { params: rasch, correct: true },
      { params: threePl, correct: false },
    ]);
    expect(ll).toBeCloseTo(Math.log(0.2), 12);
  });

  it("is finite for a response that contradicts an extreme θ", () => {
    expect(Number.isFinite(logLikelihood(60, [{ params: rasch, correct: false }]))).toBe(true);
  });
});

describe("normalQuadrature", () => {
  it("3 points on [−1, 1], N(0,1): weights ∝ e^(−1/2), 1, e^(−1/2) → 0.274068, 0.451863, 0.274068", () => {
    const g = normalQuadrature({ points: 3, min: -1, max: 1, priorMean: 0, priorSd: 1 });
    const e = Math.exp(-0.5);
    expect(g.nodes).toEqual([-1, 0, 1]);
    expect(g.weights[0]).toBeCloseTo(e / (1 + 2 * e), 12);
    expect(g.weights[1]).toBeCloseTo(1 / (1 + 2 * e), 12);
    expect(g.weights[0]).toBeCloseTo(0.2740686, 7);
  });

  it("the default 61-point grid spans [−4, 4] in steps of 2/15", () => {
    expect(DEFAULT_GRID.nodes.length).toBe(61);
    expect(DEFAULT_GRID.nodes[0]).toBe(-4);
    expect(DEFAULT_GRID.nodes[60]).toBeCloseTo(4, 12);
    expect(DEFAULT_GRID.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
  });

  it("rejects a degenerate grid", () => {
    expect(() => normalQuadrature({ points: 1, min: -1, max: 1, priorMean: 0, priorSd: 1 })).toThrow(RangeError);
  });
});

describe("eapEstimate", () => {
  // Grid θ = −1, 0, 1 with prior weights 1/4, 1/2, 1/4; one Rasch item (b = 0) answered right.
  // L = σ(−1), σ(0), σ(1) = 0.2689414, 0.5, 0.7310586.
  // Posterior ∝ 0.0672354, 0.25, 0.1827646; sum = 0.25(σ(−1) + σ(1)) + 0.25 = 0.5.
  // θ̂ = (−0.0672354 + 0.1827646) / 0.5 = σ(1) − 0.5 = 0.2310586.
  // E[θ²] = (0.0672354 + 0.1827646) / 0.5 = 0.5; SE = √(0.5 − 0.2310586²) = √0.4466119 = 0.6682903.
  const tiny = { nodes: [-1, 0, 1], weights: [0.25, 0.5, 0.25] };

  it("matches the hand-computed posterior mean and SD on a 3-point grid", () => {
    const est = eapEstimate([{ params: rasch, correct: true }], tiny);
    expect(est.theta).toBeCloseTo(0.2310586, 7);
    expect(est.se).toBeCloseTo(0.6682903, 7);
  });

  it("is the mirror image for a wrong answer", () => {
    const est = eapEstimate([{ params: rasch, correct: false }], tiny);
    expect(est.theta).toBeCloseTo(-0.2310586, 7);
    expect(est.se).toBeCloseTo(0.6682903, 7);
  });

  // 5 points θ = −2…2, equal weights, two 3PL items (a = 1, b = 0, c = 0.2), one right one wrong.
  // L(θ) = P(θ)(1 − P(θ)) with P = 0.2 + 0.8σ(θ):
  // θ=−2: P = 0.2 + 0.8·0.1192029 = 0.2953623, L = 0.2953623·0.7046377 = 0.2081234
  // θ=−1: P = 0.2 + 0.8·0.2689414 = 0.4151531, L = 0.4151531·0.5848469 = 0.2428011
  // θ= 0: P = 0.6, L = 0.24
  // θ= 1: P = 0.2 + 0.8·0.7310586 = 0.7848469, L = 0.7848469·0.2151531 = 0.1688621
  // θ= 2: P = 0.2 + 0.8·0.8807971 = 0.9046377, L = 0.9046377·0.0953623 = 0.0862684
  // ΣL = 0.9460550; Σθ·L = −0.4162468 − 0.2428011 + 0 + 0.1688621 + 0.1725368 = −0.3176490
  // θ̂ = −0.3176490 / 0.9460550 = −0.3357614
  it("matches a hand-computed 3PL posterior mean on a 5-point flat grid", () => {
    const flat = { nodes: [-2, -1, 0, 1, 2], weights: [1, 1, 1, 1, 1] };
    const est = eapEstimate(
      [
        { params: threePl, correct: true },
        { params: threePl, correct: false },
      ],
      flat,
    );
    expect(est.theta).toBeCloseTo(-0.3357614, 6);
  });

  it("with no responses returns the prior: mean 0, SD ≈ 1 on the default grid", () => {
    const est = eapEstimate([]);
    expect(est.theta).toBeCloseTo(0, 12);
    expect(est.se).toBeCloseTo(1, 3);
  });

  it("exists for all-correct patterns (unlike the MLE) and shrinks SE as items accumulate", () => {
    const five = Array.from({ length: 5 }, () => ({ params: rasch, correct: true }));
    const est = eapEstimate(five);
    expect(est.theta).toBeGreaterThan(0.5);
    expect(est.se).toBeLessThan(1);
  });

  // A 4,000-item pattern has likelihood far below 1e−308 at every node, so a product of
  // probabilities would underflow to 0/0; the log-space sum does not.
  it("does not underflow on a long test", () => {
    const many = Array.from({ length: 4000 }, (_, i) => ({ params: { a: 1.5, b: (i % 9) - 4, c: 0.2 }, correct: i % 2 === 0 }));
    const est = eapEstimate(many);
    expect(Number.isFinite(est.theta)).toBe(true);
    expect(est.se).toBeGreaterThan(0);
    expect(est.se).toBeLessThan(0.1);
  });
});

describe("mleEstimate", () => {
  it("two Rasch items at b = 0, one right one wrong: θ̂ = 0 exactly, SE = 1/√(2 · 0.25) = √2", () => {
    const mle = mleEstimate([
      { params: rasch, correct: true },
      { params: rasch, correct: false },
    ]);
    expect(mle).not.toBeNull();
    expect(mle?.theta).toBeCloseTo(0, 10);
    expect(mle?.se).toBeCloseTo(Math.SQRT2, 10);
  });

  it("2PL pattern agrees with a brute-force grid search of ℓ(θ)", () => {
    const responses: ScoredResponse[] = [
      { params: { a: 1, b: -1, c: 0 }, correct: true },
      { params: { a: 1.4, b: 0, c: 0 }, correct: true },
      { params: { a: 0.8, b: 1, c: 0 }, correct: false },
      { params: { a: 2, b: 0.5, c: 0 }, correct: false },
    ];
    const mle = mleEstimate(responses);
    const ref = gridArgmax(responses);
    expect(mle).not.toBeNull();
    expect(Math.abs((mle?.theta ?? Number.NaN) - ref)).toBeLessThan(2e-4);
    expect(mle?.se).toBeCloseTo(seFromInformation(testInformation(mle?.theta ?? 0, responses.map((r) => r.params))), 12);
  });

  it("3PL pattern agrees with a brute-force grid search of ℓ(θ)", () => {
    const responses: ScoredResponse[] = [
      { params: { a: 1.2, b: -1.5, c: 0.2 }, correct: true },
      { params: { a: 1.5, b: -0.5, c: 0.2 }, correct: true },
      { params: { a: 1, b: 0, c: 0.25 }, correct: true },
      { params: { a: 1.8, b: 0.5, c: 0.2 }, correct: false },
      { params: { a: 1.1, b: 1.5, c: 0.2 }, correct: false },
    ];
    const mle = mleEstimate(responses);
    expect(mle).not.toBeNull();
    expect(Math.abs((mle?.theta ?? Number.NaN) - gridArgmax(responses))).toBeLessThan(2e-4);
  });

  it("reaches the same answer from a far start thanks to the step limit", () => {
    const responses: ScoredResponse[] = [
      { params: rasch, correct: true },
      { params: { a: 1, b: 1, c: 0 }, correct: false },
    ];
    const a = mleEstimate(responses, { start: 0 });
    const b = mleEstimate(responses, { start: 5 });
    expect(b?.theta).toBeCloseTo(a?.theta ?? Number.NaN, 8);
  });

  it("is null when no finite maximum exists: all correct, all wrong, no responses", () => {
    expect(mleEstimate([{ params: rasch, correct: true }, { params: twoPl, correct: true }])).toBeNull();
    expect(mleEstimate([{ params: rasch, correct: false }, { params: threePl, correct: false }])).toBeNull();
    expect(mleEstimate([])).toBeNull();
  });

  it("is null when a 3PL pattern drives θ past the bound", () => {
    // Right on b = 3, wrong on b = 2.9: the mode lies near θ ≈ 2.95, outside a bound of 2,
    // which the iteration treats as "no finite maximum" (as it would for a mode past ±6).
    const responses: ScoredResponse[] = [
      { params: { a: 2, b: 3, c: 0 }, correct: true },
      { params: { a: 2, b: 2.9, c: 0 }, correct: false },
    ];
    expect(mleEstimate(responses, { bound: 2 })).toBeNull();
    expect(mleEstimate(responses)?.theta).toBeGreaterThan(2);
  });
});
