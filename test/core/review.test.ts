import { describe, expect, it } from "vitest";
import { Rating, createEmptyCard, fsrs } from "ts-fsrs";
import {
  DEFAULT_REVIEW_CONFIG,
  countsAsReview,
  dueWithin,
  isDue,
  newMemory,
  ratingFor,
  recordReview,
  retrievability,
  reviewUrgency,
} from "../../src/core/review";
import type { ReviewMemory } from "../../src/core/types";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1, 9);
const GOOD_MS = 20_000;

/** Reviews at each due date with the given answers; returns the memories after each. */
function reviewAtDue(answers: readonly [boolean, number][]): ReviewMemory[] {
  let m = newMemory(T0);
  let t = T0;
  const out: ReviewMemory[] = [];
  for (const [correct, ms] of answers) {
    m = recordReview(m, correct, ms, t);
    out.push(m);
    t = m.due;
  }
  return out;
}

describe("ratingFor", () => {
  it("maps correctness and time to Again/Hard/Good/Easy", () => {
    expect(ratingFor(false, 1000)).toBe(Rating.Again);
    expect(ratingFor(true, 3000)).toBe(Rating.Easy);
    expect(ratingFor(true, 20_000)).toBe(Rating.Good);
    expect(ratingFor(true, 60_000)).toBe(Rating.Hard);
    expect(ratingFor(true, Number.NaN)).toBe(Rating.Good);
    expect(ratingFor(true, -5)).toBe(Rating.Good);
  });
});

describe("recordReview", () => {
  it("a new memory is not due and has nothing to recall", () => {
    const m = newMemory(T0);
    expect(isDue(m, T0 + 100 * DAY)).toBe(false);
    expect(retrievability(m, T0)).toBe(0);
    expect(reviewUrgency(m, T0 + DAY)).toBe(0);
  });

  it("locks the intervals of five Good reviews, each taken when due (FSRS-6 defaults, 365-day cap)", () => {
    const days = reviewAtDue(Array.from({ length: 5 }, () => [true, GOOD_MS] as [boolean, number])).map((m) => m.scheduledDays);
    // ts-fsrs keeps Good one day above Hard, so the capped interval reads 366.
    expect(days).toEqual([3, 14, 57, 196, 366]);
  });

  it("locks stability and difficulty through a lapse", () => {
    const ms = reviewAtDue([
      [true, GOOD_MS],
      [false, GOOD_MS],
      [true, GOOD_MS],
      [true, 3000],
      [true, 60_000],
    ]);
    expect(ms.map((m) => m.scheduledDays)).toEqual([3, 1, 3, 11, 22]);
    expect(ms[0]?.stability).toBeCloseTo(2.3065, 4);
    expect(ms[1]?.stability).toBeCloseTo(0.63685069, 6);
    expect(ms[1]?.difficulty).toBeCloseTo(7.39450274, 6);
    expect(ms[1]?.lapses).toBe(1);
    expect(ms[4]?.stability).toBeCloseTo(22.12646407, 6);
  });

  it("first rating decides the first interval: Hard 2, Good 3, Easy 8 days", () => {
    expect(recordReview(newMemory(T0), true, 60_000, T0).scheduledDays).toBe(2);
    expect(recordReview(newMemory(T0), true, GOOD_MS, T0).scheduledDays).toBe(3);
    expect(recordReview(newMemory(T0), true, 3000, T0).scheduledDays).toBe(8);
  });

  it("agrees with ts-fsrs used directly", () => {
    const f = fsrs({ request_retention: 0.9, maximum_interval: 365, enable_fuzz: false, enable_short_term: false });
    const direct = f.next(createEmptyCard(new Date(T0)), new Date(T0), Rating.Good).card;
    const ours = recordReview(newMemory(T0), true, GOOD_MS, T0);
    expect(ours.stability).toBe(direct.stability);
    expect(ours.difficulty).toBe(direct.difficulty);
    expect(ours.due).toBe(direct.due.getTime());
  });

  it("counts one review per sitting: later attempts within 8 h return the same memory", () => {
    const first = recordReview(newMemory(T0), true, GOOD_MS, T0);
    expect(countsAsReview(first, T0 + HOUR)).toBe(false);
    expect(recordReview(first, false, GOOD_MS, T0 + HOUR)).toBe(first);
    expect(recordReview(first, true, GOOD_MS, T0 + 7 * HOUR)).toBe(first);
    const next = recordReview(first, true, GOOD_MS, T0 + 8 * HOUR);
    expect(next).not.toBe(first);
    expect(next.reps).toBe(2);
  });

  it("is plain JSON: survives a round trip through storage", () => {
    const [, m] = reviewAtDue([
      [true, GOOD_MS],
      [false, GOOD_MS],
    ]);
    const copy = JSON.parse(JSON.stringify(m)) as ReviewMemory;
    expect(copy).toEqual(m);
    expect(recordReview(copy, true, GOOD_MS, T0 + 30 * DAY)).toEqual(recordReview(m ?? copy, true, GOOD_MS, T0 + 30 * DAY));
  });
});

describe("retrievability, due and urgency", () => {
  const m = recordReview(newMemory(T0), true, GOOD_MS, T0); // S = 2.3065, due in 3 days

  it("is 1 right after a review and matches ts-fsrs at whole days", () => {
    expect(retrievability(m, T0)).toBe(1);
    expect(retrievability(m, T0 + 3 * DAY)).toBeCloseTo(0.88094796, 8);
    // continuous between whole days
    expect(retrievability(m, T0 + 2.5 * DAY)).toBeCloseTo(0.89437056, 8);
  });

  it("due and due-within", () => {
    expect(isDue(m, T0 + 2 * DAY)).toBe(false);
    expect(isDue(m, T0 + 3 * DAY)).toBe(true);
    expect(dueWithin(m, T0 + 2 * DAY, DAY)).toBe(true);
    expect(dueWithin(m, T0 + 2 * DAY, DAY - 1)).toBe(false);
  });

  it("orders the forgotten first: urgency grows with time and a due memory outranks a fresh one", () => {
    const now = T0 + 3 * DAY;
    const fresh = recordReview(newMemory(T0), true, GOOD_MS, now - HOUR);
    expect(reviewUrgency(m, now)).toBeGreaterThan(reviewUrgency(fresh, now));
    expect(reviewUrgency(m, now + 10 * DAY)).toBeGreaterThan(reviewUrgency(m, now));
    expect(reviewUrgency(m, now)).toBeGreaterThan(1 - DEFAULT_REVIEW_CONFIG.requestRetention);
    expect(reviewUrgency(m, now + 1000 * DAY)).toBeLessThanOrEqual(1);
  });
});
