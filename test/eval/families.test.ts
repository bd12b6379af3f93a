/**
 * The teaching study's learner families and their fits: each family's defining assumption
 * holds, the fits recover known parameters from data simulated with them, and the study's
 * plumbing (the production grader, intervals) does what the report says.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDemoBank } from "../../src/content/generate/index";
import { DEFAULT_ENGINE_CONFIG } from "../../src/core/engine";
import { gradeResponse } from "../../src/core/grading";
import { mulberry32 } from "../../src/core/random";
import type { ItemParams } from "../../src/core/types";
import { BktLearner, learnerFamilies } from "../../src/eval/families";
import { POLICY_NAMES } from "../../src/eval/policies";
import { fitBkt, fitPfa } from "../../src/eval/sim-fit";
import { SimLearner, buildWorld, drawTraits } from "../../src/eval/simulator";
import { meanCi } from "../../src/eval/stats";
import { DEFAULT_TEACH, engineAdvantage, intervalSummaries, prepareBank, responseFor, runLearner, runTeachingStudy } from "../../src/eval/teach";
import type { Family } from "../../src/eval/families";
import type { TrueLearner } from "../../src/eval/simulator";
import type { StudentSequence } from "../../src/ml/dataset";
import { modelFromJson } from "../../src/ml/model";
import { CURRENT } from "../../src/ml/recipes";

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 6, 17);
const skills = [
  { id: "base", position: 0, prerequisites: [] },
  { id: "next", position: 1, prerequisites: ["base"] },
];
const items: ItemParams[] = ["base", "next"].flatMap((s) => Array.from({ length: 9 }, (_, i) => ({ id: `${s}${i}`, skillIds: [s], difficulty: (i - 4) / 2, discrimination: 1, guessing: 0 })));
const world = buildWorld(skills, items);
const FIT = { init: 0.3, learn: 0.2, guess: 0.2, slip: 0.1, logLik: 0, answers: 0 };

describe("BKT learners", () => {
  it("answer at 1 − S when the skill is known and at G when not, whatever the item's difficulty", () => {
    for (let seed = 1; seed < 40; seed++) {
      const l = new BktLearner(world, drawTraits(seed), T0, FIT);
      const expected = l.isMastered("base", T0) ? 1 - FIT.slip : FIT.guess;
      for (const b of [-3, 0, 3]) expect(l.pCorrect({ ...items[0], difficulty: b } as ItemParams, T0)).toBeCloseTo(expected, 12);
    }
  });

  it("learn only once the prerequisite is known, and forget a learned skill over months", () => {
    let seed = 1;
    let l = new BktLearner(world, drawTraits(seed), T0, FIT);
    while (l.isMastered("base", T0) || l.isMastered("next", T0)) l = new BktLearner(world, drawTraits(++seed), T0, FIT);
    const next = items[9] as ItemParams;
    const base = items[0] as ItemParams;
    for (let k = 0; k < 50; k++) l.answer(next, T0 + k * 60_000);
    expect(l.isMastered("next", T0 + DAY / 2)).toBe(false);
    let t = T0 + DAY;
    for (let k = 0; k < 200 && !l.isMastered("base", t); k++) l.answer(base, (t += 60_000));
    expect(l.isMastered("base", t)).toBe(true);
    for (let k = 0; k < 200 && !l.isMastered("next", t); k++) l.answer(next, (t += 60_000));
    expect(l.isMastered("next", t)).toBe(true);
    // Known at t iff R(t) ≥ u for a uniform u: after five years R is far below almost every u.
    const forgotten = Array.from({ length: 30 }, (_, s) => {
      const m = new BktLearner(world, drawTraits(100 + s), T0, { ...FIT, init: 0.01, learn: 1 });
      m.answer(base, T0);
      return m.isMastered("base", T0 + 1) && !m.isMastered("base", T0 + 5 * 365 * DAY);
    });
    expect(forgotten.filter(Boolean).length).toBeGreaterThan(20);
  });
});

describe("BKT learners' old knowledge", () => {
  it("stays known after practice: arriving knowledge keeps the longest stability", () => {
    const kept = Array.from({ length: 40 }, (_, s) => {
      const m = new BktLearner(world, drawTraits(200 + s), T0, { ...FIT, init: 0.99 });
      if (!m.isMastered("base", T0)) return true;
      m.answer(items[0] as ItemParams, T0);
      return m.isMastered("base", T0 + 60 * DAY);
    });
    expect(kept.filter(Boolean).length).toBeGreaterThanOrEqual(36);
  });
});

describe("outcome-gain learners (PFA family)", () => {
  it("gain γ-scaled logits on a success and lose on a failure, never below the start", () => {
    const params = { gain: { kind: "outcome" as const, correct: 0.3, wrong: -0.1 }, forgetting: "power" as const, ceilingAboveMedian: 4 };
    const traits = drawTraits(5);
    const rate = traits.learningRate / 0.15;
    let seed = 5;
    let l = new SimLearner(world, traits, T0, params);
    while (!l.prerequisitesMastered("base", T0)) l = new SimLearner(world, drawTraits(++seed), T0, params);
    const start = l.theta("base", T0);
    l.practise(items[0] as ItemParams, T0, undefined, true);
    expect(l.theta("base", T0) - start).toBeCloseTo(0.3 * (l.traits.learningRate / 0.15), 12);
    l.practise(items[0] as ItemParams, T0, undefined, false);
    expect(l.theta("base", T0) - start).toBeCloseTo(0.2 * (l.traits.learningRate / 0.15), 12);
    for (let k = 0; k < 20; k++) l.practise(items[0] as ItemParams, T0, undefined, false);
    expect(l.theta("base", T0)).toBe(start);
    expect(rate).toBeGreaterThan(0);
  });
});

function simulateBkt(students: number, fit: typeof FIT, seed: number): StudentSequence[] {
  const rng = mulberry32(seed);
  return Array.from({ length: students }, (_, s) => {
    const known = new Map<string, boolean>();
    const interactions = Array.from({ length: 60 }, () => {
      const skill = `k${Math.floor(rng() * 5)}`;
      const k = known.get(skill) ?? rng() < fit.init;
      const correct = rng() < (k ? 1 - fit.slip : fit.guess);
      known.set(skill, k || rng() < fit.learn);
      return { itemId: skill, skillIds: [skill], correct };
    });
    return { studentId: `s${s}`, fold: 1, interactions };
  });
}

describe("fits", () => {
  it("BKT recovers the parameters it simulated", () => {
    const fit = fitBkt(simulateBkt(400, FIT, 3));
    expect(fit.init).toBeCloseTo(FIT.init, 1);
    expect(fit.learn).toBeCloseTo(FIT.learn, 1);
    expect(fit.guess).toBeCloseTo(FIT.guess, 1);
    expect(fit.slip).toBeCloseTo(FIT.slip, 1);
  });

  it("PFA recovers γ and ρ from data with student and skill intercepts", () => {
    const rng = mulberry32(9);
    const students: StudentSequence[] = Array.from({ length: 800 }, (_, s) => {
      const alpha = 0.8 * (rng() * 2 - 1);
      const wins = new Map<string, number>();
      const losses = new Map<string, number>();
      const interactions = Array.from({ length: 40 }, () => {
        const skill = `k${Math.floor(rng() * 4)}`;
        const beta = Number(skill.slice(1)) / 2 - 1;
        const z = alpha + beta + 0.2 * (wins.get(skill) ?? 0) + 0.05 * (losses.get(skill) ?? 0);
        const correct = rng() < 1 / (1 + Math.exp(-z));
        (correct ? wins : losses).set(skill, ((correct ? wins : losses).get(skill) ?? 0) + 1);
        return { itemId: skill, skillIds: [skill], correct };
      });
      return { studentId: `s${s}`, fold: 1, interactions };
    });
    const fit = fitPfa(students);
    expect(fit.correct).toBeGreaterThan(0.15);
    expect(fit.correct).toBeLessThan(0.25);
    expect(fit.wrong).toBeGreaterThan(0);
    expect(fit.wrong).toBeLessThan(0.12);
  });
});

describe("study plumbing", () => {
  it("builds responses the production grader marks right and wrong, for every answer type in the bank", () => {
    const bank = generateDemoBank(1);
    const types = new Set<string>();
    for (const item of bank.items) {
      types.add(item.answer.type);
      for (const correct of [true, false]) {
        const g = gradeResponse(item.answer, responseFor(item, correct), { choiceCount: item.choices?.length });
        expect(g.ok && g.correct).toBe(correct);
      }
    }
    expect(types.size).toBeGreaterThanOrEqual(2);
  });

  it("counts attempts on skills already mastered, and those the engine's rule had not yet called mastered", () => {
    const bank = generateDemoBank(1);
    const prep = prepareBank(bank);
    // Stub learners: one who has mastered every skill (and always answers right), one who has mastered none.
    const stub = (known: boolean): Family => ({
      key: "bell-0.7",
      label: known ? "knows everything" : "knows nothing",
      origin: "test",
      create: (_w, traits): TrueLearner => ({
        traits,
        pCorrect: () => (known ? 1 : 0),
        skillProbability: () => (known ? 1 : 0),
        isMastered: () => known,
        masteredCount: () => (known ? prep.world.skills.length : 0),
        answer: () => ({ correct: known, responseMs: 10_000, pTrue: known ? 1 : 0 }),
      }),
    });
    const options = { ...DEFAULT_TEACH, attempts: 320, checkpoints: [320], config: DEFAULT_ENGINE_CONFIG };
    const all = runLearner(prep, bank, "engine", 7, { ...options, family: stub(true) });
    const none = runLearner(prep, bank, "engine", 7, { ...options, family: stub(false) });
    expect(all.onMastered).toBe(320);
    // Every answer right: the engine's rule needs several of them per skill before it agrees
    // and moves on; its reviews of skills it already calls mastered are not over-practice.
    expect(all.distinctSkills).toBeGreaterThan(10);
    expect(all.beforeRule).toBeGreaterThan(0);
    expect(all.beforeRule).toBeLessThan(all.onMastered);
    expect(none.onMastered).toBe(0);
    expect(none.beforeRule).toBe(0);
  });

  it("meanCi: the mean and a Student-t half-width", () => {
    const c = meanCi([1, 2, 3, 4]);
    expect(c.mean).toBe(2.5);
    expect(c.half).toBeCloseTo((3.182 * Math.sqrt(5 / 3)) / 2, 9);
    expect(meanCi([1, Number.NaN]).half).toBeNaN();
  });

  it("runs every family and policy, the model in the loop, reproducibly", () => {
    const bank = generateDemoBank(1);
    const model = modelFromJson(JSON.parse(readFileSync(resolve(__dirname, `../../models/${CURRENT.version}.json`), "utf8")));
    const fams = learnerFamilies({ bkt: FIT, pfa: { correct: 0.1, wrong: 0.02, logLik: 0, answers: 0 }, source: "test" });
    const options = { ...DEFAULT_TEACH, replicates: 2, learners: 2, attempts: 60, checkpoints: [60], policies: POLICY_NAMES, config: DEFAULT_ENGINE_CONFIG, model };
    const one = runTeachingStudy(bank, fams, options);
    const two = runTeachingStudy(bank, fams, options);
    expect(one.map((f) => f.key)).toEqual(["bell-0.7", "bkt", "pfa-power", "bell-0.4"]);
    for (const [k, f] of one.entries()) {
      expect(f.replicates).toHaveLength(2);
      expect(f.replicates[1]?.options.seed).toBe((f.replicates[0]?.options.seed ?? 0) + 1);
      expect(intervalSummaries(f)).toEqual(intervalSummaries(two[k] ?? f));
      expect(intervalSummaries(f).map((s) => s.policy)).toEqual([...POLICY_NAMES]);
      for (const t of f.replicates) for (const p of t.policies) for (const r of p.runs) expect(r.served).toBe(60);
    }
    expect(one.every((f) => engineAdvantage(f)?.engine === "engine-model")).toBe(true);
    // The model is really consulted: without it the policy refuses to run.
    const { model: _m, ...noModel } = options;
    expect(() => runTeachingStudy(bank, fams.slice(0, 1), { ...noModel, replicates: 1 })).toThrow(/needs the correctness model/);
  });
});
