/**
 * Spaced review with FSRS (via ts-fsrs; nothing of FSRS is re-implemented here).
 *
 * Memory is kept PER SKILL, not per item. FSRS models the memory trace of one card and
 * learns its stability from repeated reviews of that card; here a skill has ~100 items and
 * a learner rarely sees an item twice, so per-item cards would almost all stay at their
 * first review: their due dates would point at items we do not intend to repeat (repeating
 * a solved item tests recall of its answer, not of the procedure), and a due list of
 * thousands of one-shot cards says nothing about what is being forgotten. What decays and
 * what we want to schedule is the skill; any unseen item of the skill is a fresh, and
 * better (varied), retrieval probe of it. So the skill is the card and the item is chosen
 * within the skill by scoring (which also avoids repeats). The cost: items differ in
 * difficulty, so a review outcome is noisier than a flashcard's; scoring keeps review items
 * inside the target success band, which limits that noise. The memory state is keyed by
 * the caller, so the same functions would serve per-item memory if ever wanted.
 *
 * One review per sitting. Every attempt on a skill reaches `recordReview`, but only the
 * first one after `minReviewGapMs` since the last counted review is given to FSRS. FSRS's
 * stability is about inter-day retention; ten items of one skill in one sitting are
 * practice, not ten spaced retrievals, and feeding them all in would inflate stability
 * (or record a "lapse" for every wrong answer that desirable difficulty deliberately
 * provokes). Within-sitting evidence goes to the knowledge model instead. For the same
 * reason FSRS's short-term (minutes) learning steps are off and intervals are whole days.
 *
 * Rating from correctness and response time (thresholds are configuration):
 *   wrong                         → Again (a lapse)
 *   right, slower than `hardMs`    → Hard  (retrieved with effort)
 *   right, faster than `easyMs`    → Easy  (fluent recall)
 *   right otherwise               → Good
 * A missing or invalid time (NaN, negative) rates a right answer Good.
 */
import { fsrs, Rating, State } from "ts-fsrs";
import type { Card, FSRS, Grade } from "ts-fsrs";
import type { MemoryPhase, ReviewMemory } from "./types";

export interface ReviewConfig {
  /** Target probability of recall at the due date (FSRS's desired retention). */
  readonly requestRetention: number;
  /** Longest interval in days: a curriculum skill is checked at least yearly. */
  readonly maximumIntervalDays: number;
  /** Attempts closer than this to the last counted review belong to the same sitting. */
  readonly minReviewGapMs: number;
  /** A right answer faster than this is rated Easy. */
  readonly easyMs: number;
  /** A right answer slower than this is rated Hard. */
  readonly hardMs: number;
}

export const DEFAULT_REVIEW_CONFIG: ReviewConfig = Object.freeze({
  requestRetention: 0.9,
  maximumIntervalDays: 365,
  // 8 h: a morning and an evening sitting are two reviews, one sitting is one.
  minReviewGapMs: 8 * 3_600_000,
  // A short numeric or choice item recalled fluently takes a few seconds; 8 s is a fast read-and-answer.
  easyMs: 8_000,
  // Beyond 45 s the learner was reconstructing the method, not recalling it.
  hardMs: 45_000,
});

const DAY_MS = 86_400_000;
const schedulers = new WeakMap<ReviewConfig, FSRS>();

/** One ts-fsrs scheduler per configuration object (they are immutable). */
function schedulerFor(config: ReviewConfig): FSRS {
  let f = schedulers.get(config);
  if (!f) {
    f = fsrs({
      request_retention: config.requestRetention,
      maximum_interval: config.maximumIntervalDays,
      enable_fuzz: false, // deterministic intervals: same history, same schedule, testable
      enable_short_term: false,
    });
    schedulers.set(config, f);
  }
  return f;
}

/** A never-reviewed memory (FSRS state New, due immediately but not "due for review"). */
export function newMemory(now: number): ReviewMemory {
  return { phase: 0, stability: 0, difficulty: 0, due: now, lastReview: null, scheduledDays: 0, reps: 0, lapses: 0 };
}

