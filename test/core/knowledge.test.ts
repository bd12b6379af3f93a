import { describe, expect, it } from "vitest";
import {
  DEFAULT_KNOWLEDGE_CONFIG,
  applyAttempt,
  describeMasteryRule,
  driftedVariance,
  isMastered,
  isReady,
  masteryProbability,
  newSkillState,
  normalCdf,
  predictBatch,
  predictCorrect,
  priorFromNeighbours,
  readiness,
  resolveSkills,
  sigmoid,
  updateItemDifficulty,
} from "../../src/core/knowledge";
import { neighbourMap } from "../../src/core/graph";
import type { ItemParams, SkillState } from "../../src/core/types";

const cfg = DEFAULT_KNOWLEDGE_CONFIG;
const DAY = 86_400_000;

function item(difficulty: number, over: Partial<ItemParams> = {}): ItemParams {
  return { id: "i", skillIds: ["a"], difficulty, discrimination: 1, guessing: 0, ...over };
}

function state(over: Partial<SkillState> = {}): SkillState {
  return { ...newSkillState("a"), ...over };
}

/** Applies one single-skill attempt and returns the new state. */
function step(s: SkillState, it: ItemParams, correct: boolean, now: number): SkillState {
  const [next] = applyAttempt(it, () => s, correct, now);
  if (!next) throw new Error("no state");
  return next;
}

describe("numeric helpers", () => {
  it("sigmoid is finite at extremes and symmetric", () => {
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1, 15);
  });
  it("normalCdf matches known quantiles", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 8);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(-1.6449)).toBeCloseTo(0.05, 4);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
  });
});

describe("predictCorrect", () => {
  it("a brand-new learner on an average item is at one half", () => {
    expect(predictCorrect(item(0), () => undefined)).toBe(0.5);
  });
  it("integrates uncertainty: μ=1, σ²=1 gives σ(1/√(1+π/8)) = 0.70001", () => {
    expect(predictCorrect(item(0), () => state({ mean: 1, variance: 1 }))).toBeCloseTo(0.700014, 6);
    // less uncertainty, more confident: tends to σ(1) = 0.731
    expect(predictCorrect(item(0), () => state({ mean: 1, variance: 0.01 }))).toBeCloseTo(0.73, 2);
  });
  it("never falls below the guessing floor", () => {
    const p = predictCorrect(item(6, { guessing: 0.25, discrimination: 4 }), () => state({ mean: -6, variance: 0.01 }));
    expect(p).toBeGreaterThanOrEqual(0.25);
    expect(p).toBeCloseTo(0.25, 6);
  });
  it("combines skills 0.7 primary / rest shared: θ = 0.7·1 + 0.15·(−1) + 0.15·(−1)", () => {
    const it3 = item(0.5, { skillIds: ["a", "b", "c"], discrimination: 1.5, guessing: 0.2 });
    const p = predictCorrect(it3, (id) => state({ skillId: id, mean: id === "a" ? 1 : -1, variance: 0.25 }));
    expect(p).toBeCloseTo(0.571677, 6);
  });
  it("predictBatch fills the same numbers and rejects a short buffer", () => {
    const items = [item(-1), item(0), item(2, { skillIds: ["a", "b"] })];
    const lookup = (id: string) => (id === "a" ? state({ mean: 0.5, variance: 0.3 }) : undefined);
    const out = predictBatch(items, lookup, cfg, new Float64Array(3));
    items.forEach((it, i) => expect(out[i]).toBe(predictCorrect(it, lookup)));
    expect(() => predictBatch(items, lookup, cfg, new Float64Array(2))).toThrow(RangeError);
  });
});

