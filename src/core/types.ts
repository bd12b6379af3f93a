/**
 * Plain data shared by the learner-engine core. Everything here is JSON-serialisable
 * (numbers, strings, booleans, null; times as epoch milliseconds) so the learner Durable
 * Object can store it in SQLite and ship it across RPC without conversion.
 */

/**
 * The learner's belief about one skill: a Gaussian N(mean, variance) on the ability θ
 * (logit scale, the same scale as item difficulty b), plus the raw counts the Durable
 * Object and the feature module read.
 */
export interface SkillState {
  readonly skillId: string;
  /** Posterior mean of θ. */
  readonly mean: number;
  /** Posterior variance of θ (always > 0). */
  readonly variance: number;
  /** Attempts on items tagged with this skill (primary or secondary). */
  readonly attempts: number;
  /** Correct attempts among `attempts`. */
  readonly correct: number;
  /** Epoch ms of the latest attempt, null when never practised. */
  readonly lastAttemptAt: number | null;
}

/**
 * What the knowledge model needs from an item: the IRT parameters of
 * `src/content/schema.ts` (`Item` is assignable to this type).
 */
export interface ItemParams {
  readonly id: string;
  /** First skill is the primary one; the rest are secondary. */
  readonly skillIds: readonly string[];
  /** b, logit scale. */
  readonly difficulty: number;
  /** a > 0. */
  readonly discrimination: number;
  /** c ∈ [0, 1). */
  readonly guessing: number;
}

/** Finds a learner's stored skill state; undefined when the skill was never practised. */
export type SkillLookup = (skillId: string) => SkillState | undefined;

/** FSRS learning phase, as ts-fsrs numbers it (New 0, Learning 1, Review 2, Relearning 3). */
export type MemoryPhase = 0 | 1 | 2 | 3;

/**
 * Spaced-review memory of one skill (see review.ts for why per skill): the fields of a
 * ts-fsrs `Card` with dates as epoch ms.
 */
export interface ReviewMemory {
  readonly phase: MemoryPhase;
  /** FSRS stability S in days: the interval at which recall probability falls to 90 %. */
  readonly stability: number;
  /** FSRS difficulty D ∈ [1, 10]. */
  readonly difficulty: number;
  /** Epoch ms when the next review is due. */
  readonly due: number;
  /** Epoch ms of the last counted review, null when new. */
  readonly lastReview: number | null;
  /** Days scheduled at the last counted review. */
  readonly scheduledDays: number;
  readonly reps: number;
  readonly lapses: number;
}

/** One attempt, as progress statistics need it. */
export interface AttemptRecord {
  /** Epoch ms when the answer was submitted. */
  readonly at: number;
  readonly correct: boolean;
  readonly responseMs: number;
}
