/**
 * End-to-end on small subsets: the harness runs, its invariants hold and its metrics are in
 * range (no target scores: those belong to `npm run eval`). Uses the real KT data when
 * present (KT_DATA_DIR or ../shared/data/kt), a synthetic dataset otherwise.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDemoBank } from "../../src/content/generate/index";
import { mulberry32 } from "../../src/core/random";
import { loadDataset, subsetStudents } from "../../src/ml/dataset";
import type { Dataset, DatasetName, StudentSequence } from "../../src/ml/dataset";
import { DEFAULT_FIT } from "../../src/ml/difficulty";
import { MIXED_RECIPES, measurePredictThroughput, mixKey, noLinksKey, runPrediction } from "../../src/eval/predict";
import { RECIPES, V3 } from "../../src/ml/recipes";
import { renderReport } from "../../src/eval/report";
import { DEFAULT_TEACH, runTeaching } from "../../src/eval/teach";

const dataDir = resolve(process.env.KT_DATA_DIR ?? resolve(__dirname, "../../../shared/data/kt"));

function synthetic(name: DatasetName): Dataset {
  const rng = mulberry32(1);
  const students: StudentSequence[] = Array.from({ length: 60 }, (_, k) => {
    const ability = rng() * 2 - 1;
    return {
      studentId: `s${k}`,
      fold: k < 2 ? 0 : 1 + (k % 5),
      interactions: Array.from({ length: 40 }, (_, i) => {
        const item = Math.floor(rng() * 30);
        const p = 1 / (1 + Math.exp(-(ability + i / 40 - (item - 15) / 10)));
        return { itemId: String(item), skillIds: name === "assist2009" ? [String(item % 4)] : [], correct: rng() < p };
      }),
    };
  });
  return { name, students, rows: 2400, merges: { multiSkillRows: 0, retriesKept: 0, mergedWithOtherLabel: 0 } };
}

function dataset(name: DatasetName): Dataset {
  return existsSync(resolve(dataDir, name)) ? subsetStudents(loadDataset(dataDir, name), 150) : synthetic(name);
}

describe("evaluation harness, end to end on subsets", () => {
  it("predicts held-out students online with disjoint folds and metrics in range", async () => {
    const results = await Promise.all(
      (["assist2009", "statics2011"] as const).map((n) => runPrediction(dataset(n), { folds: [1, 2], quick: true, fit: { ...DEFAULT_FIT, passes: 1 } })),
    );
    for (const r of results) {
      expect(r.predictors.map((p) => p.key)).toEqual(["global", "item", "engine", "tuned"]);
      expect(r.invariants).toHaveLength(2);
      for (const p of r.predictors) {
        for (const f of p.folds) {
          expect(f.auc).toBeGreaterThanOrEqual(0);
          expect(f.auc).toBeLessThanOrEqual(1);
          expect(f.logLoss).toBeGreaterThan(0);
          expect(f.rmse).toBeGreaterThan(0);
          expect(f.rmse).toBeLessThan(1);
        }
        expect(p.calibration.reduce((a, b) => a + b.count, 0)).toBe(p.folds.reduce((a, f) => a + f.n, 0));
      }
      // The global-mean baseline ranks nothing.
      for (const f of r.predictors[0]?.folds ?? []) expect(f.auc).toBe(0.5);
    }
    // With the ML recipes: one row per recipe, and the links-reading recipe again with no links (the same model).
    const ml = await runPrediction(synthetic("statics2011"), { folds: [1], quick: true, fit: { ...DEFAULT_FIT, passes: 1 }, ml: true });
    const keys = ml.predictors.map((p) => p.key);
    expect(keys).toEqual(["global", "item", "engine", "tuned", ...RECIPES.map((r) => r.version), noLinksKey(V3.version), ...MIXED_RECIPES.map(mixKey)]);
    const v3 = ml.predictors.find((p) => p.key === V3.version)?.folds[0];
    const v3NoLinks = ml.predictors.find((p) => p.key === noLinksKey(V3.version))?.folds[0];
    expect(v3?.n).toBe(v3NoLinks?.n);
    expect(v3?.logLoss).not.toBe(v3NoLinks?.logLoss);
    const tp = measurePredictThroughput(50);
    expect(tp.usPer500).toBeGreaterThan(0);

    const teaching = runTeaching(generateDemoBank(1), { ...DEFAULT_TEACH, learners: 3, attempts: 100, checkpoints: [50, 100] });
    const report = renderReport({ quick: true, seed: 7, command: "test", dataDir, prediction: results, throughput: tp, teaching, timings: [["total", 1]], modelVersion: "correctness-v2" });
    expect(report.markdown.indexOf("## Headline")).toBeLessThan(report.markdown.indexOf("## 1."));
    expect(report.markdown).toContain("Published DKT");
    expect([...report.svgs.keys()].sort()).toEqual([
      "eval-auc-folds.svg",
      "eval-calibration-assist2009.svg",
      "eval-calibration-statics2011.svg",
      "eval-learning-curves.svg",
    ]);
    for (const svg of report.svgs.values()) {
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg).not.toContain("NaN");
    }
  });
});
