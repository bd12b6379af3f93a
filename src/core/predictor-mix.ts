/**
 * Per-learner mixing of two P(correct) predictors — the correctness model and the knowledge
 * model — by how well each has predicted THIS learner's answers (Bayesian model averaging
 * with forgetting; Vovk's aggregating algorithm for log loss, η = 1):
 *
 *   P = w · P_model + (1 − w) · P_knowledge,   w = σ(logit π + L_knowledge − L_model)
 *
 * where L_x is the learner's discounted log loss of predictor x on the items they answered,
 * L ← γ L + (−log P_x(y)), and π the prior weight of the model. Without discounting (γ = 1) w is
 * exactly the posterior probability that the model is the better description of this learner's
 * answers, and the mixture's total log loss is never more than log(1/π) (or log(1/(1 − π)))
 * above the better predictor's, whatever the learner does. γ < 1 lets the weight follow a
 * learner for whom the better predictor changes (a model trained on one population can fit a
 * learner early on and drift away later); at γ = 0.98 an answer's loss counts for half after
 * about 34 further answers.
 *
 * Why: the correctness model is trained on other learners (a public dataset, then the
 * platform's own); the knowledge model is this learner's own item-response model. Where the
 * model transfers badly to a learner, "in the target band" by its prediction is off target in
 * truth, and choosing items by it costs practice (reports/eval.md: under the PFA learner family
 * the shipped model made the engine need 15 % more attempts per skill mastered than the same
 * engine on the knowledge model alone). Mixing by the learner's own answers keeps what the
 * model adds where it predicts well and falls back where it does not.
 *
 * Pure: state in, state out; the Durable Object keeps the state with the learner's and the
 * evaluation's simulated engine uses the same functions.
 */

export interface PredictorMixConfig {
  /** Prior weight of the correctness model, π in (0, 1). */
  readonly modelPrior: number;
  /** Discount γ in (0, 1] of past losses per answer. */
  readonly discount: number;
  /** Predictions are clamped to [floor, 1 − floor] in the loss (a confident miss costs at most −log floor). */
  readonly floor: number;
}

/**
 * π = 0.9: the model predicts most real learners better (reports/eval.md: on ASSISTments 2009
 * and Statics 2011 the mixture at π = 0.9 scores at least as the model alone does, v3 on
 * ASSISTments 2009 +0.0009 AUC, where an even prior cost up to 0.004 while the weights settle);
 * γ = 0.98. Both chosen from a grid (π 0.5 … 0.95, γ 0.95 … 1) on folds 1–2 of both datasets.
 */
export const DEFAULT_PREDICTOR_MIX: PredictorMixConfig = Object.freeze({
  modelPrior: 0.9,
  discount: 0.98,
  floor: 0.01,
});

/** A learner's discounted log losses (nats) of the two predictors, and how many answers scored them. */
export interface PredictorMixState {
  readonly lossModel: number;
  readonly lossKnowledge: number;
  readonly answers: number;
}

export const EMPTY_PREDICTOR_MIX: PredictorMixState = Object.freeze({ lossModel: 0, lossKnowledge: 0, answers: 0 });

/** The model's weight w in [0, 1] for this learner. */
export function modelWeight(state: PredictorMixState, config: PredictorMixConfig = DEFAULT_PREDICTOR_MIX): number {
  const prior = Math.log(config.modelPrior / (1 - config.modelPrior));
  const z = prior + state.lossKnowledge - state.lossModel;
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function logLoss(p: number, correct: boolean, floor: number): number {
  const q = Math.min(1 - floor, Math.max(floor, p));
  return -Math.log(correct ? q : 1 - q);
}

/**
 * The state after an answer, given what each predictor said of the item BEFORE it was answered.
 * A prediction that is not a finite probability (a predictor that was unavailable) leaves the
 * state as it was: only answers both predictors scored compare them.
 */
export function observeAnswer(
  state: PredictorMixState,
  pModel: number,
  pKnowledge: number,
  correct: boolean,
  config: PredictorMixConfig = DEFAULT_PREDICTOR_MIX,
): PredictorMixState {
  if (!(pModel >= 0 && pModel <= 1 && pKnowledge >= 0 && pKnowledge <= 1)) return state;
  const g = config.discount;
  return {
    lossModel: g * state.lossModel + logLoss(pModel, correct, config.floor),
    lossKnowledge: g * state.lossKnowledge + logLoss(pKnowledge, correct, config.floor),
    answers: state.answers + 1,
  };
}

/**
 * One learner's answers in order, as the learner object lives them: the mixture each answer
 * was predicted with (the weight from the answers before it only), and the state after the last.
 */
export function mixSequence(
  answers: Iterable<{ readonly model: number; readonly knowledge: number; readonly correct: boolean }>,
  config: PredictorMixConfig = DEFAULT_PREDICTOR_MIX,
): { mixed: number[]; state: PredictorMixState } {
  const mixed: number[] = [];
  let state = EMPTY_PREDICTOR_MIX;
  for (const a of answers) {
    const w = modelWeight(state, config);
    mixed.push(w * a.model + (1 - w) * a.knowledge);
    state = observeAnswer(state, a.model, a.knowledge, a.correct, config);
  }
  return { mixed, state };
}

/**
 * Fills `out` with the mixture for each candidate. A candidate the model could not score (NaN)
 * keeps the knowledge model's prediction, and the other way round.
 */
export function mixPredictions(model: Float64Array, knowledge: Float64Array, weight: number, out: Float64Array = new Float64Array(model.length)): Float64Array {
  for (let i = 0; i < model.length; i++) {
    const m = model[i] as number;
    const k = knowledge[i] as number;
    out[i] = Number.isFinite(m) ? (Number.isFinite(k) ? weight * m + (1 - weight) * k : m) : k;
  }
  return out;
}
