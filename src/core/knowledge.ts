/**
 * The knowledge model: a Gaussian belief N(μ, σ²) on each skill's ability θ, updated
 * online after every attempt under the 3PL item response model of `src/content/schema.ts`:
 *
 *   P(correct | θ) = c + (1 − c) · σ(a · (θ − b)),   σ(x) = 1 / (1 + e^−x)
 *
 * Update = one Kalman-style step (a Laplace approximation of the posterior, as in Glicko):
 *
 *   predict  σ² ← min(σ0², σ² + q_attempt + q_day · Δdays)      ability drifts: learning, forgetting
 *   score    ℓ'(θ) = ∂/∂θ log P(y | θ),   I(θ) = (∂P/∂θ)² / (P(1 − P))   (Fisher information)
 *   update   σ²' = 1 / (1/σ² + I(μ)),     μ' = μ + clamp(σ²' · ℓ'(μ), ±maxStep)
 *
 * The step shrinks as evidence accumulates (σ² falls) and grows again after a break (drift),
 * so it is an Elo rule whose K-factor is the posterior variance. Using the Fisher (expected)
 * information rather than the observed one keeps the update concave for the 3PL, where the
 * observed curvature of a correct answer can have the wrong sign near the guessing floor.
 *
 * Items with several skills use a compensatory combination (linear in θ, like
 * compensatory multidimensional IRT): θ_item = Σ w_k θ_k with w = primaryWeight for the
 * first (primary) skill and the rest shared equally by the secondary ones; weights sum to 1
 * so b keeps its meaning. The update treats θ_item as a linear observation of the joint
 * Gaussian and projects the scalar update back onto each skill (Kalman gain, diagonal kept):
 *
 *   s² = Σ w_k² σ_k²,  g_k = w_k σ_k² / s²,  μ_k += g_k Δ,  σ_k² −= g_k² (s² − s²')
 *
 * so a skill with more uncertainty absorbs more of the surprise.
 */
import type { ItemParams, SkillLookup, SkillState } from "./types";

export interface KnowledgeConfig {
  /** Population prior mean of θ: 0 = exactly able to do an average (b = 0) item half the time. */
  readonly priorMean: number;
  /** Population prior variance: σ0 = 1 puts 95 % of learners within ±2 logits of the mean. */
  readonly priorVariance: number;
  /** |θ| is clamped here; matches the schema's difficulty range so no item is off-scale. */
  readonly thetaBound: number;
  /** Variance floor, for numerical safety only (process noise keeps σ² well above it). */
  readonly minVariance: number;
  /** Largest change of θ from one response: one logit moves P on an average item from 0.5 to 0.73. */
  readonly maxStep: number;
  /**
   * Variance added before each attempt. With information ≈ 0.19 per item answered at the
   * target band, the steady state is σ² ≈ √(q/I) ≈ 0.15, so even a long-practised skill
   * still moves ≈ 0.1 logit on a surprise: learners keep learning.
   */
  readonly processNoisePerAttempt: number;
  /** Variance added per day without practice: a month away adds 0.3, about a third of the prior. */
  readonly processNoisePerDay: number;
  /**
   * Learning from practice, as a drift of the mean: after an attempt on a skill (feedback
   * follows every answer) its θ moves up by learningGain · h / (h + n), n the skill's attempts
   * before this one, h = `learningHalfAttempts` — a learning curve that gives most at the start.
   * 0 (the default): θ moves only through the evidence and the random walk above. Not on by
   * default because every correctness model's `km_*` features were trained without it (a change
   * means retraining them); `scripts/ml/learning-curve.ts` measures what it does
   * (reports/learning-curve.md): on ASSISTments 2009 it predicts better, and without it the
   * engine certifies mastery long after simulated learners reached it.
   */
  readonly learningGain: number;
  readonly learningHalfAttempts: number;
  /** Share of an item's combined ability carried by its primary skill (1 when it has one skill). */
  readonly primaryWeight: number;
  /** Correlation ρ between neighbouring skills' abilities, used for priors of unpractised skills. */
  readonly neighbourCorrelation: number;
  /** θ at which an average item (a = 1, b = 0, c = 0) is answered with P = 0.8: logit(0.8). */
  readonly masteryTheta: number;
  /** Mastered when P(θ > masteryTheta) reaches this. */
  readonly masteryConfidence: number;
  /** And at least this many attempts, so a lucky prior cannot declare mastery. */
  readonly masteryMinAttempts: number;
}

