/**
 * The learner engine: the two decisions the platform makes for a learner, as pure functions
 * over a read-only view of that learner's state. The learner Durable Object calls them on
 * live state; the evaluation harness calls the very same functions on simulated learners.
 *
 *   choose:  candidateSkills → (caller loads those skills' items) → rankItems
 *   learn:   applyLearnerAttempt → new skill beliefs, new review memory, mastery changes
 *
 * Which skills are candidates (the part that keeps "hundreds of candidates" from being
 * "every item"):
 *   practice — skills that are ready (every prerequisite mastered) and not yet mastered, goal
 *              skills first, then in curriculum order; plus up to `interleaveReviews`
 *              mastered skills whose review is due, so practice keeps old skills alive.
 *   review   — skills reviewed before whose memory is due or nearly forgotten, most urgent
 *              first.
 */
import type { Answer } from "./grading";
import { FEATURE_COUNT, NO_LINKS, historySlice, learnerPart, recordOutcome, writeFeatureRow } from "./features";
import type { ItemLinks, LearnerHistory } from "./features";
import { gradeResponse } from "./grading";
import { neighbourMap } from "./graph";
import type { SkillNode } from "./graph";
import {
  DEFAULT_KNOWLEDGE_CONFIG,
  applyAttempt,
  isMastered,
  isReady,
  masteryProbability,
  predictBatch,
  itemAbility,
  predictCorrect,
  readiness,
  resolveSkills,
} from "./knowledge";
import type { KnowledgeConfig, NeighbourIndex } from "./knowledge";
import { DEFAULT_REVIEW_CONFIG, isDue, newMemory, recordReview, reviewUrgency } from "./review";
import type { ReviewConfig } from "./review";
import { DEFAULT_PREDICTOR_MIX } from "./predictor-mix";
import type { PredictorMixConfig } from "./predictor-mix";
import { DEFAULT_SCORING_CONFIG, scoreTop } from "./scoring";
import type { Candidate, ScoredCandidate, ScoringConfig, ScoringMode } from "./scoring";
import type { ItemParams, ReviewMemory, SkillLookup, SkillState } from "./types";

