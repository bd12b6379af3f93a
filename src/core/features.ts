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
 * features/2 appends four columns (0–17 keep their meaning, so a features/1 row is the first
 * 18 columns of a features/2 row). They measure how the learner did against the difficulty of
 * what they answered: the residual r = y − σ(−b) of an answer (outcome minus the success
 * chance of an average learner on that item, b as known when the answer was recorded).
 * Accuracy alone (total_rate, recent_rate) cannot tell "80 % right on easy items" from
 * "80 % right on hard ones"; the knowledge model's μ can, but moves slowly and per skill.
 *  18 resid_long     exponentially weighted residual over all answers, λ = 0.1 (≈ last 10):
 *                    recent ability net of item difficulty.
 *  19 resid_short    the same with λ = 0.3 (≈ last 3): a run of answers above or below par.
 *  20 skill_resid    the same on the primary skill, λ = 0.3 (0 when unseen).
 *  21 recent_b       exponentially weighted difficulty b of the learner's recent items
 *                    (λ = 0.3; 0 before the first answer): what the residuals were earned on.
 *   Each EWMA starts at 0 and moves e ← e + λ (x − e) per answer (recent_b starts at the first
 *   b), so every one is O(1) per attempt and a plain number in LearnerHistory. b is the
 *   item's difficulty when the answer is recorded: a history rebuilt from the attempts table
 *   (workers/learner/hydrate.ts) uses the bank's current b, so after a recalibration its
 *   residuals can differ slightly from the live history's.
 *   Measured on the prediction study's folds: reports/eval.md, recipe correctness-v2 beside v1.
 *
 * features/3 appends three columns read through ITEM LINKS, a table learnt from other
 * learners (./item-links.ts): w(i → j), how much a residual on item i predicts the
 * residual on item j when i came within the last LINK_WINDOW answers before j. The skill tags
 * of the public data are coarse (Statics 2011 has none, ASSISTments' skills hold hundreds of
 * problems), and which items inform which is exactly what they miss. The learner side is the
 * last LINK_WINDOW answers (item id and residual), `LearnerHistory.lastAnswers`.
 *  22 link_sum       Σ over the window's answers i ≠ j with a link of w(i → j) · r_i: the
 *                    residual on j that the learner's recent answers predict.
 *  23 link_mean      the same divided by the number of such answers (0 when none).
 *  24 link_count     log(1 + that number): how much of the window the table knows about.
 *   With no table (NO_LINKS, as on a bank no students have answered yet) all three are 0, as
 *   they are for an item no training student answered. A batch (`buildFeatures`) sums the
 *   window's outgoing links once for all candidates instead of looking up every pair.
 *   Measured on the prediction study's folds (reports/eval.md, recipe correctness-v3 beside
 *   v2): AUC 0.7951 ± 0.0049 against 0.7822 on ASSISTments 2009 and 0.8351 ± 0.0060 against
 *   0.8280 on Statics 2011, higher on every fold of both. On the platform the links are its
 *   own, learnt from its learners' attempts by the calibration job (./item-links.ts, published
 *   with the calibration version); learner objects build and log features/3 rows with them, so
 *   training on its own history (`npm run train -- --from-postgres`) sees the columns as they
 *   are served. Fed no links at all (a bank before the job's first links) correctness-v3
 *   scores below correctness-v2 (reports/eval.md, its "no links" row), so objects switch to it
 *   only once the published links rest on enough answers (src/ml/model-choice.ts). Trained with a third of its students' rows written without links, it matched
 *   v2 there (Statics folds 1–2: 0.8313 / 0.8310 against 0.8311 / 0.8310) at a cost of up to
 *   0.002 with links — a way to ship one model for banks with and without links.
 *
 * Tried on the same folds and left out because they did not move held-out AUC beyond fold
 * noise (scripts/ml/screen-features.ts, MLP as correctness-v1, reports/feature-screening.md):
 *   - Best-LR+-style success/failure counts decayed per answer at λ = 0.5, 0.8, 0.95, over all
 *     answers or on the primary skill (windows of ≈ 2, 5 and 20 answers);
 *   - the item's own earlier right and wrong counts (item_seen and item_last already carry it);
 *   - an online Elo/Kalman ability over all answers (slow and fast drift) and a fast per-skill
 *     one, as θ − b;
 *   - residuals against the knowledge model's own prediction instead of σ(−b);
 *   - residuals with λ = 0.6 and 1 (the last answer's);
 *   - practice blocks (answers in a row on the primary skill, visits to it, accuracy in the
 *     current block), a long-memory and a mean residual per skill, b's change from the last item.
 *
 * Found and not yet used: learning rates per skill (src/ml/skill-rates.ts). PFA coefficients
 * per skill (an intercept, log(1 + successes) and log(1 + failures) on the skill, and the
 * learner's log(1 + answers)), fitted on students other than the rows' own as item difficulties
 * are, written as the item's coefficients and its learning term: ASSISTments 2009 0.7879 ±
 * 0.0047 against features/2's 0.7822 (higher on every fold, by 0.005–0.007), the largest gain
 * of any group screened on either dataset; Statics 2011 (no skill ids; blocks of 10 item ids as
 * keys) 0.8288 against 0.8280. Not in the layout because it needs per-skill coefficients for
 * the platform's OWN skills, which only its own attempts can fit (`npm run train --
 * --from-postgres`, published with the model), and a model trained to read a skill missing from
 * that table as unknown rather than as "no learning".
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
  "resid_long",
  "resid_short",
  "skill_resid",
  "recent_b",
  "link_sum",
  "link_mean",
  "link_count",
] as const;

/** Columns of features/1 (km_logit … skill_rate): the prefix every later layout keeps. */
const V1_WIDTH = 18;
/** Columns of features/2 (… recent_b). */
const V2_WIDTH = 22;
/** Columns of the newest layout; rows written with no explicit width have this many. */
export const FEATURE_COUNT = FEATURE_NAMES.length;
/**
 * Version of the newest feature layout. A model records the version it was trained on and
 * reads the first FEATURE_WIDTHS[version] columns of it; the predictor refuses a model whose
 * version is unknown or whose input width differs (falls back to the knowledge model) instead
 * of silently scoring misaligned columns.
 */
export const FEATURE_VERSION = "features/3";
/**
 * Every layout this code can write, by version → its width. Layouts only ever grow by
 * appending columns, so an older layout is a prefix of the newest: one row writer serves
 * every bundled model, and a model of an older layout keeps working until it is retired.
 */
export const FEATURE_WIDTHS: Readonly<Record<string, number>> = { "features/1": V1_WIDTH, "features/2": V2_WIDTH, "features/3": FEATURE_COUNT };

/** Width of a feature layout, or undefined when this code cannot write it. */
export function featureWidth(version: string): number | undefined {
  return Object.hasOwn(FEATURE_WIDTHS, version) ? FEATURE_WIDTHS[version] : undefined;
}
/** Answers in the recent-accuracy window. */
export const RECENT_WINDOW = 10;
/** Weight of the newest answer in the per-skill exponentially weighted accuracy. */
export const SKILL_EWMA = 0.3;
/** Weights of the newest answer in resid_long and in resid_short, skill_resid and recent_b. */
export const RESIDUAL_LONG = 0.1;
export const RESIDUAL_SHORT = 0.3;
/** Answers in the item-link window (features/3): the learner's last answers whose residuals link to a candidate. */
export const LINK_WINDOW = 20;
/** |km_logit| cap: beyond ±8 (P < 0.0003) the difference carries no usable information. */
const LOGIT_CAP = 8;

/** The learner-level features, computed once per batch. */
export type LearnerPart = readonly [number, number, number, number, number, number, number, number];

export interface SkillHistory {
  /** Exponentially weighted accuracy (λ = SKILL_EWMA), starting from the first outcome. */
  ewma: number;
  last: boolean;
  /** Signed current run on the skill: +k after k right answers in a row, −k after k wrong. */
  streak: number;
  /** `LearnerHistory.attempts` when the skill was last practised (answers since = difference). */
  lastIndex: number;
  /** EWMA (λ = RESIDUAL_SHORT) of y − σ(−b) on the skill (features/2; absent in older stored entries = 0). */
  residual?: number;
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
  /**
   * features/2: EWMAs of the residual y − σ(−b) (λ = RESIDUAL_LONG, RESIDUAL_SHORT) and of
   * the answered items' b (λ = RESIDUAL_SHORT). Optional so that histories stored before
   * they existed still load (read as 0, as `withHistoryDefaults` fills them); they then
   * catch up within a few answers, which is what an EWMA does anyway.
   */
  residualLong?: number;
  residualShort?: number;
  recentDifficulty?: number;
  /**
   * features/3: the last LINK_WINDOW answers as [item id, residual y − σ(−b)], oldest first.
   * Optional like the residuals: a history stored before it existed loads with an empty window.
   */
  lastAnswers?: [string, number][];
}

/**
 * Item links (features/3): the learnt weight w(from → to) of a residual on item `from` for the
 * residual on item `to`. Built by ./item-links.ts (a fit, or a published document); any table
 * that answers both questions the same way will do.
 */
export interface ItemLinks {
  /** w(from → to), or undefined when the table has no such link (a row at a time: the replay). */
  weight(from: string, to: string): number | undefined;
  /** Every link out of `from`, as [to, w] (a batch of candidates at a time: `buildFeatures`). */
  outgoing(from: string): Iterable<readonly [string, number]>;
}

/** No links: every features/3 link column is 0. */
export const NO_LINKS: ItemLinks = Object.freeze({ weight: () => undefined, outgoing: () => [] });

export function emptyHistory(): LearnerHistory {
  return { attempts: 0, correct: 0, streak: 0, recent: [], skills: {}, items: {}, residualLong: 0, residualShort: 0, recentDifficulty: 0, lastAnswers: [] };
}

/** The learner-level counts as stored (one JSON value): everything but the skill and item entries. */
export type HistoryCounts = Omit<LearnerHistory, "skills" | "items">;

/**
 * Learner-level counts from a stored JSON value, written by any version of this module:
 * fields added later (features/2's residuals) default to 0.
 */
export function historyCounts(stored: Partial<HistoryCounts>): HistoryCounts {
  return {
    attempts: stored.attempts ?? 0,
    correct: stored.correct ?? 0,
    streak: stored.streak ?? 0,
    recent: [...(stored.recent ?? [])],
    residualLong: stored.residualLong ?? 0,
    residualShort: stored.residualShort ?? 0,
    recentDifficulty: stored.recentDifficulty ?? 0,
    lastAnswers: (stored.lastAnswers ?? []).map(([id, r]) => [id, r]),
  };
}

/** Success chance of an average learner (θ = 0) on an item of difficulty b: the residuals' baseline. */
function parChance(difficulty: number): number {
  return 1 / (1 + Math.exp(difficulty));
}

/** An answer's residual y − σ(−b): its outcome against an average learner's chance on the item. */
export function answerResidual(difficulty: number, correct: boolean): number {
  return (correct ? 1 : 0) - parChance(difficulty);
}

/**
 * Adds one graded answer to `history` (mutates it; call after the features of that answer
 * were computed, which is what keeps them causal). Every skill of the item is updated.
 */
export function recordOutcome(history: LearnerHistory, item: Pick<ItemParams, "id" | "skillIds" | "difficulty">, correct: boolean): void {
  const y = correct ? 1 : 0;
  const r = answerResidual(item.difficulty, correct);
  for (const id of item.skillIds) {
    const s = history.skills[id];
    if (s) {
      s.ewma += SKILL_EWMA * (y - s.ewma);
      s.last = correct;
      s.streak = nextStreak(s.streak, correct);
      s.lastIndex = history.attempts;
      s.residual = (s.residual ?? 0) + RESIDUAL_SHORT * (r - (s.residual ?? 0));
    } else {
      history.skills[id] = { ewma: y, last: correct, streak: correct ? 1 : -1, lastIndex: history.attempts, residual: RESIDUAL_SHORT * r };
    }
  }
  const long = history.residualLong ?? 0;
  const short = history.residualShort ?? 0;
  history.residualLong = long + RESIDUAL_LONG * (r - long);
  history.residualShort = short + RESIDUAL_SHORT * (r - short);
  const b = history.recentDifficulty ?? 0;
  history.recentDifficulty = history.attempts === 0 ? item.difficulty : b + RESIDUAL_SHORT * (item.difficulty - b);
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
  const last = history.lastAnswers ?? [];
  last.push([item.id, r]);
  if (last.length > LINK_WINDOW) last.shift();
  history.lastAnswers = last;
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
    ...historyCounts(history),
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
  history.residualLong = slice.residualLong ?? 0;
  history.residualShort = slice.residualShort ?? 0;
  history.recentDifficulty = slice.recentDifficulty ?? 0;
  history.lastAnswers = slice.lastAnswers ?? [];
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

/** Learner-level features (8–11, 16, 18, 19, 21), the same for every candidate: computed once per batch. */
function learnerFeatures(h: LearnerHistory): LearnerPart {
  let recentSum = 0;
  for (const v of h.recent) recentSum += v;
  return [
    Math.log1p(h.attempts),
    logit((h.correct + 1) / (h.attempts + 2)),
    h.recent.length > 0 ? recentSum / h.recent.length - 0.5 : 0,
    h.recent.length > 0 ? ((h.recent[h.recent.length - 1] ?? 0) > 0 ? 1 : -1) : 0,
    streakFeature(h.streak),
    h.residualLong ?? 0,
    h.residualShort ?? 0,
    h.attempts > 0 ? (h.recentDifficulty ?? 0) : 0,
  ];
}

/**
 * Writes the features of `item` into `out[offset … offset + width)`: the first `width` columns
 * of the newest layout (18 = features/1, 22 = features/2, FEATURE_COUNT = features/3; `links`
 * is read by features/3's columns only). `lookup` must never
 * return undefined for a skill the knowledge model would give a prior to: pass a
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
  width: number = FEATURE_COUNT,
  links: ItemLinks = NO_LINKS,
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
  if (width <= V1_WIDTH) return;
  out[offset + 18] = learner[5];
  out[offset + 19] = learner[6];
  out[offset + 20] = primary ? (primary.residual ?? 0) : 0;
  out[offset + 21] = learner[7];
  if (width <= V2_WIDTH) return;
  let sum = 0;
  let linked = 0;
  for (const [from, r] of history.lastAnswers ?? []) {
    if (from === item.id) continue;
    const w = links.weight(from, item.id);
    if (w === undefined) continue;
    sum += w * r;
    linked++;
  }
  writeLinkColumns(sum, linked, out, offset);
}

function writeLinkColumns(sum: number, linked: number, out: Float32Array, offset: number): void {
  out[offset + 22] = sum;
  out[offset + 23] = linked > 0 ? sum / linked : 0;
  out[offset + 24] = Math.log1p(linked);
}

/**
 * The link sums of every item of a batch: the same additions, in the same order (window oldest
 * first), as `writeFeatureRow` makes for one item, but one pass over the window's outgoing
 * links instead of a lookup per candidate and answer. `sum[i]` and `linked[i]` are item i's.
 */
function linkSums(history: LearnerHistory, links: ItemLinks, items: readonly ItemParams[]): { sum: Float64Array; linked: Uint16Array } {
  const sum = new Float64Array(items.length);
  const linked = new Uint16Array(items.length);
  const window = history.lastAnswers ?? [];
  if (window.length === 0) return { sum, linked };
  const at = new Map<string, number>();
  for (let i = 0; i < items.length; i++) {
    const id = items[i]?.id;
    if (id !== undefined && !at.has(id)) at.set(id, i);
  }
  for (const [from, r] of window) {
    for (const [to, w] of links.outgoing(from)) {
      if (to === from) continue;
      const i = at.get(to);
      if (i === undefined) continue;
      sum[i] = (sum[i] ?? 0) + w * r;
      linked[i] = (linked[i] ?? 0) + 1;
    }
  }
  // A candidate listed twice gets the sums of its first listing.
  for (let i = 0; i < items.length; i++) {
    const first = at.get(items[i]?.id ?? "");
    if (first !== undefined && first !== i) {
      sum[i] = sum[first] ?? 0;
      linked[i] = linked[first] ?? 0;
    }
  }
  return { sum, linked };
}

/**
 * Features of every candidate, row-major, `width` columns a row (the model's layout width,
 * FEATURE_WIDTHS): row i (item i) occupies `out[i·width … (i + 1)·width)`. Allocation-light
 * (one lookup closure per call); `out` must hold at least items.length × width values.
 * Returns `out`.
 *
 * @example
 *   const rows = new Float32Array(items.length * predictor.width);
 *   buildFeatures(state.skill, curriculum.neighbours, history, items, rows, DEFAULT_ENGINE_CONFIG.knowledge, predictor.width);
 *   const p = await predictor.predict(rows, items.length);
 */
export function buildFeatures(
  skill: SkillLookup,
  neighbours: NeighbourIndex,
  history: LearnerHistory,
  items: readonly ItemParams[],
  out: Float32Array,
  config: KnowledgeConfig,
  width: number = FEATURE_COUNT,
  links: ItemLinks = NO_LINKS,
): Float32Array {
  if (!Object.values(FEATURE_WIDTHS).includes(width)) throw new RangeError(`no feature layout is ${width} wide`);
  if (out.length < items.length * width) throw new RangeError(`out has ${out.length} slots for ${items.length} × ${width} features`);
  const lookup = resolveSkills(skill, neighbours, config);
  const learner = learnerFeatures(history);
  const sums = width > V2_WIDTH ? linkSums(history, links, items) : null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!item) continue;
    writeFeatureRow(item, lookup, history, learner, config, out, i * width, sums ? V2_WIDTH : width);
    if (sums) writeLinkColumns(sums.sum[i] ?? 0, sums.linked[i] ?? 0, out, i * width);
  }
  return out;
}

/**
 * A feature row as logged with an attempt (Postgres `attempts.features`, real[]): nine
 * significant digits, which give every float32 back exactly (Math.fround(logged[i]) === row[i])
 * in less than half the JSON of the full double.
 */
export function loggedFeatureRow(row: Float32Array): number[] {
  return Array.from(row, (x) => Number(x.toPrecision(9)));
}

/** Learner-level part of a row, exported for callers that write rows one at a time (the replay). */
export function learnerPart(history: LearnerHistory): LearnerPart {
  return learnerFeatures(history);
}
