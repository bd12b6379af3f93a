/**
 * The feature vector of a learner–item pair for the correctness model (src/ml). ONE module
 * for training (scripts/train.ts replays public datasets through it), evaluation
 * (src/eval/predict.ts) and serving (the learner Durable Object): the three cannot drift.
 *
 * Inputs are what the Durable Object already holds — the knowledge model's skill beliefs
 * (`LearnerView.skill`, with neighbour priors through `resolveSkills` exactly as `rankItems`
 * predicts), the item's IRT parameters — plus a small `LearnerHistory` of counts the object
 * updates on every attempt (JSON-serialisable, rebuildable from its attempts table).
 *
 * Features (FEATURE_NAMES, in order) and why each is there:
 *   0 km_logit       logit of the knowledge model's P(correct): the model's own best summary;
 *                    the learned model corrects it, it does not replace it.
 *   1 km_sd          √(Σ w_k² σ_k²), the ability uncertainty behind it: lets the model trust
 *                    the knowledge logit less for a learner it barely knows.
 *   2 item_b         item difficulty b (on the platform: the calibrated bank value; in
 *                    training: fitted on training students only). The knowledge logit holds
 *                    μ − b with weight 1; a separate weight lets difficulty count differently.
 *   3 skill_success  log(1 + correct attempts) on the item's skills (weighted by skillWeight),
 *   4 skill_failure  log(1 + wrong attempts): the PFA counts (Pavlik et al. 2009); successes
 *                    and failures teach at different rates, which one μ cannot express.
 *   5 skill_recent   exponentially weighted accuracy on the primary skill (λ = 0.3), centred
 *                    on 0.5, 0 when unseen: what the learner did lately on this skill.
 *   6 skill_last     last outcome on the primary skill (+1 right, −1 wrong, 0 unseen).
 *   7 skill_gap      log(1 + answers since the primary skill was last practised): interleaving
 *                    and forgetting in attempt time (the public data has no clock; see below).
 *   8 total_log      log(1 + all attempts): how far into their history the learner is.
 *   9 total_rate     logit of the learner's overall accuracy, smoothed ((k + 1)/(n + 2)):
 *                    general ability across skills, which per-skill beliefs start without.
 *  10 recent_rate    accuracy over the last RECENT_WINDOW answers, centred on 0.5 (0 when none):
 *                    momentum, fatigue, a run of hard material.
 *  11 last_correct   last outcome overall (+1 / −1 / 0).
 *  12 item_seen      log(1 + earlier attempts on this very item): a repeat is easier.
 *  13 item_last      last outcome on this item (+1 / −1 / 0): the strongest single signal
 *                    on a repeat.
 *  14 item_skills    number of skills of the item minus one: multi-skill items are harder.
 *  15 skill_streak   signed log run length on the primary skill (+ right, − wrong): mastery
 *                    loops ("three right in a row") and stuck learners show up as runs.
 *  16 total_streak   the same over all answers.
 *  17 skill_rate     logit of the smoothed accuracy on the item's skills ((k + 1)/(n + 2),
 *                    skill-weighted counts): the ratio the two PFA counts only imply.
 *
 * Deliberately left out, with the reason:
 *   - wall-clock gaps, FSRS retrievability and response times: neither training dataset has
 *     timestamps or response times (the replay's clock is one minute per answer), so a model
 *     fitted on them would learn nothing true about these inputs. Retrievability already
 *     drives the scorer's review term; skill_gap measures recency in answers instead. Add
 *     them once `npm run train -- --from-postgres` has enough of the platform's own history.
 *   - discrimination a and guessing c: 1 and 0 in all training data (nothing to learn from);
 *     they still act through km_logit.
 *   - item and skill identities (one-hot): they do not transfer to another item bank.
 *
 * Pure: no I/O, no clock; the batch function writes into a caller-owned Float32Array.
 */
import { predictCorrect, resolveSkills, skillWeight } from "./knowledge";
import type { KnowledgeConfig, NeighbourIndex } from "./knowledge";
import type { ItemParams, SkillLookup, SkillState } from "./types";