export interface EngineConfig {
  readonly knowledge: KnowledgeConfig;
  readonly review: ReviewConfig;
  readonly scoring: ScoringConfig;
  /** Skills whose items are scored per request (≈100 items each in the demo bank). */
  readonly maxCandidateSkills: number;
  /** Mastered-and-due skills mixed into practice candidates. */
  readonly interleaveReviews: number;
  /** How the correctness model's predictions are mixed with the knowledge model's per learner. */
  readonly predictorMix: PredictorMixConfig;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = Object.freeze({
  knowledge: DEFAULT_KNOWLEDGE_CONFIG,
  review: DEFAULT_REVIEW_CONFIG,
  scoring: DEFAULT_SCORING_CONFIG,
  // 4 learning skills + 2 reviews ≈ 600 candidates: a real choice, still far under a millisecond.
  maxCandidateSkills: 4,
  interleaveReviews: 2,
  predictorMix: DEFAULT_PREDICTOR_MIX,
});

export interface CurriculumSkill extends SkillNode {
  readonly position: number;
}

/** The skill graph prepared once per content version. */
export interface Curriculum {
  readonly skills: readonly CurriculumSkill[];
  readonly byId: ReadonlyMap<string, CurriculumSkill>;
  readonly neighbours: NeighbourIndex;
}

export function buildCurriculum(skills: readonly CurriculumSkill[]): Curriculum {
  const sorted = [...skills].sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { skills: sorted, byId: new Map(sorted.map((s) => [s.id, s])), neighbours: neighbourMap(sorted) };
}

/** What the engine reads of one learner. The Durable Object backs it with SQLite rows. */
export interface LearnerView {
  skill: SkillLookup;
  memory(skillId: string): ReviewMemory | undefined;
  /** Epoch ms the learner was last served or answered this item, null if never. */
  lastSeen(itemId: string): number | null;
  /** Items served in the current session: never served twice in it. */
  readonly sessionItemIds: ReadonlySet<string>;
  /** Primary skills of the latest served items, most recent first. */
  readonly recentSkillIds: readonly string[];
  readonly goalSkillIds: ReadonlySet<string>;
  /** Skills with a review memory (practised at least once). */
  readonly reviewedSkillIds: Iterable<string>;
}

/** Which skills' items to score for `mode`, in priority order. */
export function candidateSkills(view: LearnerView, curriculum: Curriculum, mode: ScoringMode, now: number, config: EngineConfig = DEFAULT_ENGINE_CONFIG): string[] {
  const reviews = dueSkills(view, now, config);
  if (mode === "review") return reviews.slice(0, config.maxCandidateSkills).map((r) => r.skillId);
  const learning: CurriculumSkill[] = [];
  for (const s of curriculum.skills) {
    if (isMastered(view.skill(s.id), config.knowledge)) continue;
    if (!isReady(s.prerequisites, view.skill, config.knowledge)) continue;
    learning.push(s);
  }
  // Stable sort: goal skills first, curriculum order otherwise.
  learning.sort((a, b) => Number(view.goalSkillIds.has(b.id)) - Number(view.goalSkillIds.has(a.id)));
  const picked = learning.slice(0, config.maxCandidateSkills).map((s) => s.id);
  for (const r of reviews) {
    if (picked.length >= config.maxCandidateSkills + config.interleaveReviews) break;
    if (!picked.includes(r.skillId) && isMastered(view.skill(r.skillId), config.knowledge)) picked.push(r.skillId);
  }
  return picked;
}

/**
 * When every item of the candidate skills was served in this session: the not-yet-ready
 * skills whose prerequisites are closest to mastered (graded readiness), so a long session
 * stretches forward instead of running dry. Scoring's readiness term still prefers the ready.
 */
export function stretchSkills(view: LearnerView, curriculum: Curriculum, exclude: readonly string[], count: number, config: EngineConfig = DEFAULT_ENGINE_CONFIG): string[] {
  const skip = new Set(exclude);
  return curriculum.skills
    .filter((s) => !skip.has(s.id) && !isMastered(view.skill(s.id), config.knowledge))
    .map((s) => ({ id: s.id, r: readiness(s.prerequisites, view.skill, config.knowledge) }))
    .sort((a, b) => b.r - a.r)
    .slice(0, count)
    .map((s) => s.id);
}

/** Reviewed skills that are due or past the review threshold, most urgent first. */
export function dueSkills(view: LearnerView, now: number, config: EngineConfig = DEFAULT_ENGINE_CONFIG): Array<{ skillId: string; urgency: number; due: boolean }> {
  const out: Array<{ skillId: string; urgency: number; due: boolean }> = [];
  for (const skillId of view.reviewedSkillIds) {
    const m = view.memory(skillId);
    if (!m) continue;
    const urgency = reviewUrgency(m, now, config.review);
    const due = isDue(m, now);
    if (due || urgency >= config.scoring.reviewMinUrgency) out.push({ skillId, urgency, due });
  }
  out.sort((a, b) => b.urgency - a.urgency || (a.skillId < b.skillId ? -1 : 1));
  return out;
}

export interface Ranking {
  /** Best first: every eligible candidate, or only the best `limit` when one was given. */
  ranked: ScoredCandidate[];
  /** How many candidates were eligible (the full ranking's length). */
  eligible: number;
  /** The predictions used, aligned with the `items` argument. */
  predictions: Float64Array;
}

/**
 * Scores `items` (the candidate skills' items) for this learner, best first. `predictions`
 * may come from any predictor (the ONNX model); without it the knowledge model predicts,
 * using neighbour priors for skills the learner has not practised. With `limit`, only the
 * best `limit` are ordered and returned (the same entries, in the same order, as the head of
 * the full ranking; `eligible` still counts them all).
 */
export function rankItems(
  view: LearnerView,
  curriculum: Curriculum,
  items: readonly ItemParams[],
  mode: ScoringMode,
  now: number,
  config: EngineConfig = DEFAULT_ENGINE_CONFIG,
  predictions?: Float64Array,
  limit = Number.POSITIVE_INFINITY,
): Ranking {
  const lookup = resolveSkills(view.skill, curriculum.neighbours, config.knowledge);
  const preds = predictions ?? predictBatch(items, lookup, config.knowledge, new Float64Array(items.length));
  // Per-skill terms are the same for every item of a skill: compute them once.
  const perSkill = new Map<string, { urgency: number; due: boolean; readiness: number; mastery: number }>();
  const candidates: Candidate[] = new Array<Candidate>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as ItemParams;
    const skillId = item.skillIds[0] ?? "";
    let s = perSkill.get(skillId);
    if (!s) {
      const memory = view.memory(skillId);
      const prereqs = curriculum.byId.get(skillId)?.prerequisites ?? [];
      s = {
        urgency: memory ? reviewUrgency(memory, now, config.review) : 0,
        due: memory ? isDue(memory, now) : false,
        readiness: readiness(prereqs, view.skill, config.knowledge),
        mastery: masteryProbability(lookup(skillId), config.knowledge),
      };
      perSkill.set(skillId, s);
    }
    candidates[i] = { itemId: item.id, skillId, urgency: s.urgency, due: s.due, readiness: s.readiness, mastery: s.mastery, lastSeenAt: view.lastSeen(item.id) };
  }
  const { top, eligible } = scoreTop(
    candidates,
    preds,
    { now, mode, sessionItemIds: view.sessionItemIds, recentSkillIds: view.recentSkillIds, goalSkillIds: view.goalSkillIds },
    config.scoring,
    limit,
  );
  return { ranked: top, eligible, predictions: preds };
}