export const DEFAULT_KNOWLEDGE_CONFIG: KnowledgeConfig = Object.freeze({
  priorMean: 0,
  priorVariance: 1,
  thetaBound: 6,
  minVariance: 1e-3,
  maxStep: 1,
  processNoisePerAttempt: 0.005,
  processNoisePerDay: 0.01,
  learningGain: 0,
  learningHalfAttempts: 3,
  primaryWeight: 0.7,
  neighbourCorrelation: 0.5,
  masteryTheta: Math.log(0.8 / 0.2),
  masteryConfidence: 0.95,
  masteryMinAttempts: 5,
});

const DAY_MS = 86_400_000;
/** π/8, from the probit approximation of the logistic (MacKay 1992). */
const PI_OVER_8 = Math.PI / 8;

/** Logistic function, written so neither branch overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Standard normal CDF Φ(z), Abramowitz & Stegun 26.2.17 (absolute error < 7.5e-8), which is
 * far below the precision any mastery decision needs and avoids an erf dependency.
 */
export function normalCdf(z: number): number {
  if (!Number.isFinite(z)) return z > 0 ? 1 : z < 0 ? 0 : Number.NaN;
  const x = Math.abs(z);
  const t = 1 / (1 + 0.2316419 * x);
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = Math.exp(-0.5 * x * x) * 0.3989422804014327 * poly;
  return z >= 0 ? 1 - tail : tail;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** The population prior for a skill nobody has evidence on. */
export function newSkillState(skillId: string, config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG): SkillState {
  return { skillId, mean: config.priorMean, variance: config.priorVariance, attempts: 0, correct: 0, lastAttemptAt: null };
}

/**
 * Prior of an unpractised skill from its practised direct neighbours (prerequisites and
 * dependants). Model: (θ_skill, θ_neighbour) bivariate normal with equal marginal variance
 * σ0² and correlation ρ, so given the neighbour belief N(μn, σn²):
 *
 *   μ = m + ρ (μn − m),   σ² = (1 − ρ²) σ0² + ρ² σn²
 *
 * which always has more variance than the neighbour evidence (σn² ≤ σ0²). Several neighbours
 * are pooled first: μn is their precision-weighted mean and σn² the harmonic mean of their
 * variances (the typical neighbour's certainty, not a sum of them: neighbours are not
 * independent measurements of this skill). No practised neighbour → the population prior.
 */
export function priorFromNeighbours(
  skillId: string,
  neighbourStates: readonly SkillState[],
  config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG,
): SkillState {
  let precision = 0;
  let weighted = 0;
  let n = 0;
  for (const s of neighbourStates) {
    if (s.attempts <= 0) continue;
    const p = 1 / Math.max(s.variance, config.minVariance);
    precision += p;
    weighted += p * s.mean;
    n += 1;
  }
  if (n === 0) return newSkillState(skillId, config);
  const rho = config.neighbourCorrelation;
  const m = config.priorMean;
  const pooledMean = weighted / precision;
  const pooledVariance = n / precision;
  return {
    skillId,
    mean: m + rho * (pooledMean - m),
    variance: (1 - rho * rho) * config.priorVariance + rho * rho * pooledVariance,
    attempts: 0,
    correct: 0,
    lastAttemptAt: null,
  };
}

/** Neighbour lists as returned by `neighbourMap` in graph.ts. */
export type NeighbourIndex = ReadonlyMap<string, { readonly prerequisites: readonly string[]; readonly dependants: readonly string[] }>;

/**
 * A lookup that never returns undefined: the stored state when the skill was practised,
 * otherwise its neighbour-derived prior. Priors are memoised inside the returned function,
 * so build one per request (it is a snapshot: after `applyAttempt` build a new one).
 */
export function resolveSkills(
  lookup: SkillLookup,
  neighbours: NeighbourIndex,
  config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG,
): (skillId: string) => SkillState {
  const priors = new Map<string, SkillState>();
  return (skillId) => {
    const stored = lookup(skillId);
    if (stored && stored.attempts > 0) return stored;
    const cached = priors.get(skillId);
    if (cached) return cached;
    const near = neighbours.get(skillId);
    const states: SkillState[] = [];
    if (near) {
      for (const id of near.prerequisites) {
        const s = lookup(id);
        if (s) states.push(s);
      }
      for (const id of near.dependants) {
        const s = lookup(id);
        if (s) states.push(s);
      }
    }
    const prior = priorFromNeighbours(skillId, states, config);
    priors.set(skillId, prior);
    return prior;
  };
}

/** Weight of the k-th of `count` skills of an item (see the module comment). */
export function skillWeight(k: number, count: number, config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG): number {
  if (count <= 1) return 1;
  return k === 0 ? config.primaryWeight : (1 - config.primaryWeight) / (count - 1);
}

/**
 * P(correct) with the ability uncertainty integrated out (probit approximation):
 *
 *   E[σ(a(θ − b))] ≈ σ(a(μ − b) / √(1 + π a² s² / 8)),   θ ~ N(μ, s²)
 *
 * so an uncertain learner's predictions are pulled towards the middle instead of being
 * confidently extreme. `c` is added outside, as in the 3PL.
 */
export function probabilityCorrect(mean: number, variance: number, a: number, b: number, c: number): number {
  const z = (a * (mean - b)) / Math.sqrt(1 + PI_OVER_8 * a * a * variance);
  return c + (1 - c) * sigmoid(z);
}

/**
 * The learner's combined ability for an item, θ_item = Σ w_k θ_k, as a Gaussian (mean and
 * variance of the weighted sum, skills independent). Skills the lookup does not know use the
 * population prior. Global item statistics record it as the anchor the item's difficulty is
 * calibrated against (src/core/calibration.ts).
 */
export function itemAbility(
  item: Pick<ItemParams, "skillIds">,
  lookup: SkillLookup,
  config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG,
): { mean: number; variance: number } {
  const ids = item.skillIds;
  const count = ids.length;
  if (count === 0) return { mean: config.priorMean, variance: config.priorVariance };
  let mean = 0;
  let variance = 0;
  for (let k = 0; k < count; k++) {
    const id = ids[k];
    const s = id === undefined ? undefined : lookup(id);
    const w = skillWeight(k, count, config);
    mean += w * (s ? s.mean : config.priorMean);
    variance += w * w * (s ? s.variance : config.priorVariance);
  }
  return { mean, variance };
}

/**
 * P(correct) for a learner–item pair. Skills the lookup does not know use the population
 * prior; pass a `resolveSkills` lookup to use neighbour priors instead.
 */
export function predictCorrect(
  item: ItemParams,
  lookup: SkillLookup,
  config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG,
): number {
  const { mean, variance } = itemAbility(item, lookup, config);
  return probabilityCorrect(mean, variance, item.discrimination, item.difficulty, item.guessing);
}

/**
 * Fills `out[i]` with P(correct) of `items[i]`; allocation-free, for scoring hundreds of
 * candidates in one call. `out` must be at least `items.length` long.
 */
export function predictBatch(
  items: readonly ItemParams[],
  lookup: SkillLookup,
  config: KnowledgeConfig,
  out: Float64Array,
): Float64Array {
  if (out.length < items.length) throw new RangeError(`out has ${out.length} slots for ${items.length} items`);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item) out[i] = predictCorrect(item, lookup, config);
  }
  return out;
}