export const FEATURE_NAMES = [
  "km_logit",
  "km_sd",
  "item_b",
  "skill_success",
  "skill_failure",
  "skill_recent",
  "skill_last",
  "skill_gap",
  "total_log",
  "total_rate",
  "recent_rate",
  "last_correct",
  "item_seen",
  "item_last",
  "item_skills",
  "skill_streak",
  "total_streak",
  "skill_rate",
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;
/**
 * Version of the feature vector. A model records the version it was trained on; the predictor
 * refuses a model whose version differs (falls back to the knowledge model) instead of
 * silently scoring misaligned columns.
 */
export const FEATURE_VERSION = "features/1";
/** Answers in the recent-accuracy window. */
export const RECENT_WINDOW = 10;
/** Weight of the newest answer in the per-skill exponentially weighted accuracy. */
export const SKILL_EWMA = 0.3;
/** |km_logit| cap: beyond ±8 (P < 0.0003) the difference carries no usable information. */
const LOGIT_CAP = 8;

/** The learner-level features, computed once per batch. */
export type LearnerPart = readonly [number, number, number, number, number];

export interface SkillHistory {
  /** Exponentially weighted accuracy (λ = SKILL_EWMA), starting from the first outcome. */
  ewma: number;
  last: boolean;
  /** Signed current run on the skill: +k after k right answers in a row, −k after k wrong. */
  streak: number;
  /** `LearnerHistory.attempts` when the skill was last practised (answers since = difference). */
  lastIndex: number;
}

export interface ItemHistory {
  attempts: number;
  correct: number;
  last: boolean;
}

/**
 * The learner-level counts the features need beyond the skill beliefs. Plain data (JSON
 * round-trips it) so the Durable Object can keep it in a meta row, and rebuild it from its
 * attempts table with `recordOutcome` in answer order if the row is missing.
 */
export interface LearnerHistory {
  attempts: number;
  correct: number;
  /** Signed current run over all answers (as SkillHistory.streak). */
  streak: number;
  /** Last RECENT_WINDOW outcomes, oldest first (1 right, 0 wrong). */
  recent: number[];
  skills: Record<string, SkillHistory>;
  items: Record<string, ItemHistory>;
}

export function emptyHistory(): LearnerHistory {
  return { attempts: 0, correct: 0, streak: 0, recent: [], skills: {}, items: {} };
}

/**
 * Adds one graded answer to `history` (mutates it; call after the features of that answer
 * were computed, which is what keeps them causal). Every skill of the item is updated.
 */
export function recordOutcome(history: LearnerHistory, item: Pick<ItemParams, "id" | "skillIds">, correct: boolean): void {
  const y = correct ? 1 : 0;
  for (const id of item.skillIds) {
    const s = history.skills[id];
    if (s) {
      s.ewma += SKILL_EWMA * (y - s.ewma);
      s.last = correct;
      s.streak = nextStreak(s.streak, correct);
      s.lastIndex = history.attempts;
    } else {
      history.skills[id] = { ewma: y, last: correct, streak: correct ? 1 : -1, lastIndex: history.attempts };
    }
  }
  const it = history.items[item.id];
  if (it) {
    it.attempts += 1;
    it.correct += y;
    it.last = correct;
  } else {
    history.items[item.id] = { attempts: 1, correct: y, last: correct };
  }
  history.attempts += 1;
  history.correct += y;
  history.streak = nextStreak(history.streak, correct);
  history.recent.push(y);
  if (history.recent.length > RECENT_WINDOW) history.recent.shift();
}

/**
 * The part of `history` that `recordOutcome(…, item, …)` reads and writes, copied: the
 * learner-level counts, the item's skills and the item. Record into the slice, persist it,
 * then `mergeHistorySlice` it back — so a failed write leaves the live history untouched and
 * only the touched entries are written.
 */
export function historySlice(history: LearnerHistory, item: Pick<ItemParams, "id" | "skillIds">): LearnerHistory {
  const skills: Record<string, SkillHistory> = {};
  for (const id of item.skillIds) {
    const s = history.skills[id];
    if (s) skills[id] = { ...s };
  }
  const it = history.items[item.id];
  return {
    attempts: history.attempts,
    correct: history.correct,
    streak: history.streak,
    recent: [...history.recent],
    skills,
    items: it ? { [item.id]: { ...it } } : {},
  };
}

/** Writes a slice's entries and counts back into `history` (mutates it). */
export function mergeHistorySlice(history: LearnerHistory, slice: LearnerHistory): void {
  history.attempts = slice.attempts;
  history.correct = slice.correct;
  history.streak = slice.streak;
  history.recent = slice.recent;
  Object.assign(history.skills, slice.skills);
  Object.assign(history.items, slice.items);
}

function nextStreak(streak: number, correct: boolean): number {
  if (correct) return streak > 0 ? streak + 1 : 1;
  return streak < 0 ? streak - 1 : -1;
}

/** Signed log-compressed run length: a 10th right answer in a row says little more than the 5th. */
function streakFeature(streak: number): number {
  return Math.sign(streak) * Math.log1p(Math.abs(streak));
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  return Math.max(-LOGIT_CAP, Math.min(LOGIT_CAP, Math.log(q / (1 - q))));
}

const sign = (b: boolean | undefined): number => (b === undefined ? 0 : b ? 1 : -1);

/** Learner-level features (8–11, 16), the same for every candidate: computed once per batch. */
function learnerFeatures(h: LearnerHistory): LearnerPart {
  let recentSum = 0;
  for (const v of h.recent) recentSum += v;
  return [
    Math.log1p(h.attempts),
    logit((h.correct + 1) / (h.attempts + 2)),
    h.recent.length > 0 ? recentSum / h.recent.length - 0.5 : 0,
    h.recent.length > 0 ? ((h.recent[h.recent.length - 1] ?? 0) > 0 ? 1 : -1) : 0,
    streakFeature(h.streak),
  ];
}

/**
 * Writes the features of `item` into `out[offset … offset + FEATURE_COUNT)`. `lookup` must
 * never return undefined for a skill the knowledge model would give a prior to: pass a
 * `resolveSkills` lookup (as `buildFeatures` does), so km_logit equals what `rankItems`
 * predicts.
 */
export function writeFeatureRow(
  item: ItemParams,
  lookup: (skillId: string) => SkillState,
  history: LearnerHistory,
  learner: LearnerPart,
  config: KnowledgeConfig,
  out: Float32Array,
  offset: number,
): void {
  const ids = item.skillIds;
  const count = ids.length;
  let variance = count === 0 ? config.priorVariance : 0;
  let success = 0;
  let failure = 0;
  let attempts = 0;
  let correct = 0;
  for (let k = 0; k < count; k++) {
    const s = lookup(ids[k] ?? "");
    const w = skillWeight(k, count, config);
    variance += w * w * s.variance;
    success += w * Math.log1p(s.correct);
    failure += w * Math.log1p(Math.max(0, s.attempts - s.correct));
    attempts += w * s.attempts;
    correct += w * s.correct;
  }
  const primary = count > 0 ? history.skills[ids[0] ?? ""] : undefined;
  const seen = history.items[item.id];
  out[offset] = logit(predictCorrect(item, lookup, config));
  out[offset + 1] = Math.sqrt(variance);
  out[offset + 2] = item.difficulty;
  out[offset + 3] = success;
  out[offset + 4] = failure;
  out[offset + 5] = primary ? primary.ewma - 0.5 : 0;
  out[offset + 6] = sign(primary?.last);
  out[offset + 7] = Math.log1p(primary ? history.attempts - primary.lastIndex : history.attempts);
  out[offset + 8] = learner[0];
  out[offset + 9] = learner[1];
  out[offset + 10] = learner[2];
  out[offset + 11] = learner[3];
  out[offset + 12] = Math.log1p(seen ? seen.attempts : 0);
  out[offset + 13] = sign(seen?.last);
  out[offset + 14] = Math.max(0, count - 1);
  out[offset + 15] = streakFeature(primary ? primary.streak : 0);
  out[offset + 16] = learner[4];
  out[offset + 17] = logit((correct + 1) / (attempts + 2));
}

/**
 * Features of every candidate, row-major: row i (item i) occupies
 * `out[i·FEATURE_COUNT … (i + 1)·FEATURE_COUNT)`. Allocation-light (one lookup closure per
 * call); `out` must hold at least items.length × FEATURE_COUNT values. Returns `out`.
 *
 * @example
 *   const rows = new Float32Array(items.length * FEATURE_COUNT);
 *   buildFeatures(state.skill, curriculum.neighbours, history, items, rows, DEFAULT_ENGINE_CONFIG.knowledge);
 *   const p = await predictor.predict(rows, items.length);
 */
export function buildFeatures(
  skill: SkillLookup,
  neighbours: NeighbourIndex,
  history: LearnerHistory,
  items: readonly ItemParams[],
  out: Float32Array,
  config: KnowledgeConfig,
): Float32Array {
  if (out.length < items.length * FEATURE_COUNT) throw new RangeError(`out has ${out.length} slots for ${items.length} × ${FEATURE_COUNT} features`);
  const lookup = resolveSkills(skill, neighbours, config);
  const learner = learnerFeatures(history);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item) writeFeatureRow(item, lookup, history, learner, config, out, i * FEATURE_COUNT);
  }
  return out;
}

/** Learner-level part of a row, exported for callers that write rows one at a time (the replay). */
export function learnerPart(history: LearnerHistory): LearnerPart {
  return learnerFeatures(history);
}