export interface MasteryChange {
  skillId: string;
  before: number;
  after: number;
  mastered: boolean;
  /** Just crossed the mastery rule with this attempt. */
  newlyMastered: boolean;
}

export interface AttemptOutcome {
  /** New beliefs for every skill of the item, primary first. */
  skills: SkillState[];
  /** New review memory of the primary skill (unchanged object when the attempt was in the same sitting). */
  memory: ReviewMemory;
  memoryChanged: boolean;
  mastery: MasteryChange[];
}

/**
 * Learns from one graded attempt. Skills never practised start from their neighbours'
 * evidence (resolveSkills), so a strong prerequisite gives its dependant a head start.
 * The review memory belongs to the item's primary skill (see review.ts for why per skill).
 */
export function applyLearnerAttempt(
  view: LearnerView,
  curriculum: Curriculum,
  item: ItemParams,
  correct: boolean,
  responseMs: number,
  now: number,
  config: EngineConfig = DEFAULT_ENGINE_CONFIG,
): AttemptOutcome {
  const lookup = resolveSkills(view.skill, curriculum.neighbours, config.knowledge);
  const skills = applyAttempt(item, lookup, correct, now, config.knowledge);
  const mastery = skills.map((after) => {
    const before = view.skill(after.skillId);
    const wasMastered = isMastered(before, config.knowledge);
    const nowMastered = isMastered(after, config.knowledge);
    return {
      skillId: after.skillId,
      before: masteryProbability(lookup(after.skillId), config.knowledge),
      after: masteryProbability(after, config.knowledge),
      mastered: nowMastered,
      newlyMastered: nowMastered && !wasMastered,
    };
  });
  const primary = item.skillIds[0] ?? "";
  const previous = view.memory(primary) ?? newMemory(now);
  const memory = recordReview(previous, correct, responseMs, now, config.review);
  return { skills, memory, memoryChanged: memory !== previous || !view.memory(primary), mastery };
}

/**
 * The skills whose candidates' predictions an attempt on `item` can change: the item's own
 * skills (belief, review memory, skill history) and their direct neighbours in the graph
 * (neighbour priors, readiness). A learner's score cache re-scores these and keeps the rest.
 * Learner-level features (totals, recent accuracy, streaks) change with every attempt too;
 * the cache bounds their staleness separately (workers/learner/score-cache.ts).
 */
