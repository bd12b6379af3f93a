/**
 * Writes a CorrectnessModel (src/ml/model.ts) as an ONNX file with onnx-proto (the ONNX
 * protobuf definition compiled by protobufjs): IR version 8, default-domain opset 13 — both
 * supported by onnxruntime-web 1.30 and onnxruntime-node 1.30. Node-only (build time).
 *
 * Graph (input "features": float32 [N, F], output "p_correct": float32 [N, 1]):
 *   mlp       Gemm(x, W1ᵀ, b1) → Relu → Gemm(·, w2ᵀ, b2) → Sigmoid
 *   logistic  Gemm(x, w2ᵀ, b2) → Sigmoid
 * N is symbolic, so one session scores any number of candidates. The model's version and
 * feature version travel in metadata_props; the predictor checks them before serving.
 */
import onnxProto from "onnx-proto";
import type { CorrectnessModel } from "./model";

const { onnx } = onnxProto;

export const INPUT_NAME = "features";
export const OUTPUT_NAME = "p_correct";

function tensor(name: string, dims: number[], values: ArrayLike<number>): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values, (v) => Math.fround(v)) };
}

function gemm(input: string, weight: string, bias: string, output: string): onnxProto.onnx.INodeProto {
  return {
    opType: "Gemm",
    input: [input, weight, bias],
    output: [output],
    name: `gemm_${output}`,
    attribute: [{ name: "transB", type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  };
}

function valueInfo(name: string, dims: Array<number | string>): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** The ONNX bytes of `model`; `featureNames` are recorded in the metadata. */
export function exportOnnx(model: CorrectnessModel, featureNames: readonly string[]): Uint8Array {
  const f = model.inputs;
  const h = model.hidden;
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  if (h === 0) {
    initializer.push(tensor("w", [1, f], model.w2), tensor("b", [1], [model.b2]));
    nodes.push(gemm(INPUT_NAME, "w", "b", "logit"));
  } else {
    initializer.push(tensor("W1", [h, f], model.w1), tensor("b1", [h], model.b1), tensor("W2", [1, h], model.w2), tensor("b2", [1], [model.b2]));
    nodes.push(gemm(INPUT_NAME, "W1", "b1", "pre"), { opType: "Relu", input: ["pre"], output: ["hidden"], name: "relu" }, gemm("hidden", "W2", "b2", "logit"));
  }
  nodes.push({ opType: "Sigmoid", input: ["logit"], output: [OUTPUT_NAME], name: "sigmoid" });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "edge-learning-platform scripts/train.ts",
    producerVersion: "1",
    modelVersion: 1,
    docString: `P(correct) of a learner–item pair from ${f} features (${featureNames.join(", ")})`,
    metadataProps: [
      { key: "version", value: model.version },
      { key: "feature_version", value: model.featureVersion },
      { key: "features", value: featureNames.join(",") },
    ],
    graph: {
      name: model.version,
      node: nodes,
      initializer,
      input: [valueInfo(INPUT_NAME, ["N", f])],
      output: [valueInfo(OUTPUT_NAME, ["N", 1])],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}
