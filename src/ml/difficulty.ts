/**
 * Item difficulties for the knowledge model, learnt from TRAINING students only: the
 * features of the correctness model (src/ml/pipeline.ts) and the engine rows of the
 * prediction study (src/eval/predict.ts) both use this fit.
 *
 * Item difficulty b is fitted so that the knowledge model, replayed online exactly as in
 * production, is calibrated item by item: replay every training student with the current
 * b's, collect for each item the model's pre-attempt belief N(μ, s²) of the student at the
 * moment they answered it, then take one Newton step on the item's penalised likelihood
 *
 *   P = σ(k (μ − b)),  k = a / √(1 + π a² s² / 8)     (the model's own predictive probability)
 *   ∂ℓ/∂b = −Σ k (y − P) − (b − b₀)/τ²,   −∂²ℓ/∂b² ≈ Σ k² P (1 − P) + 1/τ²
 *
 * taken with k = 1 (the observer sees P, not s²; k lies in 0.7–1 for the variances the
 * model reaches, so this only perturbs the step and slightly reweights answers given under
 * high uncertainty, not the "predicted = observed per item" target),
 *
 * and repeat (a few passes converge: each pass is one joint "abilities given items, items
 * given abilities" sweep, like alternating JML, but with the abilities being the model's
 * online estimates, so b also absorbs the model's systematic lag). The prior N(b₀, τ² = 1)
 * centres an item on its primary skill's mean difficulty: an item answered a handful of
 * times stays near its skill, one answered hundreds of times follows its data. Items never
 * seen in training get b₀ of their primary skill (or the overall mean). a = 1 and c = 0:
 * there is not enough data per ASSISTments problem (median ≈ 8 answers) to fit more.
 *
 * Cost: one replay per pass; 3 passes over ~220k training interactions take a few seconds.
 */
import type { KnowledgeConfig } from "../core/knowledge";
import type { Interaction, StudentSequence } from "./dataset";
import { replaySequence } from "./replay";
import type { ItemMapper } from "./replay";

/** The model's skills for an interaction (first = primary). */
export type SkillMapping = (interaction: Interaction) => readonly string[];

export interface NamedMapping {
  readonly name: string;
  readonly description: string;
  readonly skills: SkillMapping;
}

const B_BOUND = 6;

function logit(p: number): number {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q));
}

export interface FittedItems {
  readonly difficulty: ReadonlyMap<string, number>;
  /** b₀ per primary skill: response-weighted mean difficulty of its items. */
  readonly skillCentre: ReadonlyMap<string, number>;
  readonly globalCentre: number;
}

/** Item params for the knowledge model from fitted difficulties. */
export function itemMapper(fitted: FittedItems, mapping: SkillMapping): ItemMapper {
  return (x) => {
    const skillIds = mapping(x);
    const b = fitted.difficulty.get(x.itemId) ?? fitted.skillCentre.get(skillIds[0] ?? "") ?? fitted.globalCentre;
    return { id: x.itemId, skillIds, difficulty: b, discrimination: 1, guessing: 0 };
  };
}

function centres(
  difficulty: ReadonlyMap<string, number>,
  counts: ReadonlyMap<string, number>,
  primaryOf: ReadonlyMap<string, string>,
): { skillCentre: Map<string, number>; globalCentre: number } {
  const sum = new Map<string, number>();
  const n = new Map<string, number>();
  let gs = 0;
  let gn = 0;
  for (const [item, b] of difficulty) {
    const w = counts.get(item) ?? 0;
    const s = primaryOf.get(item) ?? "";
    sum.set(s, (sum.get(s) ?? 0) + w * b);
    n.set(s, (n.get(s) ?? 0) + w);
    gs += w * b;
    gn += w;
  }
  const skillCentre = new Map<string, number>();
  for (const [s, total] of sum) skillCentre.set(s, total / Math.max(1e-9, n.get(s) ?? 0));
  return { skillCentre, globalCentre: gn > 0 ? gs / gn : 0 };
}

export interface FitOptions {
  readonly passes: number;
  /** Prior variance τ² of an item's b around its skill centre. */
  readonly priorVariance: number;
}

export const DEFAULT_FIT: FitOptions = { passes: 3, priorVariance: 1 };

/** Fits item difficulties on `train` (see the module comment). */
export function fitItemDifficulties(
  train: readonly StudentSequence[],
  mapping: SkillMapping,
  config: KnowledgeConfig,
  options: FitOptions = DEFAULT_FIT,
): FittedItems {
  const counts = new Map<string, number>();
  const correct = new Map<string, number>();
  const primaryOf = new Map<string, string>();
  let total = 0;
  let totalCorrect = 0;
  for (const s of train) {
    for (const x of s.interactions) {
      counts.set(x.itemId, (counts.get(x.itemId) ?? 0) + 1);
      if (x.correct) correct.set(x.itemId, (correct.get(x.itemId) ?? 0) + 1);
      if (!primaryOf.has(x.itemId)) primaryOf.set(x.itemId, mapping(x)[0] ?? "");
      total++;
      if (x.correct) totalCorrect++;
    }
  }
  // Start: b = −logit(success rate), shrunk to the overall rate with two pseudo-answers.
  const rate0 = total > 0 ? totalCorrect / total : 0.5;
  const difficulty = new Map<string, number>();
  for (const [item, n] of counts) difficulty.set(item, -logit(((correct.get(item) ?? 0) + 2 * rate0) / (n + 2)));
  let c = centres(difficulty, counts, primaryOf);

  const grad = new Map<string, number>();
  const hess = new Map<string, number>();
  for (let pass = 0; pass < options.passes; pass++) {
    grad.clear();
    hess.clear();
    const fitted: FittedItems = { difficulty, skillCentre: c.skillCentre, globalCentre: c.globalCentre };
    const toItem = itemMapper(fitted, mapping);
    for (const s of train) {
      replaySequence(s.interactions, toItem, config, (_i, p, _item, x) => {
        const y = x.correct ? 1 : 0;
        grad.set(x.itemId, (grad.get(x.itemId) ?? 0) + (y - p));
        hess.set(x.itemId, (hess.get(x.itemId) ?? 0) + p * (1 - p));
      });
    }
    for (const [item, b] of difficulty) {
      const b0 = c.skillCentre.get(primaryOf.get(item) ?? "") ?? c.globalCentre;
      const g = -(grad.get(item) ?? 0) - (b - b0) / options.priorVariance;
      const h = (hess.get(item) ?? 0) + 1 / options.priorVariance;
      difficulty.set(item, Math.max(-B_BOUND, Math.min(B_BOUND, b + g / h)));
    }
    c = centres(difficulty, counts, primaryOf);
  }
  return { difficulty, skillCentre: c.skillCentre, globalCentre: c.globalCentre };
}
