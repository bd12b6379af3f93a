/**
 * Unified scoring: one function ranks candidate items for `next(mode)` from explicit
 * terms, each returned so a client can show "why this item". The score is a weighted sum
 *
 *   score = Σ_term weight_term · value_term
 *
 *   band       1 − |p − centre| / halfWidth: desirable difficulty. In [0, 1] inside the
 *              target band (peak at its centre), negative and falling linearly outside it.
 *   urgency    review urgency of the item's skill, 1 − R (review.ts): forgotten skills first.
 *   readiness  prerequisites mastered (knowledge.ts `readiness`, 0..1).
 *   novelty    1 for an item the learner has never seen, else 0.
 *   exposure   −2^(−Δt / halfLife) for an item seen before (outside this session): a recent
 *              exposure costs up to a full point and fades by half every half-life.
 *   sibling    −Σ decay^j over the last `siblingWindow` served items j (0 = latest) that
 *              share the candidate's primary skill: interleave skills rather than block them.
 *   goal       (1 − mastery) for a skill among the learner's goals, else 0: unfinished goals first.
 *
 * Excluded outright (absent from the result): an item already served in this session (never
 * repeat), a candidate without a finite prediction, and in review mode a skill that is
 * neither due nor nearly forgotten. The prediction is any P(correct) source (knowledge
 * model, ONNX model); scoring only reads the number. Ties are broken by item id (code-unit
 * order), so equal inputs give equal rankings on every runtime.
 */
import { shuffled } from "./random";
import type { Random } from "./random";

export interface Candidate {
  readonly itemId: string;
  /** Primary skill of the item. */
  readonly skillId: string;
  /** Review urgency of the skill's memory in [0, 1] (review.ts `reviewUrgency`). */
  readonly urgency: number;
  /** The skill's memory is due (or due within the caller's look-ahead). */
  readonly due: boolean;
  /** Prerequisite readiness in [0, 1] (knowledge.ts `readiness`). */
  readonly readiness: number;
  /** Mastery probability of the primary skill in [0, 1]. */
  readonly mastery: number;
  /** Epoch ms the learner last saw this item, null if never. */
  readonly lastSeenAt: number | null;
}

export type ScoringMode = "practice" | "review";

export interface ScoringContext {
  readonly now: number;
  readonly mode: ScoringMode;
  /** Items served in the current session: never served again in it. */
  readonly sessionItemIds: ReadonlySet<string>;
  /** Primary skills of the most recently served items, most recent first. */
  readonly recentSkillIds: readonly string[];
  readonly goalSkillIds: ReadonlySet<string>;
}

export const SCORE_TERMS = ["band", "urgency", "readiness", "novelty", "exposure", "sibling", "goal"] as const;
export type ScoreTerm = (typeof SCORE_TERMS)[number];
export type ScoringWeights = Readonly<Record<ScoreTerm, number>>;
export type TermBreakdown = Record<ScoreTerm, number>;

export interface ScoringConfig {
  /** Target success probability band [low, high] (desirable difficulty). */
  readonly targetBand: readonly [number, number];
  readonly exposureHalfLifeMs: number;
  readonly siblingWindow: number;
  readonly siblingDecay: number;
  /** Review mode admits a skill that is due or has at least this urgency (R ≤ 0.92). */
  readonly reviewMinUrgency: number;
  readonly practice: ScoringWeights;
  readonly review: ScoringWeights;
}

/**
 * Defaults. Practice: the band dominates (one point between the band's centre and its edge,
 * another per half-width beyond), readiness and review urgency each worth one such step,
 * exposure up to one point, novelty a mild 0.3 preference for unseen items, siblings 0.5
 * for the previous item's skill so a strong candidate can still continue a skill.
 * Review: urgency ×4 so the most forgotten skill leads; the band (halved) picks the item
 * within it; readiness is moot for skills already learned.
 */
export const DEFAULT_SCORING_CONFIG: ScoringConfig = Object.freeze({
  // 0.65–0.85: hard enough to need effort, easy enough to keep success frequent
  // (the "85 % rule", Wilson et al. 2019, as the upper end).
  targetBand: [0.65, 0.85] as const,
  exposureHalfLifeMs: 2 * 86_400_000,
  siblingWindow: 3,
  siblingDecay: 0.5,
  reviewMinUrgency: 0.08,
  practice: Object.freeze({ band: 1, urgency: 1, readiness: 1, novelty: 0.3, exposure: 1, sibling: 0.5, goal: 0.5 }),
  review: Object.freeze({ band: 0.5, urgency: 4, readiness: 0, novelty: 0.3, exposure: 1, sibling: 0.5, goal: 0.25 }),
});

export interface ScoredCandidate {
  readonly candidate: Candidate;
  /** Index in the input arrays. */
  readonly index: number;
  readonly prediction: number;
  readonly score: number;
  /** Weighted contribution of each term; they sum to `score`. */
  readonly terms: TermBreakdown;
}

const TERM_COUNT = SCORE_TERMS.length;

/**
 * Ranks `candidates` best first. `predictions[i]` is P(correct) for `candidates[i]`.
 * Empty input → empty output. Throws only on a programming error (too few predictions).
 */
export function scoreCandidates(
  candidates: readonly Candidate[],
  predictions: Float64Array,
  context: ScoringContext,
  config: ScoringConfig = DEFAULT_SCORING_CONFIG,
): ScoredCandidate[] {
  return scoreTop(candidates, predictions, context, config, Number.POSITIVE_INFINITY).top;
}

export interface TopScored {
  /** The best `limit` candidates, best first: exactly the first `limit` of `scoreCandidates`. */
  readonly top: ScoredCandidate[];
  /** How many candidates were eligible (not excluded), i.e. the length of the full ranking. */
  readonly eligible: number;
}