describe("applyAttempt", () => {
  it("first answer of a new learner: σ²' = 1/(1 + 0.25) = 0.8, μ' = ±0.8·0.5", () => {
    const right = step(newSkillState("a"), item(0), true, 1000);
    expect(right.mean).toBeCloseTo(0.4, 12);
    expect(right.variance).toBeCloseTo(0.8, 12);
    expect(right).toMatchObject({ attempts: 1, correct: 1, lastAttemptAt: 1000 });
    const wrong = step(newSkillState("a"), item(0), false, 1000);
    expect(wrong.mean).toBeCloseTo(-0.4, 12);
    expect(wrong).toMatchObject({ attempts: 1, correct: 0 });
  });

  it("surprises move more than expected outcomes, capped at maxStep", () => {
    const s = state({ mean: 0, variance: 1 });
    const easyRight = step(s, item(-3), true, 0).mean;
    const hardRight = step(s, item(3), true, 0).mean;
    expect(hardRight).toBeGreaterThan(easyRight);
    expect(step(state({ variance: 1 }), item(6, { discrimination: 4 }), true, 0).mean).toBeLessThanOrEqual(cfg.maxStep);
  });

  it("does not mutate its input", () => {
    const s = state();
    const copy = { ...s };
    step(s, item(0), true, 0);
    expect(s).toEqual(copy);
  });

  it("stays finite and bounded when everything is right or everything is wrong", () => {
    for (const correct of [true, false]) {
      for (const it of [item(0), item(-6, { discrimination: 4 }), item(6, { discrimination: 4, guessing: 0.25 })]) {
        let s = newSkillState("a");
        for (let i = 0; i < 500; i++) s = step(s, it, correct, i * 60_000);
        expect(Number.isFinite(s.mean)).toBe(true);
        expect(Math.abs(s.mean)).toBeLessThanOrEqual(cfg.thetaBound);
        expect(s.variance).toBeGreaterThanOrEqual(cfg.minVariance);
        expect(s.variance).toBeLessThanOrEqual(cfg.priorVariance);
        expect(s.attempts).toBe(500);
      }
    }
  });

  it("an adaptive all-right learner climbs to the bound, an all-wrong one falls", () => {
    let up = newSkillState("a");
    let down = newSkillState("a");
    for (let i = 0; i < 300; i++) {
      up = step(up, item(up.mean - 1), true, i * 60_000);
      down = step(down, item(down.mean + 1), false, i * 60_000);
    }
    expect(up.mean).toBe(cfg.thetaBound);
    expect(down.mean).toBe(-cfg.thetaBound);
  });

  it("multi-skill: updates every tagged skill; an uncertain secondary skill absorbs its share", () => {
    const it3 = item(0, { skillIds: ["a", "b", "c"], discrimination: 1.2, guessing: 0.2 });
    const known = state({ skillId: "a", variance: 0.2, attempts: 10, correct: 5 });
    const after = applyAttempt(it3, (id) => (id === "a" ? known : undefined), true, 5000);
    expect(after.map((s) => s.skillId)).toEqual(["a", "b", "c"]);
    const [a, b, c] = after;
    expect(a?.mean).toBeCloseTo(0.055464, 6);
    expect(a?.variance).toBeCloseTo(0.200225, 6);
    expect(b?.mean).toBeCloseTo(0.057976, 6);
    expect(c?.mean).toBe(b?.mean);
    expect(a).toMatchObject({ attempts: 11, correct: 6 });
    // b weighs 0.15 against a's 0.7 but is five times less certain, so it moves as far.
    expect(b?.mean ?? 0).toBeGreaterThan(a?.mean ?? 1);
  });

  it("learning from practice (off by default): the mean drifts up by gain · h / (h + n), shared by skill weight", () => {
    expect(cfg.learningGain).toBe(0);
    const learning = { ...cfg, learningGain: 0.16, learningHalfAttempts: 3 };
    for (const [attempts, correct] of [[0, true], [0, false], [9, true], [27, false]] as const) {
      const s = state({ mean: 0.3, variance: 0.4, attempts });
      const plain = applyAttempt(item(0.5), () => s, correct, 0)[0];
      const learnt = applyAttempt(item(0.5), () => s, correct, 0, learning)[0];
      // The evidence's update is the same; the drift comes on top, smaller the more practised the skill.
      expect((learnt?.mean ?? 0) - (plain?.mean ?? 0)).toBeCloseTo((0.16 * 3) / (3 + attempts), 12);
      expect(learnt?.variance).toBe(plain?.variance);
    }
    // Two skills: each drifts by its own weight (0.7 primary, 0.3 secondary) and its own count.
    const a = state({ skillId: "a", attempts: 1 });
    const b = state({ skillId: "b", attempts: 5 });
    const lookup = (id: string) => (id === "a" ? a : b);
    const two = item(0, { skillIds: ["a", "b"] });
    const plain = applyAttempt(two, lookup, true, 0);
    const learnt = applyAttempt(two, lookup, true, 0, learning);
    expect((learnt[0]?.mean ?? 0) - (plain[0]?.mean ?? 0)).toBeCloseTo((0.7 * 0.16 * 3) / 4, 12);
    expect((learnt[1]?.mean ?? 0) - (plain[1]?.mean ?? 0)).toBeCloseTo((0.3 * 0.16 * 3) / 8, 12);
  });

  it("a break adds variance (ability drifts), never beyond the prior", () => {
    const s = state({ variance: 0.2, attempts: 20, lastAttemptAt: 0 });
    expect(driftedVariance(s, 0)).toBeCloseTo(0.205, 12);
    expect(driftedVariance(s, 30 * DAY)).toBeCloseTo(0.505, 12);
    expect(driftedVariance(s, 3650 * DAY)).toBe(cfg.priorVariance);
  });
});

