import { describe, expect, it } from "vitest";
import { mulberry32, normalDraw } from "../../src/core/random";
import type { ItemParams } from "../../src/core/types";
import type { StudentSequence } from "../../src/ml/dataset";
import { NO_RATES, RATE_TERMS, fitSkillRates, rateColumns } from "../../src/ml/skill-rates";

// Students answer items of two skills drawn from a known PFA: one skill learned fast (each
// success and failure raises the chance), one barely. The fit must tell them apart.
const TRUE = { fast: { beta: 0, gamma: 0.8, rho: 0.3 }, slow: { beta: 0, gamma: 0.05, rho: 0 } } as const;
const difficulty = new Map<string, number>();
const toItem = (x: { itemId: string; skillIds: readonly string[] }): ItemParams => ({
  id: x.itemId,
  skillIds: x.skillIds,
  difficulty: difficulty.get(x.itemId) ?? 0,
  discrimination: 1,
  guessing: 0,
});

function simulate(students: number, answers: number, seed: number): StudentSequence[] {
  const rng = mulberry32(seed);
  for (let i = 0; i < 40; i++) difficulty.set(`item-${i}`, normalDraw(rng, 0, 0.5));
  return Array.from({ length: students }, (_, s) => {
    const alpha = normalDraw(rng, 0, 0.5);
    const counts = { fast: { s: 0, f: 0 }, slow: { s: 0, f: 0 } };
    const interactions = Array.from({ length: answers }, (_, n) => {
      const skill = n % 2 === 0 ? "fast" : "slow";
      const itemId = `item-${(skill === "fast" ? 0 : 20) + Math.floor(rng() * 20)}`;
      const t = TRUE[skill];
      const c = counts[skill];
      const z = alpha - (difficulty.get(itemId) ?? 0) + t.beta + t.gamma * Math.log1p(c.s) + t.rho * Math.log1p(c.f);
      const correct = rng() < 1 / (1 + Math.exp(-z));
      if (correct) c.s++;
      else c.f++;
      return { itemId, skillIds: [skill], correct };
    });
    return { studentId: `s${s}`, fold: 1, interactions };
  });
}

describe("learning rates per skill (src/ml/skill-rates.ts)", () => {
  const students = simulate(600, 24, 11);
  const rates = fitSkillRates(students, toItem, (item) => item.skillIds, RATE_TERMS.pfa);

  it("recovers each skill's own growth with practice", () => {
    // What the data identify is the growth: successes and failures move together with the
    // learner's ability, so γ and ρ trade off; their learning term after ten answers (five
    // right, five wrong) is pinned.
    const growth = (g: number, r: number) => (g + r) * Math.log1p(5);
    const fitted = (skill: "fast" | "slow") => growth(rates.weights.get(skill)?.[1] ?? Number.NaN, rates.weights.get(skill)?.[2] ?? Number.NaN);
    expect(Math.abs(fitted("fast") - growth(TRUE.fast.gamma, TRUE.fast.rho))).toBeLessThan(0.4);
    expect(Math.abs(fitted("slow") - growth(TRUE.slow.gamma, TRUE.slow.rho))).toBeLessThan(0.4);
    expect(fitted("fast") - fitted("slow")).toBeGreaterThan(1.5);
  });

  it("is deterministic", () => {
    const again = fitSkillRates(students, toItem, (item) => item.skillIds, RATE_TERMS.pfa);
    expect([...again.weights.get("fast") ?? []]).toEqual([...rates.weights.get("fast") ?? []]);
  });

  it("writes the item's coefficients and a learning term from earlier answers only", () => {
    const columns = rateColumns(rates, (item) => item.skillIds, RATE_TERMS.pfa);
    const item = toItem({ itemId: "item-0", skillIds: ["fast"] });
    const out = new Float32Array(4);
    columns.write(item, out, 0);
    const w = rates.weights.get("fast") ?? new Float64Array(3);
    expect([...out]).toEqual([w[0], w[1], w[2], 0].map((v) => Math.fround(v ?? 0)));
    columns.record(item, true);
    columns.record(item, false);
    columns.write(item, out, 0);
    expect(out[3]).toBeCloseTo((w[1] ?? 0) * Math.log1p(1) + (w[2] ?? 0) * Math.log1p(1), 5);
    // A skill the table does not know writes zeros.
    const unknown = rateColumns(NO_RATES, (i) => i.skillIds, RATE_TERMS.pfa);
    unknown.write(item, out, 0);
    expect([...out]).toEqual([0, 0, 0, 0]);
  });
});
