/**
 * The correctness model inside workerd: the real ONNX file runs through onnxruntime-web
 * (runtime imported as a compiled module, src/ml/ort-session.ts) and agrees with the same
 * model evaluated in TypeScript; concurrent first calls share one session; a model that
 * cannot be used falls back, says why and is counted.
 */
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_VERSION, buildFeatures, emptyHistory, recordOutcome } from "../../src/core/features";
import { DEFAULT_KNOWLEDGE_CONFIG } from "../../src/core/knowledge";
import { mulberry32, normalDraw } from "../../src/core/random";
import type { ItemParams, SkillState } from "../../src/core/types";
import { evaluate, modelFromJson } from "../../src/ml/model";
import type { CorrectnessModel } from "../../src/ml/model";
import { sessionCreations } from "../../src/ml/ort-session";
import { BUNDLED_MODELS, DEFAULT_MODEL_VERSION, createOnnxPredictor, getCorrectnessPredictor, predictOrFallback, predictorMetrics } from "../../src/ml/predictor";
import weights from "../../models/correctness-v2.json";
import v3Weights from "../../models/correctness-v3.json";

const tsModel: CorrectnessModel = {
  version: weights.version,
  featureVersion: weights.featureVersion,
  inputs: weights.inputs,
  hidden: weights.hidden,
  w1: Float64Array.from(weights.w1),
  b1: Float64Array.from(weights.b1),
  w2: Float64Array.from(weights.w2),
  b2: weights.b2,
};

function randomRows(n: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n * tsModel.inputs }, () => 1.5 * normalDraw(rng));
}

