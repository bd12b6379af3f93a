/**
 * A bundled model FILE scored in Node by onnxruntime-node (the reference CPU runtime of the
 * same ONNX graph onnxruntime-web runs in workerd), over feature rows of the pipeline.
 * The prediction study and the card's drift check use it to measure what ships — the
 * float32 graph in the .onnx bytes — rather than a refit of its recipe in float64.
 * Node-only (build and evaluation time).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { featureWidth } from "../core/features";
import { INPUT_NAME, OUTPUT_NAME } from "./export";
import type { FitData } from "./fit";
import { tableColumns } from "./pipeline";

export interface ShippedModel {
  readonly version: string;
  readonly session: ort.InferenceSession;
  /** Columns the model reads: the first `width` of a pipeline row (its feature layout's width). */
  readonly width: number;
}

/** Opens models/<version>.onnx under `root`; refuses a file made for other feature rows. */
export async function openShippedModel(root: string, version: string): Promise<ShippedModel> {
  const bytes = readFileSync(join(root, "models", `${version}.onnx`));
  // onnxruntime-node does not expose metadata_props: read them from the protobuf itself.
  const meta = new Map(onnxProto.onnx.ModelProto.decode(bytes).metadataProps.map((p) => [p.key ?? "", p.value ?? ""]));
  if (meta.get("version") !== version) throw new Error(`${version}.onnx says it is ${meta.get("version")}`);
  const layout = meta.get("feature_version") ?? "";
  const width = featureWidth(layout);
  if (width === undefined) throw new Error(`${version}.onnx was trained on ${layout}, a feature layout this code cannot write`);
  const session = await ort.InferenceSession.create(bytes);
  const input = session.inputMetadata.find((m) => m.name === INPUT_NAME);
  const shape = input && "shape" in input ? input.shape : undefined;
  if (!shape || shape[1] !== width) throw new Error(`${version}.onnx takes ${String(shape?.[1])} features, ${layout} has ${width}`);
  return { version, session, width };
}

/** P(correct) of every pipeline row of `table` (FEATURE_COUNT columns), in row order, in batches of `batch` rows. */
export async function scoreRows(model: ShippedModel, table: FitData, batch = 65_536): Promise<Float64Array> {
  const out = new Float64Array(table.n);
  const x = tableColumns(table, model.width).x;
  const w = model.width;
  for (let start = 0; start < table.n; start += batch) {
    const m = Math.min(batch, table.n - start);
    const rows = x.subarray(start * w, (start + m) * w);
    const result = await model.session.run({ [INPUT_NAME]: new ort.Tensor("float32", rows, [m, w]) });
    const p = result[OUTPUT_NAME];
    if (!p || p.data.length !== m) throw new Error(`${model.version}: no ${OUTPUT_NAME} for ${m} rows`);
    out.set(p.data as Float32Array, start);
  }
  return out;
}