describe("mastery", () => {
  it("states its rule", () => {
    expect(describeMasteryRule()).toBe("P(θ > 1.39) ≥ 0.95 and attempts ≥ 5");
  });
  it("a brand-new learner has low mastery probability and is not mastered", () => {
    expect(masteryProbability(newSkillState("a"))).toBeCloseTo(0.0828, 4);
    expect(isMastered(newSkillState("a"))).toBe(false);
    expect(isMastered(undefined)).toBe(false);
  });
  it("needs the minimum number of attempts even with a confident belief", () => {
    expect(isMastered(state({ mean: 4, variance: 0.05, attempts: 4 }))).toBe(false);
    expect(isMastered(state({ mean: 4, variance: 0.05, attempts: 5 }))).toBe(true);
  });
  it("rises with correct answers on items at the learner's level", () => {
    let s = newSkillState("a");
    let previous = masteryProbability(s);
    let masteredAt = -1;
    for (let i = 0; i < 40; i++) {
      s = step(s, item(s.mean - 1.1), true, i * 60_000);
      const m = masteryProbability(s);
      expect(m).toBeGreaterThan(previous);
      previous = m;
      if (masteredAt < 0 && isMastered(s)) masteredAt = i + 1;
    }
    // Locked: 22 consecutive right answers on items a logit below θ establish mastery from scratch.
    expect(masteredAt).toBe(22);
  });
  it("is higher after right answers than after wrong ones, for any item", () => {
    for (const b of [-3, -1, 0, 1, 3]) {
      let right = newSkillState("a");
      let wrong = newSkillState("a");
      for (let i = 0; i < 10; i++) {
        right = step(right, item(b), true, i);
        wrong = step(wrong, item(b), false, i);
      }
      expect(masteryProbability(right)).toBeGreaterThan(masteryProbability(wrong));
    }
  });
});

describe("neighbour priors and readiness", () => {
  const graph = [
    { id: "add", prerequisites: [] },
    { id: "mul", prerequisites: ["add"] },
    { id: "div", prerequisites: ["mul"] },
  ];
  const strong: SkillState = { skillId: "add", mean: 2, variance: 0.2, attempts: 10, correct: 9, lastAttemptAt: 0 };

  it("derives a prior from a practised neighbour: μ = ρ·2 = 1, σ² = 0.75 + 0.25·0.2 = 0.8", () => {
    const p = priorFromNeighbours("mul", [strong]);
    expect(p.mean).toBeCloseTo(1, 12);
    expect(p.variance).toBeCloseTo(0.8, 12);
    expect(p.variance).toBeGreaterThan(strong.variance);
    expect(p.attempts).toBe(0);
  });
  it("ignores unpractised neighbours and falls back to the population prior", () => {
    expect(priorFromNeighbours("mul", [newSkillState("add")])).toEqual(newSkillState("mul"));
  });
  it("resolveSkills: stored when practised, neighbour prior otherwise (one hop only)", () => {
    const stored = new Map([["add", strong]]);
    const resolve = resolveSkills((id) => stored.get(id), neighbourMap(graph));
    expect(resolve("add")).toBe(strong);
    expect(resolve("mul").mean).toBeCloseTo(1, 12);
    expect(resolve("mul")).toBe(resolve("mul"));
    expect(resolve("div")).toEqual(newSkillState("div"));
  });
  it("a first attempt starts from the neighbour prior", () => {
    const stored = new Map([["add", strong]]);
    const resolve = resolveSkills((id) => stored.get(id), neighbourMap(graph));
    const [mul] = applyAttempt(item(1, { skillIds: ["mul"] }), resolve, true, 0);
    expect(mul?.mean).toBeGreaterThan(1);
  });
  it("isReady needs every prerequisite mastered; readiness grades it", () => {
    const mastered = state({ skillId: "add", mean: 4, variance: 0.05, attempts: 10 });
    expect(isReady([], () => undefined)).toBe(true);
    expect(isReady(["add"], () => undefined)).toBe(false);
    expect(isReady(["add"], () => mastered)).toBe(true);
    expect(readiness(["add"], () => undefined)).toBe(0);
    expect(readiness(["add"], () => mastered)).toBe(1);
    expect(readiness(["add"], () => state({ mean: 1.386 }))).toBeCloseTo(0.5, 3);
  });
});

describe("updateItemDifficulty (Elo)", () => {
  it("a new item answered right at P = 0.5 gets easier by K/2 = 0.4", () => {
    expect(updateItemDifficulty(item(0), 0, true, 0)).toBeCloseTo(-0.4, 12);
    expect(updateItemDifficulty(item(0), 0, false, 0)).toBeCloseTo(0.4, 12);
  });
  it("settled items move less: K = 0.8 / (1 + 0.05·100)", () => {
    expect(updateItemDifficulty(item(0), 0, true, 100)).toBeCloseTo(-0.0666667, 6);
  });
  it("stays within the schema range", () => {
    expect(updateItemDifficulty(item(6), -6, false, 0)).toBe(6);
    expect(updateItemDifficulty(item(-6), 6, true, 0)).toBe(-6);
  });
});