export function affectedSkills(curriculum: Curriculum, item: Pick<ItemParams, "skillIds">): Set<string> {
  const out = new Set<string>();
  for (const skillId of item.skillIds) {
    out.add(skillId);
    const n = curriculum.neighbours.get(skillId);
    for (const p of n?.prerequisites ?? []) out.add(p);
    for (const d of n?.dependants ?? []) out.add(d);
  }
  return out;
}

/** What `decideAttempt` needs of the item: its parameters and answer key. */
export interface GradableItem extends ItemParams {
  readonly answer: Answer;
  readonly choices?: readonly unknown[] | undefined;
}

export type AttemptDecision =
  | { readonly ok: false; readonly reason: string }
  | {
      readonly ok: true;
      readonly correct: boolean;
      /** The knowledge model's P(correct) before this answer (global item statistics compare against it). */
      readonly expected: number;
      /** The learner's combined ability for the item before this answer: the anchor item calibration uses. */
      readonly ability: { readonly mean: number; readonly variance: number };
      readonly outcome: AttemptOutcome;
      /** The feature-history entries this answer changed, already updated (persist, then merge). */
      readonly history: LearnerHistory;
      /**
       * The correctness model's input row for this item before the answer (newest layout,
       * FEATURE_COUNT columns): what scoring fed the model when it ranked the item. Logged with
       * the attempt, so training on the platform's own history can check it rebuilds the same
       * rows (src/ml/platform-replay.ts).
       */
      readonly features: Float32Array;
    };

/**
 * The whole decision on one answer, in one call: grade it, say what the knowledge model
 * expected, learn from it, and update the correctness model's history — everything the
 * learner object then commits in one transaction. Nothing is mutated: `view.history` is read,
 * and the changed entries come back as a slice (features.ts `historySlice`).
 */
export function decideAttempt(
  view: LearnerView & { readonly history: LearnerHistory },
  curriculum: Curriculum,
  item: GradableItem,
  response: unknown,
  responseMs: number,
  now: number,
  config: EngineConfig = DEFAULT_ENGINE_CONFIG,
  links: ItemLinks = NO_LINKS,
): AttemptDecision {
  const graded = gradeResponse(item.answer, response, { choiceCount: item.choices?.length });
  if (!graded.ok) return { ok: false, reason: `response: ${graded.message}` };
  const lookup = resolveSkills(view.skill, curriculum.neighbours, config.knowledge);
  const expected = predictCorrect(item, lookup, config.knowledge);
  const ability = itemAbility(item, lookup, config.knowledge);
  // The row scoring built for this item (buildFeatures writes each row the same way, on the
  // same resolveSkills lookup): before this answer enters anything.
  const features = new Float32Array(FEATURE_COUNT);
  writeFeatureRow(item, lookup, view.history, learnerPart(view.history), config.knowledge, features, 0, FEATURE_COUNT, links);
  const outcome = applyLearnerAttempt(view, curriculum, item, graded.correct, responseMs, now, config);
  const history = historySlice(view.history, item);
  recordOutcome(history, item, graded.correct);
  return { ok: true, correct: graded.correct, expected, ability, outcome, history, features };
}

export type NextChoice<E> =
  | { readonly kind: "serve"; readonly entry: E }
  | { readonly kind: "none"; readonly message: string; readonly nextReviewAt: number | null };

/**
 * The choice `next` makes from a ranking (best first): its best entry not yet served in this
 * session, or — when there is none — why, and when the next review falls due.
 */
export function chooseNext<E extends { readonly itemId: string }>(
  ranking: readonly E[],
  sessionItemIds: ReadonlySet<string>,
  memories: Iterable<ReviewMemory>,
  mode: ScoringMode,
): NextChoice<E> {
  const entry = ranking.find((e) => !sessionItemIds.has(e.itemId));
  if (entry) return { kind: "serve", entry };
  let nextReviewAt: number | null = null;
  for (const m of memories) if (m.phase !== 0 && (nextReviewAt === null || m.due < nextReviewAt)) nextReviewAt = m.due;
  return {
    kind: "none",
    message: mode === "review" ? "nothing is due for review" : "no item is available: every candidate was served in this session",
    nextReviewAt,
  };
}
