/**
 * Guard rail: the bundled model file, run by onnxruntime on the card's fixed fold, scores
 * the AUC its card records (src/eval/shipped.ts). It fails when the file, the features, the
 * item-difficulty fit or the loader change what the shipped model sees without the card
 * being re-measured (`npm run train -- --check-card`, or a retrain).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkShippedModel, parseShippedChecks, renderShippedChecks, withShippedChecks } from "../../src/eval/shipped";
import { loadDataset } from "../../src/ml/dataset";
import type { DatasetName } from "../../src/ml/dataset";
import { openShippedModel } from "../../src/ml/onnx-node";
import { CURRENT } from "../../src/ml/recipes";

const root = resolve(__dirname, "../..");
const dataDir = resolve(process.env.KT_DATA_DIR ?? resolve(root, "../shared/data/kt"));
const card = readFileSync(resolve(root, "models", `${CURRENT.version}.card.md`), "utf8");

describe("the shipped model against its card", () => {
  it("the card's check section round-trips", () => {
    const checks = [{ dataset: "assist2009", fold: 1, answers: 12, auc: 0.75 }];
    const section = renderShippedChecks("v", checks);
    expect(parseShippedChecks(withShippedChecks("# card\n\n## Other\ntext\n", section))).toEqual(checks);
    expect(withShippedChecks(withShippedChecks("# card\n", section), section)).toBe(withShippedChecks("# card\n", section));
  });

  it("the card records a check for both datasets", () => {
    expect(parseShippedChecks(card).map((c) => c.dataset)).toEqual(["assist2009", "statics2011"]);
  });

  for (const recorded of parseShippedChecks(card)) {
    it.skipIf(!existsSync(resolve(dataDir, recorded.dataset)))(`${recorded.dataset} fold ${recorded.fold}: AUC ${recorded.auc}`, async () => {
      const model = await openShippedModel(root, CURRENT.version);
      const now = await checkShippedModel(model, loadDataset(dataDir, recorded.dataset as DatasetName), recorded.fold);
      expect(now.answers).toBe(recorded.answers);
      // The card rounds to 4 decimals; anything beyond rounding is drift.
      expect(Math.abs(now.auc - recorded.auc)).toBeLessThanOrEqual(0.00005 + 1e-9);
    });
  }
});