/**
 * Derivatives of the 3PL log-likelihood at θ, in forms that stay finite at P → 0 or 1
 * (with P = c + (1 − c)s, 1 − P = (1 − c)(1 − s)):
 *
 *   y = 1: ℓ' = (1 − c) a s (1 − s) / P          y = 0: ℓ' = −a s
 *   I = (1 − c) a² s² (1 − s) / P
 */
function scoreAndInformation(theta: number, item: ItemParams, correct: boolean): { score: number; information: number } {
  const a = item.discrimination;
  const c = item.guessing;
  const s = sigmoid(a * (theta - item.difficulty));
  const p = c + (1 - c) * s;
  const score = correct ? ((1 - c) * a * s * (1 - s)) / p : -a * s;
  const information = ((1 - c) * a * a * s * s * (1 - s)) / p;
  return { score, information };
}

/**
 * Ability variance before an attempt at `now`: the stored variance plus drift since the
 * last attempt, capped at the population prior (after a long break we know as little as
 * about a stranger, never less).
 */
export function driftedVariance(state: SkillState, now: number, config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG): number {
  const days = state.lastAttemptAt === null ? 0 : Math.max(0, now - state.lastAttemptAt) / DAY_MS;
  const grown = state.variance + config.processNoisePerAttempt + config.processNoisePerDay * days;
  return Math.max(state.variance, Math.min(config.priorVariance, grown));
}

/**
 * Updates the beliefs of all skills of `item` after one response (formula in the module
 * comment). Returns new states aligned with `item.skillIds`; inputs are not mutated.
 * Missing states start from the population prior; pass a `resolveSkills` lookup so a
 * first attempt starts from the neighbour prior. Skill ids of an item are assumed distinct.
 */
