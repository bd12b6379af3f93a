/**
 * Fitting the correctness model (model.ts) by minibatch Adam on the mean binary
 * cross-entropy plus an L2 penalty on the weights (not the biases):
 *
 *   L(θ) = −(1/m) Σ [y log p + (1 − y) log(1 − p)] + (λ/2) ‖W‖²,   p = σ(f(x))
 *   ∂L/∂z = (p − y)/m at the output logit z; back-propagated through the ReLU layer.
 *
 * Hand-written because no maintained JavaScript ML library is installed here and the model
 * is two small matrices; `lossAndGradient` is checked against a central-difference numeric
 * gradient in test/ml/fit.test.ts. Adam: Kingma & Ba 2015, default β's. Inputs are
 * standardised for training (mean 0, sd 1 per column) and the scaling is folded into the
 * first layer by `finalise`, so the exported model takes raw feature rows.
 *
 * Deterministic: initial weights and minibatch order come from a seeded generator.
 */
import { mulberry32, normalDraw } from "../core/random";
import type { CorrectnessModel } from "./model";

export interface FitConfig {
  /** 0 = logistic regression. */
  readonly hidden: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** L2 weight λ on the weights (per example, i.e. already divided by the data size). */
  readonly l2: number;
  readonly seed: number;
}

export const MLP_FIT: FitConfig = { hidden: 32, epochs: 6, batchSize: 256, learningRate: 0.003, l2: 1e-5, seed: 11 };
export const LOGISTIC_FIT: FitConfig = { hidden: 0, epochs: 4, batchSize: 256, learningRate: 0.01, l2: 1e-5, seed: 11 };

/** Layout of the flat parameter vector: [W1 (h×f) | b1 (h) | w2 (h, or f when h = 0) | b2]. */
export function parameterCount(inputs: number, hidden: number): number {
  return hidden === 0 ? inputs + 1 : hidden * inputs + hidden + hidden + 1;
}

/** Mean cross-entropy + penalty of `params` on rows `idx` of (x, y), and its gradient into `grad`. */
export function lossAndGradient(
  params: Float64Array,
  inputs: number,
  hidden: number,
  l2: number,
  x: Float32Array | Float64Array,
  y: Uint8Array,
  idx: ArrayLike<number>,
  grad: Float64Array,
): number {
  grad.fill(0);
  const f = inputs;
  const h = hidden;
  const m = idx.length;
  let loss = 0;
  const act = new Float64Array(Math.max(1, h));
  const oW2 = h === 0 ? 0 : h * f + h;
  const oB2 = oW2 + (h === 0 ? f : h);
  for (let t = 0; t < m; t++) {
    const i = idx[t] ?? 0;
    const o = i * f;
    let z = params[oB2] ?? 0;
    if (h === 0) {
      for (let j = 0; j < f; j++) z += (params[j] ?? 0) * (x[o + j] ?? 0);
    } else {
      for (let k = 0; k < h; k++) {
        let a = params[h * f + k] ?? 0;
        const r = k * f;
        for (let j = 0; j < f; j++) a += (params[r + j] ?? 0) * (x[o + j] ?? 0);
        act[k] = a > 0 ? a : 0;
        z += (params[oW2 + k] ?? 0) * (act[k] ?? 0);
      }
    }
    const yi = y[i] ?? 0;
    // log σ(z) and log(1 − σ(z)) in overflow-free form.
    const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    loss += yi > 0 ? softplus - z : softplus;
    const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    const dz = (p - yi) / m;
    grad[oB2] = (grad[oB2] ?? 0) + dz;
    if (h === 0) {
      for (let j = 0; j < f; j++) grad[j] = (grad[j] ?? 0) + dz * (x[o + j] ?? 0);
    } else {
      for (let k = 0; k < h; k++) {
        const ak = act[k] ?? 0;
        grad[oW2 + k] = (grad[oW2 + k] ?? 0) + dz * ak;
        if (ak <= 0) continue;
        const da = dz * (params[oW2 + k] ?? 0);
        grad[h * f + k] = (grad[h * f + k] ?? 0) + da;
        const r = k * f;
        for (let j = 0; j < f; j++) grad[r + j] = (grad[r + j] ?? 0) + da * (x[o + j] ?? 0);
      }
    }
  }
  loss /= Math.max(1, m);
  // L2 on weights only: W1 and w2 (biases b1 and b2 are not shrunk).
  let penalty = 0;
  const weightRanges: Array<[number, number]> = h === 0 ? [[0, f]] : [[0, h * f], [oW2, oW2 + h]];
  for (const [a, b] of weightRanges) {
    for (let j = a; j < b; j++) {
      const w = params[j] ?? 0;
      penalty += w * w;
      grad[j] = (grad[j] ?? 0) + l2 * w;
    }
  }
  return loss + 0.5 * l2 * penalty;
}

export interface Standardiser {
  readonly mean: Float64Array;
  readonly sd: Float64Array;
}

