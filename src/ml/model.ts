/**
 * The correctness model: P(correct) = σ(f(x)) over the feature rows of src/core/features.ts,
 * where f is either linear (logistic regression, `hidden = 0`) or one hidden ReLU layer:
 *
 *   logistic   f(x) = w2 · x + b2
 *   mlp        f(x) = w2 · relu(W1 x + b1) + b2          W1: hidden × inputs, row-major
 *
 * Input standardisation is folded into W1 (or w2) when a model is finalised, so the
 * deployed graph is exactly Gemm → (Relu → Gemm) → Sigmoid and this file's `evaluate` is
 * the same computation ONNX runs (float64 here, float32 there: they agree to ~1e-6).
 */
import { sigmoid } from "../core/knowledge";

export interface CorrectnessModel {
  /** e.g. "correctness-v1": what a response reports as the predictor. */
  readonly version: string;
  /** FEATURE_VERSION the model was trained on. */
  readonly featureVersion: string;
  readonly inputs: number;
  /** 0 = logistic regression. */
  readonly hidden: number;
  /** hidden × inputs (mlp) or empty (logistic). */
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  /** hidden (mlp) or inputs (logistic) weights of the output unit. */
  readonly w2: Float64Array;
  readonly b2: number;
}

/**
 * P(correct) of `n` rows of `rows` (row-major, `model.inputs` per row) into `out`.
 * Allocation-free apart from one scratch vector per call.
 */
export function evaluate(model: CorrectnessModel, rows: Float32Array | Float64Array, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  const f = model.inputs;
  const h = model.hidden;
  if (rows.length < n * f) throw new RangeError(`rows has ${rows.length} values for ${n} × ${f}`);
  if (out.length < n) throw new RangeError(`out has ${out.length} slots for ${n} rows`);
  if (h === 0) {
    for (let i = 0; i < n; i++) {
      let z = model.b2;
      const o = i * f;
      for (let j = 0; j < f; j++) z += (model.w2[j] ?? 0) * (rows[o + j] ?? 0);
      out[i] = sigmoid(z);
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const o = i * f;
    let z = model.b2;
    for (let k = 0; k < h; k++) {
      let a = model.b1[k] ?? 0;
      const r = k * f;
      for (let j = 0; j < f; j++) a += (model.w1[r + j] ?? 0) * (rows[o + j] ?? 0);
      if (a > 0) z += (model.w2[k] ?? 0) * a;
    }
    out[i] = sigmoid(z);
  }
  return out;
}

/** JSON form (the model card and tests); numbers as plain arrays. */
export function modelToJson(m: CorrectnessModel): Record<string, unknown> {
  return { version: m.version, featureVersion: m.featureVersion, inputs: m.inputs, hidden: m.hidden, w1: [...m.w1], b1: [...m.b1], w2: [...m.w2], b2: m.b2 };
}

/** Inverse of `modelToJson` (models/<version>.json); throws on a malformed file. */
export function modelFromJson(json: unknown): CorrectnessModel {
  const o = json as Record<string, unknown>;
  const nums = (k: string): Float64Array => {
    const v = o[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) throw new Error(`model JSON: ${k} must be an array of numbers`);
    return Float64Array.from(v as number[]);
  };
  const { version, featureVersion, inputs, hidden, b2 } = o;
  if (typeof version !== "string" || typeof featureVersion !== "string" || typeof inputs !== "number" || typeof hidden !== "number" || typeof b2 !== "number") {
    throw new Error("model JSON: version, featureVersion, inputs, hidden and b2 are required");
  }
  const m: CorrectnessModel = { version, featureVersion, inputs, hidden, w1: nums("w1"), b1: nums("b1"), w2: nums("w2"), b2 };
  if (m.w1.length !== hidden * inputs || m.b1.length !== hidden || m.w2.length !== (hidden === 0 ? inputs : hidden)) throw new Error("model JSON: weight shapes do not match inputs × hidden");
  return m;
}