describe("correctness model in workerd", () => {
  it("concurrent first requests create the session once and all get the model", async () => {
    const before = sessionCreations();
    const all = await Promise.all(Array.from({ length: 8 }, () => getCorrectnessPredictor({})));
    expect(all.every((p) => p.ok && p.version === DEFAULT_MODEL_VERSION)).toBe(true);
    expect(sessionCreations() - before).toBeLessThanOrEqual(1);
    // A version never loaded before: exactly one creation for eight concurrent callers.
    const bundled = BUNDLED_MODELS[DEFAULT_MODEL_VERSION];
    if (!bundled) throw new Error("no bundled model");
    const mid = sessionCreations();
    const probes = await Promise.all(Array.from({ length: 8 }, () => createOnnxPredictor({ version: "concurrency-probe", bytes: () => bundled.bytes, featureVersion: bundled.featureVersion })));
    expect(probes.every((p) => p.ok)).toBe(true);
    expect(sessionCreations() - mid).toBe(1);
  });

  it("the shipped ONNX model through onnxruntime-web equals the TypeScript evaluation (500 rows, 1e-5)", async () => {
    const predictor = await getCorrectnessPredictor({ CORRECTNESS_MODEL: "correctness-v2" });
    if (!predictor.ok) throw new Error(predictor.reason);
    expect(predictor.version).toBe(weights.version);
    expect(predictor.width).toBe(tsModel.inputs); // features/2: the first 22 columns of the newest layout
    const n = 500;
    const rows = randomRows(n, 5);
    const got = await predictor.predict(rows, n);
    const want = evaluate(tsModel, rows, n);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs((got[i] ?? Number.NaN) - (want[i] ?? 0)));
    expect(worst).toBeLessThan(1e-5);
  });

  it("the previous model (features/1) still loads and reads the 18-column prefix: rollback is a vars change", async () => {
    const v1 = await getCorrectnessPredictor({ CORRECTNESS_MODEL: "correctness-v1" });
    if (!v1.ok) throw new Error(v1.reason);
    expect(v1.width).toBe(18);
    const scored = await v1.predict(new Float32Array(3 * v1.width), 3);
    expect(scored.length).toBe(3);
  });

  it("the item-links model (correctness-v3, features/3, opt-in) loads, equals its TypeScript evaluation, and reads the links", async () => {
    const v3 = await getCorrectnessPredictor({ CORRECTNESS_MODEL: "correctness-v3" });
    if (!v3.ok) throw new Error(v3.reason);
    expect(v3.width).toBe(FEATURE_COUNT);
    const model = modelFromJson(v3Weights);
    expect(model.inputs).toBe(FEATURE_COUNT);
    const items: ItemParams[] = Array.from({ length: 30 }, (_, i) => ({ id: `i${i}`, skillIds: [`s${i % 3}`], difficulty: (i % 7) / 3 - 1, discrimination: 1, guessing: 0 }));
    const history = emptyHistory();
    for (let k = 0; k < 8; k++) recordOutcome(history, items[k] ?? { id: "x", skillIds: ["s0"], difficulty: 0 }, k % 3 !== 0);
    // Every answered item linked to every candidate: the link columns carry the learner's recent residuals.
    const links = { weight: () => 0.6, outgoing: () => items.map((it) => [it.id, 0.6] as const) };
    const rows = (withLinks: boolean) => buildFeatures(() => undefined, new Map(), history, items, new Float32Array(items.length * FEATURE_COUNT), DEFAULT_KNOWLEDGE_CONFIG, FEATURE_COUNT, withLinks ? links : undefined);
    const linked = await v3.predict(rows(true), items.length);
    const unlinked = await v3.predict(rows(false), items.length);
    const want = evaluate(model, rows(true), items.length);
    for (let i = 0; i < items.length; i++) expect(Math.abs((linked[i] ?? 0) - (want[i] ?? 0))).toBeLessThan(1e-5);
    expect(linked.some((p, i) => Math.abs(p - (unlinked[i] ?? 0)) > 1e-3)).toBe(true);
  });

  it("scores real feature rows of a learner and reports the model version", async () => {
    const items: ItemParams[] = Array.from({ length: 40 }, (_, i) => ({ id: `i${i}`, skillIds: [`s${i % 4}`], difficulty: (i % 9) / 3 - 1.5, discrimination: 1, guessing: 0 }));
    const states = new Map<string, SkillState>([["s0", { skillId: "s0", mean: 0.8, variance: 0.3, attempts: 6, correct: 5, lastAttemptAt: 0 }]]);
    const history = emptyHistory();
    for (let k = 0; k < 6; k++) recordOutcome(history, items[k * 4] ?? { id: "x", skillIds: ["s0"], difficulty: 0 }, k !== 2);
    // Rows of the bundled model's layout (tsModel.inputs columns: features/1 is a prefix of the newest).
    const rows = buildFeatures((id) => states.get(id), new Map(), history, items, new Float32Array(items.length * tsModel.inputs), DEFAULT_KNOWLEDGE_CONFIG, tsModel.inputs);
    const scored = await predictOrFallback(await getCorrectnessPredictor({}), rows, items.length, () => new Float64Array(items.length));
    expect(scored).toMatchObject({ predictor: DEFAULT_MODEL_VERSION, fallback: false });
    const want = evaluate(tsModel, rows, items.length);
    for (let i = 0; i < items.length; i++) {
      expect(scored.predictions[i]).toBeGreaterThan(0);
      expect(scored.predictions[i]).toBeLessThan(1);
      expect(Math.abs((scored.predictions[i] ?? 0) - (want[i] ?? 0))).toBeLessThan(1e-5);
    }
  });

  it("a broken model falls back to the knowledge model, says why and is counted", async () => {
    const before = predictorMetrics().fallbacks;
    const broken = await createOnnxPredictor({ version: "broken-v0", bytes: () => new Uint8Array([8, 1, 18, 3, 1, 2]), featureVersion: FEATURE_VERSION });
    expect(broken.ok).toBe(false);
    if (broken.ok) return;
    expect(broken.reason).toMatch(/did not load/);
    expect(predictorMetrics().fallbacks).toBe(before + 1);
    const knowledge = Float64Array.from([0.3, 0.6]);
    const scored = await predictOrFallback(broken, new Float32Array(2 * FEATURE_COUNT), 2, () => knowledge);
    expect(scored).toMatchObject({ predictor: "knowledge-model/1", fallback: true });
    expect([...scored.predictions]).toEqual([0.3, 0.6]);
    // The working model is unaffected by the broken one in the same isolate.
    expect((await getCorrectnessPredictor({})).ok).toBe(true);
  });

  it("refuses a model trained on another feature layout, an unknown version, and honours 'off'", async () => {
    const bundled = BUNDLED_MODELS[DEFAULT_MODEL_VERSION];
    if (!bundled) throw new Error("no bundled model");
    const stale = await createOnnxPredictor({ version: "stale", bytes: () => bundled.bytes, featureVersion: "features/0" });
    expect(stale.ok ? "" : stale.reason).toMatch(/features\/0/);
    const unknown = await getCorrectnessPredictor({ CORRECTNESS_MODEL: "correctness-v99" });
    expect(unknown.ok ? "" : unknown.reason).toMatch(/no bundled model/);
    const off = await getCorrectnessPredictor({ CORRECTNESS_MODEL: "off" });
    expect(off.ok).toBe(false);
    const scored = await predictOrFallback(off, new Float32Array(FEATURE_COUNT), 1, () => Float64Array.from([0.5]));
    expect(scored.fallback).toBe(false); // turned off on purpose: not a failure
  });
});
