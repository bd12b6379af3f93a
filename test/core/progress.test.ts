import { describe, expect, it } from "vitest";
import { computeProgress, dayDate, dayNumber, streakDays, summarizeAttempts } from "../../src/core/progress";
import type { ProgressInput } from "../../src/core/progress";
import { newMemory, recordReview } from "../../src/core/review";
import type { ReviewMemory, SkillState } from "../../src/core/types";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 2, 10, 12); // Monday 10 March 2025, 12:00 UTC

const graph = [
  { id: "count", prerequisites: [] },
  { id: "add", prerequisites: ["count"] },
  { id: "mul", prerequisites: ["add"] },
  { id: "sub", prerequisites: ["count"] },
];

function skill(skillId: string, over: Partial<SkillState> = {}): SkillState {
  return { skillId, mean: 0, variance: 1, attempts: 0, correct: 0, lastAttemptAt: null, ...over };
}

function input(over: Partial<ProgressInput> = {}): ProgressInput {
  return {
    now: NOW,
    skills: graph,
    skillStates: new Map(),
    memories: new Map(),
    attempts: { total: 0, correct: 0, totalResponseMs: 0, activeDays: [] },
    horizonDays: 7,
    utcOffsetMinutes: 0,
    ...over,
  };
}

describe("computeProgress", () => {
  it("a brand-new learner: nothing mastered, only the root is ready, no reviews, no accuracy", () => {
    const p = computeProgress(input());
    expect(p.masteryRule).toBe("P(θ > 1.39) ≥ 0.95 and attempts ≥ 5");
    expect(p.skills.map((s) => s.skillId)).toEqual(["count", "add", "mul", "sub"]);
    expect(p.skills.every((s) => !s.mastered)).toBe(true);
    expect(p.readyToLearn).toEqual(["count"]);
    expect(p.reviews.dueNow).toBe(0);
    expect(p.reviews.byDay).toHaveLength(7);
    expect(p.reviews.byDay[0]).toEqual({ date: "2025-03-10", count: 0 });
    expect(p.accuracy).toBeNull();
    expect(p.streakDays).toBe(0);
    expect(p.practiceTimeMs).toBe(0);
  });

  it("mastering a skill unlocks its dependants and gives them a neighbour prior", () => {
    const states = new Map([["count", skill("count", { mean: 3.5, variance: 0.1, attempts: 20, correct: 19 })]]);
    const p = computeProgress(input({ skillStates: states }));
    expect(p.skills.find((s) => s.skillId === "count")).toMatchObject({ mastered: true, attempts: 20 });
    expect(p.readyToLearn).toEqual(["add", "sub"]);
    const add = p.skills.find((s) => s.skillId === "add");
    expect(add?.mean).toBeCloseTo(1.75, 12); // ρ = 0.5 of the neighbour's 3.5
    expect(add?.mastered).toBe(false);
  });

  it("counts reviews due now and per day ahead", () => {
    const reviewed = (daysAgo: number): ReviewMemory => recordReview(newMemory(NOW - daysAgo * DAY), true, 20_000, NOW - daysAgo * DAY);
    // a first Good review is due 3 days later
    const memories = new Map([
      ["a", reviewed(5)], // overdue
      ["b", reviewed(3)], // due now
      ["c", reviewed(1)], // due in 2 days
      ["d", reviewed(0)], // due in 3 days
      ["e", newMemory(NOW)], // never reviewed: not counted
    ]);
    const p = computeProgress(input({ memories, horizonDays: 4 }));
    expect(p.reviews.dueNow).toBe(2);
    expect(p.reviews.byDay.map((d) => d.count)).toEqual([2, 0, 1, 1]);
    expect(p.reviews.byDay.map((d) => d.date)).toEqual(["2025-03-10", "2025-03-11", "2025-03-12", "2025-03-13"]);
  });

  it("reports accuracy, streak and practice time from the attempt summary", () => {
    const attempts = summarizeAttempts(
      [
        { at: NOW - 2 * DAY, correct: true, responseMs: 10_000 },
        { at: NOW - DAY, correct: false, responseMs: 30_000 },
        { at: NOW - HOUR, correct: true, responseMs: 5_000 },
        { at: NOW - HOUR, correct: true, responseMs: -1 },
      ],
      0,
    );
    const p = computeProgress(input({ attempts }));
    expect(p.attempts).toBe(4);
    expect(p.accuracy).toBeCloseTo(0.75, 12);
    expect(p.streakDays).toBe(3);
    expect(p.practiceTimeMs).toBe(45_000);
  });

  it("does not throw on a cyclic graph: input order instead", () => {
    const cyclic = [
      { id: "a", prerequisites: ["b"] },
      { id: "b", prerequisites: ["a"] },
    ];
    const p = computeProgress(input({ skills: cyclic }));
    expect(p.skills.map((s) => s.skillId)).toEqual(["a", "b"]);
    expect(p.readyToLearn).toEqual([]);
  });
});

describe("days and streaks", () => {
  it("numbers days in the learner's offset", () => {
    const late = Date.UTC(2025, 2, 9, 23, 30); // 23:30 UTC is already the 10th in UTC+2
    expect(dayDate(dayNumber(late, 0))).toBe("2025-03-09");
    expect(dayDate(dayNumber(late, 120))).toBe("2025-03-10");
    expect(dayDate(dayNumber(Date.UTC(2025, 2, 10, 2), -300))).toBe("2025-03-09");
  });

  it("a streak survives a day not yet practised, not a missed one", () => {
    const today = dayNumber(NOW, 0);
    expect(streakDays([today - 3, today - 2, today - 1], today)).toBe(3);
    expect(streakDays([today - 3, today - 2, today - 1, today], today)).toBe(4);
    expect(streakDays([today - 3, today - 2], today)).toBe(0);
    expect(streakDays([], today)).toBe(0);
  });

  it("the offset changes which days count", () => {
    // 22:30 UTC on two consecutive days and 00:30 UTC the day after the second:
    const times = [Date.UTC(2025, 2, 8, 22, 30), Date.UTC(2025, 2, 9, 22, 30), Date.UTC(2025, 2, 10, 0, 30)];
    const attempts = times.map((at) => ({ at, correct: true, responseMs: 1000 }));
    expect(summarizeAttempts(attempts, 0).activeDays).toHaveLength(3);
    expect(summarizeAttempts(attempts, 120).activeDays).toHaveLength(2); // UTC+2: 9th, 10th, 10th
  });
});