/** Column means and sds of n rows (sd 1 for a constant column, so it passes through). */
export function standardiser(x: Float32Array, n: number, f: number): Standardiser {
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) {
      const v = x[i * f + j] ?? 0;
      mean[j] = (mean[j] ?? 0) + v;
      sq[j] = (sq[j] ?? 0) + v * v;
    }
  }
  const sd = new Float64Array(f);
  for (let j = 0; j < f; j++) {
    const mu = (mean[j] ?? 0) / Math.max(1, n);
    mean[j] = mu;
    const v = (sq[j] ?? 0) / Math.max(1, n) - mu * mu;
    sd[j] = v > 1e-12 ? Math.sqrt(v) : 1;
  }
  return { mean, sd };
}

function standardise(x: Float32Array, n: number, f: number, s: Standardiser): Float64Array {
  const out = new Float64Array(n * f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) out[i * f + j] = ((x[i * f + j] ?? 0) - (s.mean[j] ?? 0)) / (s.sd[j] ?? 1);
  return out;
}

/** Folds the standardisation into the first layer: the result takes raw rows. */
export function finalise(params: Float64Array, inputs: number, hidden: number, s: Standardiser, version: string, featureVersion: string): CorrectnessModel {
  const f = inputs;
  const h = hidden;
  if (h === 0) {
    const w2 = new Float64Array(f);
    let b2 = params[f] ?? 0;
    for (let j = 0; j < f; j++) {
      w2[j] = (params[j] ?? 0) / (s.sd[j] ?? 1);
      b2 -= (w2[j] ?? 0) * (s.mean[j] ?? 0);
    }
    return { version, featureVersion, inputs: f, hidden: 0, w1: new Float64Array(0), b1: new Float64Array(0), w2, b2 };
  }
  const w1 = new Float64Array(h * f);
  const b1 = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    let b = params[h * f + k] ?? 0;
    for (let j = 0; j < f; j++) {
      const w = (params[k * f + j] ?? 0) / (s.sd[j] ?? 1);
      w1[k * f + j] = w;
      b -= w * (s.mean[j] ?? 0);
    }
    b1[k] = b;
  }
  const oW2 = h * f + h;
  return { version, featureVersion, inputs: f, hidden: h, w1, b1, w2: params.slice(oW2, oW2 + h), b2: params[oW2 + h] ?? 0 };
}

export interface FitData {
  readonly x: Float32Array;
  readonly y: Uint8Array;
  readonly n: number;
}

export interface FitResult {
  readonly model: CorrectnessModel;
  /** Validation log-loss after each epoch (the best epoch's weights are kept). */
  readonly validationLoss: number[];
  readonly bestEpoch: number;
}

/**
 * Fits on `train`, keeping the weights of the epoch with the lowest log-loss on
 * `validation` (early stopping; both sets are the caller's training students).
 */
export function fitModel(
  train: FitData,
  validation: FitData,
  inputs: number,
  config: FitConfig,
  version: string,
  featureVersion: string,
  log: (msg: string) => void = () => undefined,
): FitResult {
  const f = inputs;
  const h = config.hidden;
  const s = standardiser(train.x, train.n, f);
  const xs = standardise(train.x, train.n, f, s);
  const xv = standardise(validation.x, validation.n, f, s);
  const rng = mulberry32(config.seed);
  const np = parameterCount(f, h);
  const params = new Float64Array(np);
  if (h > 0) {
    // He initialisation for the ReLU layer, small output weights.
    const scale = Math.sqrt(2 / f);
    for (let j = 0; j < h * f; j++) params[j] = scale * normalDraw(rng);
    for (let k = 0; k < h; k++) params[h * f + h + k] = 0.1 * normalDraw(rng);
  }
  const grad = new Float64Array(np);
  const m1 = new Float64Array(np);
  const m2 = new Float64Array(np);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  const order = new Uint32Array(train.n);
  for (let i = 0; i < train.n; i++) order[i] = i;
  const vIdx = Uint32Array.from({ length: validation.n }, (_, i) => i);
  const scratch = new Float64Array(np);
  let best = { loss: Number.POSITIVE_INFINITY, params: params.slice(), epoch: 0 };
  const losses: number[] = [];
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    for (let i = train.n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = t;
    }
    for (let start = 0; start < train.n; start += config.batchSize) {
      const batch = order.subarray(start, Math.min(train.n, start + config.batchSize));
      lossAndGradient(params, f, h, config.l2, xs, train.y, batch, grad);
      step++;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      for (let j = 0; j < np; j++) {
        const g = grad[j] ?? 0;
        m1[j] = beta1 * (m1[j] ?? 0) + (1 - beta1) * g;
        m2[j] = beta2 * (m2[j] ?? 0) + (1 - beta2) * g * g;
        params[j] = (params[j] ?? 0) - (config.learningRate * ((m1[j] ?? 0) / c1)) / (Math.sqrt((m2[j] ?? 0) / c2) + 1e-8);
      }
    }
    const vl = lossAndGradient(params, f, h, 0, xv, validation.y, vIdx, scratch);
    losses.push(vl);
    log(`epoch ${epoch}: validation log-loss ${vl.toFixed(5)}`);
    if (vl < best.loss) best = { loss: vl, params: params.slice(), epoch };
  }
  return { model: finalise(best.params, f, h, s, version, featureVersion), validationLoss: losses, bestEpoch: best.epoch };
}
