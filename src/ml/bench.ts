/**
 * The measured loop of the correctness-model benchmark, shared by the operator route
 * (workers/api/routes/ml-bench.ts) and the standalone bench worker (scripts/ml/bench-worker.ts):
 * build the feature rows of a fixed 500-candidate learner (src/core/bench-fixture.ts) `reps`
 * times and, for stage "model", run each batch through the predictor.
 */
import { benchFixture } from "../core/bench-fixture";
import { FEATURE_COUNT, buildFeatures, emptyHistory, recordOutcome } from "../core/features";
import { DEFAULT_KNOWLEDGE_CONFIG } from "../core/knowledge";
import type { CorrectnessPredictor } from "./predictor";

export type BenchStage = "features" | "model";

export async function runMlBench(predictor: CorrectnessPredictor, candidates: number, reps: number, stage: BenchStage): Promise<number> {
  const f = benchFixture(candidates);
  const history = emptyHistory();
  f.items.slice(0, 30).forEach((item, i) => recordOutcome(history, item, i % 3 !== 0));
  // The rows the model reads (its layout's width); the newest layout when it is not loaded.
  const width = predictor.ok ? predictor.width : FEATURE_COUNT;
  const rows = new Float32Array(candidates * width);
  let checksum = 0;
  for (let r = 0; r < reps; r++) {
    buildFeatures(f.view.skill, f.curriculum.neighbours, history, f.items, rows, DEFAULT_KNOWLEDGE_CONFIG, width);
    if (stage === "model" && predictor.ok) checksum += (await predictor.predict(rows, candidates))[r % candidates] ?? 0;
    else checksum += rows[r % rows.length] ?? 0;
  }
  return checksum;
}
