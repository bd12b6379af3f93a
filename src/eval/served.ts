/**
 * The served predictions on the platform's own answers: every attempt carries what the
 * correctness model and the knowledge model predicted for its item when it was served
 * (`attempts.p_model`, `p_knowledge`), so how well each predicted — and the per-learner mixture
 * scoring actually ranked with (src/core/predictor-mix.ts), replayed in each learner's order —
 * can be measured on the learners the platform has, not only on public datasets.
 * `npm run train -- --from-postgres` writes it into reports/feature-parity.md.
 */
import { mixSequence, modelWeight } from "../core/predictor-mix";
import type { PredictorMixConfig } from "../core/predictor-mix";
import type { PlatformLearner } from "../ml/platform-replay";
import { auc, logLoss, median } from "./metrics";

export interface ServedScore {
  readonly auc: number;
  readonly logLoss: number;
  /** Mean predicted P(correct): against `observed`, whether the predictor runs high or low. */
  readonly meanPredicted: number;
}

export interface ServedSummary {
  /** Answers both predictors scored when served, and the learners they came from. */
  readonly answers: number;
  readonly learners: number;
  /** Share answered correctly. */
  readonly observed: number;
  readonly model: ServedScore;
  readonly knowledge: ServedScore;
  /** The mixture as scoring used it: each learner's weight from their earlier answers. */
  readonly mixed: ServedScore;
  /** The model's weight after each learner's last answer: median and the share of learners below one half. */
  readonly finalWeightMedian: number;
  readonly learnersFavouringKnowledge: number;
}

function score(p: Float64Array, y: Uint8Array): ServedScore {
  let sum = 0;
  for (const v of p) sum += v;
  return { auc: auc(p, y), logLoss: logLoss(p, y), meanPredicted: p.length > 0 ? sum / p.length : Number.NaN };
}

/** Null when no answer was scored by both predictors. */
export function servedSummary(learners: readonly PlatformLearner[], config: PredictorMixConfig): ServedSummary | null {
  const model: number[] = [];
  const knowledge: number[] = [];
  const mixed: number[] = [];
  const labels: number[] = [];
  const finals: number[] = [];
  for (const l of learners) {
    const scored = l.attempts.flatMap((a) => (a.predictions ? [{ ...a.predictions, correct: a.correct }] : []));
    if (scored.length === 0) continue;
    const run = mixSequence(scored, config);
    for (const a of scored) {
      model.push(a.model);
      knowledge.push(a.knowledge);
      labels.push(a.correct ? 1 : 0);
    }
    mixed.push(...run.mixed);
    finals.push(modelWeight(run.state, config));
  }
  if (labels.length === 0) return null;
  const y = Uint8Array.from(labels);
  return {
    answers: labels.length,
    learners: finals.length,
    observed: labels.reduce((a, b) => a + b, 0) / labels.length,
    model: score(Float64Array.from(model), y),
    knowledge: score(Float64Array.from(knowledge), y),
    mixed: score(Float64Array.from(mixed), y),
    finalWeightMedian: median(finals),
    learnersFavouringKnowledge: finals.filter((w) => w < 0.5).length / finals.length,
  };
}