/**
 * `scoreCandidates` cut to its best `limit` entries, without ordering the rest: a learner's
 * object keeps only the head of a ranking (and serves its first entry), while every candidate
 * must still be scored. All scores are computed; the `limit`-th best score is found with a
 * native numeric sort of the scores, only candidates at or above it are put in order with the
 * full comparator (ties at the threshold included, so the tie-break by item id decides as it
 * would in the full sort), and only the kept entries get their term breakdown as objects.
 */
export function scoreTop(
  candidates: readonly Candidate[],
  predictions: Float64Array,
  context: ScoringContext,
  config: ScoringConfig,
  limit: number,
): TopScored {
  const n = candidates.length;
  if (n === 0) return { top: [], eligible: 0 };
  if (predictions.length < n) throw new RangeError(`${predictions.length} predictions for ${n} candidates`);

  const w = context.mode === "review" ? config.review : config.practice;
  const [low, high] = config.targetBand;
  const centre = (low + high) / 2;
  const halfWidth = Math.max((high - low) / 2, 1e-6);
  const recent = context.recentSkillIds;
  const window = Math.min(config.siblingWindow, recent.length);
  const isReview = context.mode === "review";

  const terms = new Float64Array(n * TERM_COUNT);
  const scores = new Float64Array(n);
  const order: number[] = [];

  for (let i = 0; i < n; i++) {
    const c = candidates[i];
    const p = predictions[i] ?? Number.NaN;
    if (!c || !Number.isFinite(p) || context.sessionItemIds.has(c.itemId)) continue;
    if (isReview && !c.due && !(c.urgency >= config.reviewMinUrgency)) continue;

    let sibling = 0;
    let weight = 1;
    for (let j = 0; j < window; j++) {
      if (recent[j] === c.skillId) sibling += weight;
      weight *= config.siblingDecay;
    }
    const seen = c.lastSeenAt !== null;
    const age = seen ? Math.max(0, context.now - (c.lastSeenAt ?? 0)) : 0;

    const o = i * TERM_COUNT;
    terms[o] = w.band * (1 - Math.abs(p - centre) / halfWidth);
    terms[o + 1] = w.urgency * c.urgency;
    terms[o + 2] = w.readiness * c.readiness;
    terms[o + 3] = seen ? 0 : w.novelty;
    terms[o + 4] = seen ? -w.exposure * Math.pow(2, -age / config.exposureHalfLifeMs) : 0;
    terms[o + 5] = -w.sibling * sibling;
    terms[o + 6] = context.goalSkillIds.has(c.skillId) ? w.goal * (1 - c.mastery) : 0;

    let score = 0;
    for (let t = 0; t < TERM_COUNT; t++) score += terms[o + t] ?? 0;
    scores[i] = score;
    order.push(i);
  }

  const eligible = order.length;
  let kept = order;
  if (limit < eligible) {
    const sorted = new Float64Array(eligible);
    let finite = true;
    for (let r = 0; r < eligible; r++) {
      const v = scores[order[r] ?? 0] ?? 0;
      if (Number.isNaN(v)) finite = false;
      sorted[r] = v;
    }
    // NaN has no place in a numeric order: keep every candidate and let the full sort decide.
    if (finite) {
      sorted.sort(); // ascending, natively
      const threshold = sorted[eligible - Math.max(1, Math.floor(limit))] ?? Number.NEGATIVE_INFINITY;
      kept = order.filter((i) => (scores[i] ?? 0) >= threshold);
    }
  }
  kept.sort((a, b) => {
    const d = (scores[b] ?? 0) - (scores[a] ?? 0);
    if (d !== 0) return d;
    const ia = candidates[a]?.itemId ?? "";
    const ib = candidates[b]?.itemId ?? "";
    return ia < ib ? -1 : ia > ib ? 1 : a - b;
  });

  const length = Math.min(kept.length, limit);
  const out: ScoredCandidate[] = new Array<ScoredCandidate>(length);
  for (let r = 0; r < length; r++) {
    const i = kept[r] ?? 0;
    const o = i * TERM_COUNT;
    const candidate = candidates[i];
    if (!candidate) continue;
    out[r] = {
      candidate,
      index: i,
      prediction: predictions[i] ?? Number.NaN,
      score: scores[i] ?? 0,
      terms: {
        band: terms[o] ?? 0,
        urgency: terms[o + 1] ?? 0,
        readiness: terms[o + 2] ?? 0,
        novelty: terms[o + 3] ?? 0,
        exposure: terms[o + 4] ?? 0,
        sibling: terms[o + 5] ?? 0,
        goal: terms[o + 6] ?? 0,
      },
    };
  }
  return { top: out, eligible };
}

/**
 * Spreads exposure among near-equal candidates (issue 12: new learners all started from the
 * same shared ranking, so the same few items gathered every early response). Walks the ranking
 * best first and shuffles each run of entries whose score is within `tolerance` of the run's
 * first; order between runs is kept, so no clearly better item is passed over. Seeded per
 * learner (`rng`), so a learner's order is stable across requests and reproducible in tests.
 * Tolerance 0.1 is a tenth of one band step of the default weights: differences below it are
 * noise in the prediction, not a reason to prefer an item.
 */
export function spreadNearEqual<E>(ranking: readonly E[], score: (entry: E) => number, rng: Random, tolerance = 0.1): E[] {
  const out: E[] = [];
  let start = 0;
  while (start < ranking.length) {
    const head = ranking[start] as E;
    let end = start + 1;
    while (end < ranking.length && score(head) - score(ranking[end] as E) <= tolerance) end++;
    out.push(...(end - start > 1 ? shuffled(rng, ranking.slice(start, end)) : [head]));
    start = end;
  }
  return out;
}