function toCard(m: ReviewMemory): Card {
  const card: Card = {
    due: new Date(m.due),
    stability: m.stability,
    difficulty: m.difficulty,
    elapsed_days: 0,
    scheduled_days: m.scheduledDays,
    learning_steps: 0,
    reps: m.reps,
    lapses: m.lapses,
    state: m.phase as State,
  };
  if (m.lastReview !== null) card.last_review = new Date(m.lastReview);
  return card;
}

function toPhase(state: State): MemoryPhase {
  switch (state) {
    case State.New:
      return 0;
    case State.Learning:
      return 1;
    case State.Review:
      return 2;
    case State.Relearning:
      return 3;
  }
}

function fromCard(card: Card): ReviewMemory {
  return {
    phase: toPhase(card.state),
    stability: card.stability,
    difficulty: card.difficulty,
    due: card.due.getTime(),
    lastReview: card.last_review ? card.last_review.getTime() : null,
    scheduledDays: card.scheduled_days,
    reps: card.reps,
    lapses: card.lapses,
  };
}

/** The FSRS rating of a response (table in the module comment). */
export function ratingFor(correct: boolean, responseMs: number, config: ReviewConfig = DEFAULT_REVIEW_CONFIG): Grade {
  if (!correct) return Rating.Again;
  if (!Number.isFinite(responseMs) || responseMs < 0) return Rating.Good;
  if (responseMs < config.easyMs) return Rating.Easy;
  if (responseMs > config.hardMs) return Rating.Hard;
  return Rating.Good;
}

/** Whether an attempt at `now` would be given to FSRS (first of a sitting). */
export function countsAsReview(memory: ReviewMemory, now: number, config: ReviewConfig = DEFAULT_REVIEW_CONFIG): boolean {
  return memory.lastReview === null || now - memory.lastReview >= config.minReviewGapMs;
}

/**
 * The memory after an attempt on the skill at `now`. Returns the same object when the
 * attempt does not count as a review (same sitting; see the module comment), so callers
 * can skip the write with `next !== memory`.
 */
export function recordReview(
  memory: ReviewMemory,
  correct: boolean,
  responseMs: number,
  now: number,
  config: ReviewConfig = DEFAULT_REVIEW_CONFIG,
): ReviewMemory {
  if (!countsAsReview(memory, now, config)) return memory;
  const result = schedulerFor(config).next(toCard(memory), new Date(now), ratingFor(correct, responseMs, config));
  return fromCard(result.card);
}

/**
 * Probability of recall now, FSRS's forgetting curve R(t, S) = (1 + F·t/S)^−decay with the
 * elapsed time t in fractional days (ts-fsrs's own `get_retrievability` floors to whole
 * days; continuous time orders memories within a day and agrees at whole days). 0 for a
 * never-reviewed memory: there is nothing to recall yet.
 */
export function retrievability(memory: ReviewMemory, now: number, config: ReviewConfig = DEFAULT_REVIEW_CONFIG): number {
  if (memory.phase === 0 || memory.lastReview === null) return 0;
  const days = Math.max(0, now - memory.lastReview) / DAY_MS;
  return schedulerFor(config).forgetting_curve(days, memory.stability);
}

/** Due for review: reviewed at least once and the due time has come. */
export function isDue(memory: ReviewMemory, now: number): boolean {
  return memory.phase !== 0 && memory.due <= now;
}

/** Due now or within the next `ms` milliseconds. */
export function dueWithin(memory: ReviewMemory, now: number, ms: number): boolean {
  return memory.phase !== 0 && memory.due <= now + ms;
}

/**
 * Review urgency in [0, 1]: 1 − R(now), 0 for a new memory. FSRS sets the due date where R
 * falls to `requestRetention`, so a due memory has urgency ≈ 1 − requestRetention (0.1) or
 * more and the most forgotten come first; memories not yet due score lower.
 */
export function reviewUrgency(memory: ReviewMemory, now: number, config: ReviewConfig = DEFAULT_REVIEW_CONFIG): number {
  if (memory.phase === 0) return 0;
  return 1 - retrievability(memory, now, config);
}
