/**
 * A learner's progress report, computed from plain inputs (no storage, no clock): mastery
 * per skill with the rule that defines it, what is ready to learn next, the review load
 * ahead, accuracy, streak and practice time.
 *
 * Days are calendar days in the learner's UTC offset (passed in, in minutes east of UTC),
 * numbered from the epoch: day(t) = ⌊(t + offset) / 86 400 000⌋.
 */
import { findCycle, neighbourMap, topologicalOrder } from "./graph";
import type { SkillNode } from "./graph";
import { DEFAULT_KNOWLEDGE_CONFIG, describeMasteryRule, isMastered, isReady, masteryProbability, resolveSkills } from "./knowledge";
import type { KnowledgeConfig } from "./knowledge";
import type { AttemptRecord, ReviewMemory, SkillState } from "./types";

const DAY_MS = 86_400_000;

/** Totals of a learner's attempts; the Durable Object can keep it incrementally. */
export interface AttemptSummary {
  readonly total: number;
  readonly correct: number;
  readonly totalResponseMs: number;
  /** Day numbers (see module comment, same offset as the report) with at least one attempt. */
  readonly activeDays: readonly number[];
}

export interface ProgressInput {
  readonly now: number;
  readonly skills: readonly SkillNode[];
  /** Stored skill states by skill id (unpractised skills may be absent). */
  readonly skillStates: ReadonlyMap<string, SkillState>;
  /** Review memories by skill id (review.ts keeps memory per skill). */
  readonly memories: ReadonlyMap<string, ReviewMemory>;
  readonly attempts: AttemptSummary;
  /** Length of the per-day review forecast, today included. */
  readonly horizonDays: number;
  /** Learner's offset from UTC in minutes (e.g. 120 for UTC+2); 0 for UTC. */
  readonly utcOffsetMinutes: number;
}

export interface SkillProgress {
  readonly skillId: string;
  /** P(θ > mastery threshold). */
  readonly mastery: number;
  readonly mastered: boolean;
  /** All prerequisites mastered. */
  readonly ready: boolean;
  readonly mean: number;
  readonly variance: number;
  readonly attempts: number;
  readonly correct: number;
}

export interface Progress {
  /** The mastery rule in words, e.g. "P(θ > 1.39) ≥ 0.95 and attempts ≥ 5". */
  readonly masteryRule: string;
  /** Every skill, prerequisites first (input order when the graph has a cycle). */
  readonly skills: readonly SkillProgress[];
  /** Not yet mastered and every prerequisite mastered, in teaching order. */
  readonly readyToLearn: readonly string[];
  readonly reviews: {
    readonly dueNow: number;
    /** byDay[0] is today (including anything overdue), byDay[k] the k-th day after. */
    readonly byDay: readonly { readonly date: string; readonly count: number }[];
  };
  readonly attempts: number;
  /** correct / attempts; null before the first attempt. */
  readonly accuracy: number | null;
  /** Consecutive practice days ending today, or yesterday when today has no practice yet. */
  readonly streakDays: number;
  readonly practiceTimeMs: number;
}

/** Day number of an instant in a UTC offset (minutes east of UTC). */
export function dayNumber(epochMs: number, utcOffsetMinutes: number): number {
  return Math.floor((epochMs + utcOffsetMinutes * 60_000) / DAY_MS);
}

/** ISO date (YYYY-MM-DD) of a day number. */
export function dayDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Summary of raw attempts, with days in the given offset. Negative or non-finite times count 0. */
export function summarizeAttempts(attempts: readonly AttemptRecord[], utcOffsetMinutes: number): AttemptSummary {
  let correct = 0;
  let time = 0;
  const days = new Set<number>();
  for (const a of attempts) {
    if (a.correct) correct += 1;
    if (Number.isFinite(a.responseMs) && a.responseMs > 0) time += a.responseMs;
    days.add(dayNumber(a.at, utcOffsetMinutes));
  }
  return { total: attempts.length, correct, totalResponseMs: time, activeDays: [...days].sort((x, y) => x - y) };
}

/** Consecutive active days ending today, or ending yesterday when today is not active yet. */
export function streakDays(activeDays: readonly number[], today: number): number {
  const active = new Set(activeDays);
  let day = active.has(today) ? today : today - 1;
  let streak = 0;
  while (active.has(day)) {
    streak += 1;
    day -= 1;
  }
  return streak;
}

export function computeProgress(input: ProgressInput, config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG): Progress {
  const { now, skills, skillStates, memories, attempts } = input;
  const stored = (id: string): SkillState | undefined => skillStates.get(id);
  const resolve = resolveSkills(stored, neighbourMap(skills), config);
  const byId = new Map(skills.map((s) => [s.id, s]));
  const order = findCycle(skills) === null ? topologicalOrder(skills) : skills.map((s) => s.id);

  const skillProgress: SkillProgress[] = [];
  const readyToLearn: string[] = [];
  for (const id of order) {
    const state = resolve(id);
    const mastered = isMastered(state, config);
    const ready = isReady(byId.get(id)?.prerequisites ?? [], stored, config);
    skillProgress.push({
      skillId: id,
      mastery: masteryProbability(state, config),
      mastered,
      ready,
      mean: state.mean,
      variance: state.variance,
      attempts: state.attempts,
      correct: state.correct,
    });
    if (ready && !mastered) readyToLearn.push(id);
  }

  const horizon = Math.max(0, Math.floor(input.horizonDays));
  const today = dayNumber(now, input.utcOffsetMinutes);
  const counts = new Array<number>(horizon).fill(0);
  let dueNow = 0;
  for (const memory of memories.values()) {
    if (memory.phase === 0) continue;
    if (memory.due <= now) dueNow += 1;
    const k = Math.max(0, dayNumber(memory.due, input.utcOffsetMinutes) - today);
    if (k < horizon) counts[k] = (counts[k] ?? 0) + 1;
  }

  return {
    masteryRule: describeMasteryRule(config),
    skills: skillProgress,
    readyToLearn,
    reviews: { dueNow, byDay: counts.map((count, k) => ({ date: dayDate(today + k), count })) },
    attempts: attempts.total,
    accuracy: attempts.total > 0 ? attempts.correct / attempts.total : null,
    streakDays: streakDays(attempts.activeDays, today),
    practiceTimeMs: attempts.totalResponseMs,
  };
}
