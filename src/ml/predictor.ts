/**
 * The correctness predictor the learner Durable Object asks for P(correct) of every
 * candidate in one batch: the ONNX model of models/ run by onnxruntime-web (ort-session.ts),
 * or, when that cannot load, an explicit "not available" the caller answers by falling back
 * to the knowledge model (and saying so in the response).
 *
 * Where the model lives — bundled with the worker, or in KV to swap without a redeploy:
 *   Bundled (chosen). The model is ~3 KB next to a 14 MB runtime that must be bundled
 *   anyway; a model is only valid together with the feature code that produced its inputs
 *   (FEATURE_VERSION), and that code ships with the worker — a KV model trained on a newer
 *   feature layout would score misaligned columns in an older worker, so a "swap without
 *   redeploy" is only safe for retrains of the same layout. Bundling makes the pair
 *   atomic, versioned in git, reviewed, and rolled back with `wrangler rollback`; the first
 *   request needs no KV read (KV misses cost ~10–100 ms at a cold location, on top of the
 *   ~250 ms session creation) and there is no cache to invalidate across isolates.
 *   Rollout stays configuration: every bundled model is registered below under its
 *   version, and the var CORRECTNESS_MODEL picks one ("off" = knowledge model only), so
 *   switching or rolling back is a vars change, and two versions can be bundled and
 *   compared (the evaluation harness scores recipes side by side; production can split by
 *   learner). KV would win if models grew large or were retrained daily per tenant; then
 *   `createOnnxPredictor` already takes any bytes source and version, and only a loader
 *   that reads `{version, featureVersion, bytes}` from KV would be added.
 *
 * Every failure to load is counted (predictorMetrics) and reported with its reason; it is
 * remembered for the isolate, so learners do not each pay for retrying a broken model.
 *
 * @example
 *   const predictor = await getCorrectnessPredictor(env);
 *   const width = predictor.ok ? predictor.width : FEATURE_COUNT;
 *   const rows = buildFeatures(state.skill, curriculum.neighbours, history, items, new Float32Array(items.length * width), cfg.knowledge, width);
 *   const { predictions, predictor: used, fallback } = await predictOrFallback(predictor, rows, items.length, () => knowledgePredictions);
 */
import correctnessV1 from "../../models/correctness-v1.onnx";
import correctnessV2 from "../../models/correctness-v2.onnx";
import correctnessV3 from "../../models/correctness-v3.onnx";
import { featureWidth } from "../core/features";
import { MODEL_OFF } from "./model-choice";
import { getSession, ort } from "./ort-session";

export const INPUT_NAME = "features";
export const OUTPUT_NAME = "p_correct";
/** Used when CORRECTNESS_MODEL is not set. */
export const DEFAULT_MODEL_VERSION = "correctness-v2";
/** CORRECTNESS_MODEL value that turns the model off (knowledge model only). */
export { MODEL_OFF };

export interface BundledModel {
  readonly bytes: ArrayBuffer | Uint8Array;
  /** FEATURE_VERSION the model was trained on (models/<version>.card.md). */
  readonly featureVersion: string;
}

/**
 * Models bundled with this worker, by version. Add a line (and a models/ file) per version.
 * correctness-v1 stays bundled after v2 shipped: `CORRECTNESS_MODEL=correctness-v1` rolls
 * back by a vars change (its features/1 rows are the prefix v2's code still writes).
 * correctness-v3 (features/3: item links) is bundled but not the default: it needs the links
 * the calibration job learns from the platform's attempts (fed none, it predicts worse than
 * v2), so a learner's object switches to it once they rest on enough answers (./model-choice.ts).
 */
export const BUNDLED_MODELS: Readonly<Record<string, BundledModel>> = {
  "correctness-v1": { bytes: correctnessV1, featureVersion: "features/1" },
  "correctness-v2": { bytes: correctnessV2, featureVersion: "features/2" },
  "correctness-v3": { bytes: correctnessV3, featureVersion: "features/3" },
};

export type CorrectnessPredictor = { readonly version: string } & (
  | {
      readonly ok: true;
      /** Columns of a feature row this model reads (its layout's width: pass it to `buildFeatures`). */
      readonly width: number;
      predict(rows: Float32Array, n: number): Promise<Float64Array>;
    }
  | { readonly ok: false; readonly reason: string }
);

interface Metrics {
  /** Predictors handed out that could not load (each request that fell back counts once). */
  fallbacks: number;
  /** Batches scored by a model. */
  batches: number;
  /** Batches whose model run failed after loading (also fell back). */
  runFailures: number;
  lastFailure: string | null;
}

