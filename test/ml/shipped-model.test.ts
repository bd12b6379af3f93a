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
import { DEFAULT_KNOWLEDGE_CONFIG } from "../../src/core/knowledge";
import { mulberry32 } from "../../src/core/random";
import { modelFromJson } from "../../src/ml/model";
import { openShippedModel, scoreRows } from "../../src/ml/onnx-node";
import { featureTable, predictTable } from "../../src/ml/pipeline";
import { CURRENT, V3 } from "../../src/ml/recipes";
import { fitItemLinks } from "../../src/ml/item-links";
import type { Interaction } from "../../src/ml/dataset";

const root = resolve(__dirname, "../..");
const dataDir = resolve(process.env.KT_DATA_DIR ?? resolve(root, "../shared/data/kt"));
// The shipped model, and the bundled candidate an operator can switch to (CORRECTNESS_MODEL).
for (const recipe of [CURRENT, V3]) {
  const card = readFileSync(resolve(root, "models", `${recipe.version}.card.md`), "utf8");

  describe(`the bundled model ${recipe.version} against its card`, () => {
    it("the card's check section round-trips", () => {
      const checks = [{ dataset: "assist2009", fold: 1, answers: 12, auc: 0.75 }];
      const section = renderShippedChecks("v", checks);
      expect(parseShippedChecks(withShippedChecks("# card\n\n## Other\ntext\n", section))).toEqual(checks);
      expect(withShippedChecks(withShippedChecks("# card\n", section), section)).toBe(withShippedChecks("# card\n", section));
    });

    it("models/<version>.json (what the teaching study runs) predicts what the .onnx file predicts", async () => {
      const rng = mulberry32(4);
      const students = Array.from({ length: 40 }, (_, s) => ({
        studentId: `s${s}`,
        fold: 1,
        interactions: Array.from({ length: 50 }, () => {
          const k = Math.floor(rng() * 30);
          return { itemId: `q${k}`, skillIds: k % 5 === 0 ? [`k${k % 4}`, `k${(k + 1) % 4}`] : [`k${k % 4}`], correct: rng() < 0.65 };
        }),
      }));
      const toItem = (x: Interaction) => ({ id: x.itemId, skillIds: x.skillIds, difficulty: (Number(x.itemId.slice(1)) % 9) / 3 - 1.5, discrimination: 1, guessing: 0 });
      const table = featureTable(students, toItem, DEFAULT_KNOWLEDGE_CONFIG, fitItemLinks(students, toItem));
      const json = modelFromJson(JSON.parse(readFileSync(resolve(root, "models", `${recipe.version}.json`), "utf8")));
      const onnx = await scoreRows(await openShippedModel(root, recipe.version), table);
      expect(json.featureVersion).toBe(recipe.features);
      const ts = predictTable(json, table); // the model's columns of the pipeline rows
      let worst = 0;
      for (let i = 0; i < table.n; i++) worst = Math.max(worst, Math.abs((ts[i] ?? 0) - (onnx[i] ?? 0)));
      expect(table.n).toBe(2000);
      expect(worst).toBeLessThan(1e-5);
    });

    it("the card records a check for both datasets", () => {
      expect(parseShippedChecks(card).map((c) => c.dataset)).toEqual(["assist2009", "statics2011"]);
    });

    for (const recorded of parseShippedChecks(card)) {
      it.skipIf(!existsSync(resolve(dataDir, recorded.dataset)))(`${recorded.dataset} fold ${recorded.fold}: AUC ${recorded.auc}`, async () => {
        const model = await openShippedModel(root, recipe.version);
        const now = await checkShippedModel(model, loadDataset(dataDir, recorded.dataset as DatasetName), recorded.fold);
        expect(now.answers).toBe(recorded.answers);
        // The card rounds to 4 decimals; anything beyond rounding is drift.
        expect(Math.abs(now.auc - recorded.auc)).toBeLessThanOrEqual(0.00005 + 1e-9);
      });
    }
  });
}
