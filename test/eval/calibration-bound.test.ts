import { describe, expect, it } from "vitest";
import { boundError, posteriorDifficulties } from "../../src/eval/calibration-bound";
import type { BoundItem, GenerativeModel } from "../../src/eval/calibration-bound";
import { mulberry32, normalDraw } from "../../src/core/random";

const MODEL: GenerativeModel = { difficultySd: 1.2, authoringSd: 0.8, discriminationRange: [0.7, 1.8], abilitySd: 1 };
const SHRINK = 1.44 / (1.44 + 0.64);

/** A pool and learners drawn from MODEL, each learner answering `perLearner` random items. */
function world(seed: number, itemCount: number, learners: number, perLearner: number) {
  const rng = mulberry32(seed);
  const truth = Array.from({ length: itemCount }, () => ({ a: 0.7 + 1.1 * rng(), b: normalDraw(rng, 0, 1.2), c: rng() < 0.6 ? 0.25 : 0 }));
  const items: BoundItem[] = truth.map((t) => ({ authoredDifficulty: t.b + normalDraw(rng, 0, 0.8), guessing: t.c, trueDiscrimination: t.a }));
  const abilities = Float64Array.from({ length: learners }, () => normalDraw(rng));
  const item: number[] = [];
  const learner: number[] = [];
  const correct: number[] = [];
  for (let j = 0; j < learners; j++) {
    for (let k = 0; k < perLearner; k++) {
      const i = Math.floor(rng() * itemCount);
      const t = truth[i]!;
      item.push(i);
      learner.push(j);
      correct.push(rng() < t.c + (1 - t.c) / (1 + Math.exp(-t.a * (abilities[j]! - t.b))) ? 1 : 0);
    }
  }
  const answers = { item: Int32Array.from(item), learner: Int32Array.from(learner), correct: Uint8Array.from(correct) };
  return { truth, items, abilities, answers };
}

describe("the best possible calibration (posterior of b under the simulation's model)", () => {
  it("is the prior given its authored value when there are no answers", () => {
    const items: BoundItem[] = [-2, 0, 1.5].map((b) => ({ authoredDifficulty: b, guessing: 0, trueDiscrimination: 1 }));
    const none = { item: new Int32Array(0), learner: new Int32Array(0), correct: new Uint8Array(0) };
    const post = posteriorDifficulties(items, 0, none, MODEL, { sweeps: 20_000, burnIn: 1000, abilities: "estimated", discrimination: "estimated" }, mulberry32(3));
    items.forEach((it, i) => {
      expect(post.mean[i]).toBeCloseTo(SHRINK * it.authoredDifficulty, 1);
      expect(post.variance[i]).toBeGreaterThan(SHRINK * 0.64 * 0.85);
      expect(post.variance[i]).toBeLessThan(SHRINK * 0.64 * 1.15);
    });
  });

  it("learns b from the answers, and its expected error is the error it makes", () => {
    const w = world(5, 40, 600, 20);
    const post = posteriorDifficulties(w.items, 600, w.answers, MODEL, { sweeps: 1500, burnIn: 300, abilities: "estimated", discrimination: "estimated" }, mulberry32(9));
    const e = boundError(post, w.truth.map((t) => t.b));
    // The prior alone errs by √(k σ_e²) ≈ 0.67; 300 answers per item take it far below.
    expect(e.rmse).toBeLessThan(0.3);
    expect(e.expectedRmse).toBeLessThan(0.3);
    expect(Math.abs(e.rmse - e.expectedRmse)).toBeLessThan(0.06);
    // Standardised errors have about unit variance: the posterior is neither over- nor under-confident.
    const z = w.truth.map((t, i) => (post.mean[i]! - t.b) / Math.sqrt(post.variance[i]!));
    const zVar = z.reduce((s, x) => s + x * x, 0) / z.length;
    expect(zVar).toBeGreaterThan(0.5);
    expect(zVar).toBeLessThan(1.7);
    expect(post.acceptance.ability).toBeGreaterThan(0.2);
    expect(post.acceptance.difficulty).toBeGreaterThan(0.2);
  });

  it("is tighter when the abilities are known than when they are estimated", () => {
    const w = world(6, 30, 300, 20);
    const run = (abilities: "estimated" | "known") =>
      boundError(posteriorDifficulties(w.items, 300, w.answers, MODEL, { sweeps: 1500, burnIn: 300, abilities, discrimination: "estimated", trueAbilities: w.abilities }, mulberry32(4)), w.truth.map((t) => t.b));
    expect(run("known").expectedRmse).toBeLessThan(run("estimated").expectedRmse);
  });

  it("refuses known abilities it was not given, and a chain with nothing kept", () => {
    const w = world(7, 5, 10, 2);
    expect(() => posteriorDifficulties(w.items, 10, w.answers, MODEL, { sweeps: 10, burnIn: 0, abilities: "known", discrimination: "estimated" }, mulberry32(1))).toThrow(/true ability/);
    expect(() => posteriorDifficulties(w.items, 10, w.answers, MODEL, { sweeps: 10, burnIn: 10, abilities: "estimated", discrimination: "estimated" }, mulberry32(1))).toThrow(/no sweeps/);
  });
});
