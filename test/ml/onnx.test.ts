/**
 * The exported ONNX graph, run by onnxruntime-node (the reference CPU runtime), equals the
 * TypeScript evaluation of the same model on random inputs, for both model shapes; and the
 * shipped model file matches its card's version and feature layout.
 */
import { existsSync, readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION } from "../../src/core/features";
import { mulberry32, normalDraw } from "../../src/core/random";
import { evaluate } from "../../src/ml/model";
import type { CorrectnessModel } from "../../src/ml/model";
import { INPUT_NAME, OUTPUT_NAME, exportOnnx } from "../../src/ml/export";
import onnxProto from "onnx-proto";
import { recipeWidth } from "../../src/ml/pipeline";
import { CURRENT } from "../../src/ml/recipes";

function randomModel(seed: number, hidden: number): CorrectnessModel {
  const rng = mulberry32(seed);
  const f = FEATURE_COUNT;
  const draw = (n: number, sd: number) => Float64Array.from({ length: n }, () => sd * normalDraw(rng));
  return {
    version: `random-${seed}`,
    featureVersion: FEATURE_VERSION,
    inputs: f,
    hidden,
    w1: draw(hidden * f, 0.5),
    b1: draw(hidden, 0.5),
    w2: draw(hidden === 0 ? f : hidden, 0.5),
    b2: 0.2,
  };
}

async function runOnnx(bytes: Uint8Array, rows: Float32Array, n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [INPUT_NAME]: new ort.Tensor("float32", rows, [n, FEATURE_COUNT]) });
  const t = out[OUTPUT_NAME];
  if (!t) throw new Error("no output");
  expect(t.dims).toEqual([n, 1]);
  return t.data as Float32Array;
}

describe("ONNX export", () => {
  for (const hidden of [0, 32]) {
    it(`onnxruntime-node equals the TS evaluation within 1e-5 (${hidden === 0 ? "logistic" : `mlp ${hidden}`})`, async () => {
      const model = randomModel(3 + hidden, hidden);
      const rng = mulberry32(99);
      const n = 257;
      const rows = Float32Array.from({ length: n * FEATURE_COUNT }, () => 2 * normalDraw(rng));
      const expected = evaluate(model, rows, n);
      const got = await runOnnx(exportOnnx(model, FEATURE_NAMES), rows, n);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs((got[i] ?? Number.NaN) - (expected[i] ?? 0)));
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it("records IR 8, opset 13, version and feature version", async () => {
    const bytes = exportOnnx(randomModel(1, 4), FEATURE_NAMES);
    const m = onnxProto.onnx.ModelProto.decode(bytes);
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((o) => Number(o.version))).toEqual([13]);
    const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ version: "random-1", feature_version: FEATURE_VERSION, features: FEATURE_NAMES.join(",") });
  });

  it.skipIf(!existsSync(`models/${CURRENT.version}.onnx`))("the shipped model loads in onnxruntime-node and matches the card", async () => {
    const bytes = readFileSync(`models/${CURRENT.version}.onnx`);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual([INPUT_NAME]);
    const card = readFileSync(`models/${CURRENT.version}.card.md`, "utf8");
    expect(card).toContain(CURRENT.features);
    for (const name of FEATURE_NAMES.slice(0, recipeWidth(CURRENT))) expect(card).toContain(name);
    const meta = Object.fromEntries(onnxProto.onnx.ModelProto.decode(bytes).metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ version: CURRENT.version, feature_version: CURRENT.features, features: FEATURE_NAMES.slice(0, recipeWidth(CURRENT)).join(",") });
  });
});