export function applyAttempt(
  item: ItemParams,
  lookup: SkillLookup,
  correct: boolean,
  now: number,
  config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG,
): SkillState[] {
  const count = item.skillIds.length;
  const before: SkillState[] = [];
  const variances = new Float64Array(count);
  let mean = 0;
  let s2 = 0;
  for (let k = 0; k < count; k++) {
    const id = item.skillIds[k] ?? "";
    const state = lookup(id) ?? newSkillState(id, config);
    const v = driftedVariance(state, now, config);
    const w = skillWeight(k, count, config);
    before.push(state);
    variances[k] = v;
    mean += w * state.mean;
    s2 += w * w * v;
  }
  if (count === 0) return [];
  const { score, information } = scoreAndInformation(mean, item, correct);
  const s2Post = 1 / (1 / s2 + information);
  const delta = clamp(s2Post * score, -config.maxStep, config.maxStep);
  const after: SkillState[] = [];
  for (let k = 0; k < count; k++) {
    const state = before[k];
    if (!state) continue;
    const v = variances[k] ?? config.priorVariance;
    const w = skillWeight(k, count, config);
    const gain = (w * v) / s2;
    const learnt = config.learningGain === 0 ? 0 : w * learningStep(config.learningGain, config.learningHalfAttempts, state.attempts);
    after.push({
      skillId: state.skillId,
      mean: clamp(state.mean + gain * delta + learnt, -config.thetaBound, config.thetaBound),
      variance: Math.max(config.minVariance, v - gain * gain * (s2 - s2Post)),
      attempts: state.attempts + 1,
      correct: state.correct + (correct ? 1 : 0),
      lastAttemptAt: state.lastAttemptAt === null ? now : Math.max(state.lastAttemptAt, now),
    });
  }
  return after;
}

/** The learning curve's step after an attempt with `attempts` before it on the skill: gain · h / (h + n) (`learningGain`). */
export function learningStep(gain: number, halfAttempts: number, attempts: number): number {
  return (gain * halfAttempts) / (halfAttempts + attempts);
}

/** P(θ > masteryTheta) under the belief: Φ((μ − θ_m) / σ). */
export function masteryProbability(state: SkillState, config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG): number {
  return normalCdf((state.mean - config.masteryTheta) / Math.sqrt(Math.max(state.variance, config.minVariance)));
}

/**
 * Mastery rule: P(θ > logit(0.8)) ≥ 0.95 (at least 95 % sure the learner answers an
 * average item correctly 80 % of the time) and at least `masteryMinAttempts` attempts.
 */
export function isMastered(state: SkillState | undefined, config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG): boolean {
  if (!state || state.attempts < config.masteryMinAttempts) return false;
  return masteryProbability(state, config) >= config.masteryConfidence;
}

/** The mastery rule in words, for responses that show it. */
export function describeMasteryRule(config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG): string {
  return `P(θ > ${config.masteryTheta.toFixed(2)}) ≥ ${config.masteryConfidence} and attempts ≥ ${config.masteryMinAttempts}`;
}

/** A skill is ready when every prerequisite is mastered (no prerequisites → ready). */
export function isReady(
  prerequisites: readonly string[],
  lookup: SkillLookup,
  config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG,
): boolean {
  for (const p of prerequisites) if (!isMastered(lookup(p), config)) return false;
  return true;
}

/**
 * Graded readiness in [0, 1] for scoring: the weakest prerequisite decides, counting a
 * mastered prerequisite as 1 and any other as its mastery probability (0 when unseen).
 */
export function readiness(
  prerequisites: readonly string[],
  lookup: SkillLookup,
  config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG,
): number {
  let r = 1;
  for (const p of prerequisites) {
    const s = lookup(p);
    const m = !s ? 0 : isMastered(s, config) ? 1 : masteryProbability(s, config);
    if (m < r) r = m;
  }
  return r;
}

export interface ItemUpdateConfig {
  /** Initial K-factor of the item's difficulty (logits per unit of surprise). */
  readonly alpha: number;
  /** How fast K decays with the item's response count: K = α / (1 + β n). */
  readonly beta: number;
  /** |b| stays within the schema's range. */
  readonly bound: number;
}

/** α, β from Pelánek (2016), "Applications of the Elo rating system in adaptive educational systems". */
export const DEFAULT_ITEM_UPDATE_CONFIG: ItemUpdateConfig = Object.freeze({ alpha: 0.8, beta: 0.05, bound: 6 });

/**
 * Elo update of an item's difficulty from one response, for global item statistics:
 *
 *   b' = b − K(n) (y − P(θ)),   K(n) = α / (1 + β n)
 *
 * A correct answer from a learner expected to fail makes the item look easier. `n` is the
 * number of responses already absorbed, so new items move fast and settled ones barely.
 * `theta` is the learner's combined ability for the item (their posterior mean).
 */
export function updateItemDifficulty(
  item: Pick<ItemParams, "difficulty" | "discrimination" | "guessing">,
  theta: number,
  correct: boolean,
  responses: number,
  config: ItemUpdateConfig = DEFAULT_ITEM_UPDATE_CONFIG,
): number {
  const p = item.guessing + (1 - item.guessing) * sigmoid(item.discrimination * (theta - item.difficulty));
  const k = config.alpha / (1 + config.beta * Math.max(0, responses));
  return clamp(item.difficulty - k * ((correct ? 1 : 0) - p), -config.bound, config.bound);
}