const metrics: Metrics = { fallbacks: 0, batches: 0, runFailures: 0, lastFailure: null };

/** Per-isolate counters (for /metrics and the tests). */
export function predictorMetrics(): Readonly<Metrics> {
  return { ...metrics };
}

function failed(version: string, reason: string): CorrectnessPredictor {
  metrics.fallbacks++;
  metrics.lastFailure = `${version}: ${reason}`;
  return { version, ok: false, reason };
}

/**
 * A predictor over an ONNX model given as bytes. The session is created once per isolate
 * per `version` (concurrent first calls share it); a model that does not load, whose feature
 * version this worker cannot write, or whose input width is not that layout's, gives `ok: false`.
 */
export async function createOnnxPredictor(options: {
  version: string;
  bytes: () => ArrayBuffer | Uint8Array;
  featureVersion: string;
  wasm?: object;
}): Promise<CorrectnessPredictor> {
  const { version } = options;
  const expected = featureWidth(options.featureVersion);
  if (expected === undefined) return failed(version, `trained on ${options.featureVersion}, a feature layout this worker cannot compute`);
  let session: ort.InferenceSession;
  try {
    // The 14 MB runtime is imported on first use, not with this module (./ort-wasm.ts).
    session = await getSession(version, options.wasm ?? (await import("./ort-wasm")).default, options.bytes);
  } catch (err) {
    return failed(version, `model did not load: ${err instanceof Error ? err.message : String(err)}`);
  }
  const input = session.inputMetadata[0];
  const width = input && input.isTensor ? input.shape[1] : undefined;
  if (session.inputNames[0] !== INPUT_NAME || width !== expected) {
    return failed(version, `model input is ${session.inputNames[0]} [N, ${String(width)}], expected ${INPUT_NAME} [N, ${expected}] (${options.featureVersion})`);
  }
  return {
    version,
    ok: true,
    width: expected,
    async predict(rows: Float32Array, n: number): Promise<Float64Array> {
      if (rows.length < n * expected) throw new RangeError(`rows has ${rows.length} values for ${n} × ${expected}`);
      const tensor = new ort.Tensor("float32", rows.subarray(0, n * expected), [n, expected]);
      const out = await session.run({ [INPUT_NAME]: tensor });
      const p = out[OUTPUT_NAME];
      if (!p) throw new Error(`model has no output ${OUTPUT_NAME}`);
      metrics.batches++;
      return Float64Array.from(p.data as Float32Array);
    },
  };
}

/**
 * The predictor configured for this deployment: `env.CORRECTNESS_MODEL` names a bundled
 * version (default DEFAULT_MODEL_VERSION), "off" disables the model.
 */
export async function getCorrectnessPredictor(env: { readonly CORRECTNESS_MODEL?: string | undefined }): Promise<CorrectnessPredictor> {
  const version = env.CORRECTNESS_MODEL?.trim() || DEFAULT_MODEL_VERSION;
  if (version === MODEL_OFF) return { version: MODEL_OFF, ok: false, reason: "the correctness model is turned off (CORRECTNESS_MODEL=off)" };
  const bundled = BUNDLED_MODELS[version];
  if (!bundled) return failed(version, `no bundled model ${version} (have ${Object.keys(BUNDLED_MODELS).join(", ")})`);
  return createOnnxPredictor({ version, bytes: () => bundled.bytes, featureVersion: bundled.featureVersion });
}

export interface ScoredPredictions {
  readonly predictions: Float64Array;
  /** What scored them: the model version, or the fallback's name. */
  readonly predictor: string;
  /** True when the model was configured but could not be used; `reason` says why. */
  readonly fallback: boolean;
  readonly reason?: string;
}

/**
 * One batch through the model, or through `fallback` (the knowledge model) when the model is
 * unavailable or its run fails: never throws for the learner.
 */
export async function predictOrFallback(
  predictor: CorrectnessPredictor,
  rows: Float32Array,
  n: number,
  fallback: () => Float64Array,
  fallbackName = "knowledge-model/1",
): Promise<ScoredPredictions> {
  if (!predictor.ok) return { predictions: fallback(), predictor: fallbackName, fallback: predictor.version !== MODEL_OFF, reason: predictor.reason };
  try {
    return { predictions: await predictor.predict(rows, n), predictor: predictor.version, fallback: false };
  } catch (err) {
    metrics.runFailures++;
    metrics.lastFailure = `${predictor.version}: run failed: ${err instanceof Error ? err.message : String(err)}`;
    return { predictions: fallback(), predictor: fallbackName, fallback: true, reason: metrics.lastFailure };
  }
}
