/**
 * The hand-written loss and gradient of src/ml/fit.ts against central differences, the
 * folding of the standardisation, and that fitting actually learns a known rule.
 */
import { describe, expect, it } from "vitest";
import { mulberry32, normalDraw } from "../../src/core/random";
import { finalise, fitModel, lossAndGradient, parameterCount, standardiser } from "../../src/ml/fit";
import { evaluate } from "../../src/ml/model";
import { auc } from "../../src/eval/metrics";

function data(n: number, f: number, seed: number): { x: Float64Array; y: Uint8Array } {
  const rng = mulberry32(seed);
  const x = Float64Array.from({ length: n * f }, () => normalDraw(rng));
  const y = Uint8Array.from({ length: n }, (_, i) => (Math.tanh((x[i * f] ?? 0) - 0.5 * (x[i * f + 1] ?? 0)) + 0.3 * normalDraw(rng) > 0 ? 1 : 0));
  return { x, y };
}

describe("lossAndGradient", () => {
  for (const hidden of [0, 5]) {
    it(`matches a central-difference gradient (${hidden === 0 ? "logistic" : "mlp"})`, () => {
      const f = 4;
      const { x, y } = data(30, f, 2);
      const rng = mulberry32(7);
      const np = parameterCount(f, hidden);
      const params = Float64Array.from({ length: np }, () => 0.7 * normalDraw(rng));
      const idx = Array.from({ length: 30 }, (_, i) => i);
      const grad = new Float64Array(np);
      const l2 = 0.05;
      lossAndGradient(params, f, hidden, l2, x, y, idx, grad);
      const scratch = new Float64Array(np);
      const h = 1e-6;
      for (let j = 0; j < np; j++) {
        const plus = params.slice();
        const minus = params.slice();
        plus[j] = (plus[j] ?? 0) + h;
        minus[j] = (minus[j] ?? 0) - h;
        const numeric = (lossAndGradient(plus, f, hidden, l2, x, y, idx, scratch) - lossAndGradient(minus, f, hidden, l2, x, y, idx, scratch)) / (2 * h);
        expect(Math.abs((grad[j] ?? 0) - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
      }
    });
  }

  it("is the mean cross-entropy: log 2 at zero weights", () => {
    const { x, y } = data(10, 3, 1);
    const loss = lossAndGradient(new Float64Array(parameterCount(3, 0)), 3, 0, 0, x, y, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], new Float64Array(4));
    expect(loss).toBeCloseTo(Math.log(2), 12);
  });
});

describe("fitting", () => {
  it("folding the standardisation into the first layer leaves predictions unchanged", () => {
    const f = 3;
    const h = 4;
    const { x } = data(20, f, 3);
    const x32 = Float32Array.from(x, (v) => 3 * v + 2);
    const s = standardiser(x32, 20, f);
    const rng = mulberry32(5);
    const params = Float64Array.from({ length: parameterCount(f, h) }, () => normalDraw(rng));
    const model = finalise(params, f, h, s, "t", "features/1");
    const std = Float64Array.from(x32, (v, i) => (v - (s.mean[i % f] ?? 0)) / (s.sd[i % f] ?? 1));
    const raw = finalise(params, f, h, { mean: new Float64Array(f), sd: new Float64Array(f).fill(1) }, "t", "features/1");
    const a = evaluate(model, x32, 20);
    const b = evaluate(raw, std, 20);
    for (let i = 0; i < 20; i++) expect(a[i]).toBeCloseTo(b[i] ?? 0, 10);
  });

  it("learns a nonlinear rule (held-out AUC well above chance; mlp ≥ logistic)", () => {
    const f = 4;
    const train = data(4000, f, 11);
    const val = data(1000, f, 12);
    const test = data(2000, f, 13);
    const fd = (d: { x: Float64Array; y: Uint8Array }) => ({ x: Float32Array.from(d.x), y: d.y, n: d.y.length });
    const cfg = { epochs: 5, batchSize: 64, learningRate: 0.01, l2: 1e-5, seed: 1 };
    const lr = fitModel(fd(train), fd(val), f, { ...cfg, hidden: 0 }, "lr", "features/1").model;
    const mlp = fitModel(fd(train), fd(val), f, { ...cfg, hidden: 16 }, "mlp", "features/1").model;
    const t = fd(test);
    const aLr = auc(evaluate(lr, t.x, t.n), t.y);
    const aMlp = auc(evaluate(mlp, t.x, t.n), t.y);
    expect(aLr).toBeGreaterThan(0.8);
    expect(aMlp).toBeGreaterThanOrEqual(aLr - 0.005);
  });
});
