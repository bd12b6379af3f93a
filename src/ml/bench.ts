/**
 * The measured loop of the correctness-model benchmark, shared by the operator route
 * (workers/api/routes/ml-bench.ts) and the standalone bench worker (scripts/ml/bench-worker.ts):
 * build the feature rows of a fixed 500-candidate learner (src/core/bench-fixture.ts) `reps`
 * times and, for stage "model", run each batch through the predictor. A model that reads item
 * links (features/3) gets them as learner objects read them (`decodeLinks` of the encoded
 * table): a link into every candidate from each of the learner's 30 answered items (the job
 * publishes up to 64 into each item), so all of the window's last 20 answers link to every
 * candidate: the densest case.
 */
import { benchFixture } from "../core/bench-fixture";
import { FEATURE_COUNT, FEATURE_WIDTHS, LINK_WINDOW, NO_LINKS, buildFeatures, emptyHistory, recordOutcome } from "../core/features";
import { decodeLinks, encodeLinks } from "../core/item-links";
import type { PublishedLinks } from "../core/item-links";
import { DEFAULT_KNOWLEDGE_CONFIG } from "../core/knowledge";
import type { CorrectnessPredictor } from "./predictor";

export type BenchStage = "features" | "model";

export async function runMlBench(predictor: CorrectnessPredictor, candidates: number, reps: number, stage: BenchStage): Promise<number> {
  const f = benchFixture(candidates);
  const history = emptyHistory();
  f.items.slice(0, 30).forEach((item, i) => recordOutcome(history, item, i % 3 !== 0));
  // The rows the model reads (its layout's width); the newest layout when it is not loaded.
  const width = predictor.ok ? predictor.width : FEATURE_COUNT;
  const answered = f.items.slice(0, 30).map((it) => it.id);
  const out: Record<string, [string, number][]> = {};
  f.items.forEach((item, k) => {
    for (let q = 0; q < answered.length; q++) {
      const from = answered[(k * 7 + q) % answered.length] ?? "";
      if (from !== item.id) (out[from] ??= []).push([item.id, Math.round(0.05 * (q - 15) * 1e4) / 1e4]);
    }
  });
  const doc: PublishedLinks = { answers: 0, learners: 0, throughAttemptId: 0, window: LINK_WINDOW, shrink: 5, maxPerItem: answered.length, minSupport: 1, links: out };
  const links = width > (FEATURE_WIDTHS["features/2"] ?? FEATURE_COUNT) ? decodeLinks(encodeLinks(doc)) : NO_LINKS;
  const rows = new Float32Array(candidates * width);
  let checksum = 0;
  for (let r = 0; r < reps; r++) {
    buildFeatures(f.view.skill, f.curriculum.neighbours, history, f.items, rows, DEFAULT_KNOWLEDGE_CONFIG, width, links);
    if (stage === "model" && predictor.ok) checksum += (await predictor.predict(rows, candidates))[r % candidates] ?? 0;
    else checksum += rows[r % rows.length] ?? 0;
  }
  return checksum;
}
