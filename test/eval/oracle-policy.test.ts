import { describe, expect, it } from "vitest";
import { generateDemoBank } from "../../src/content/generate/index";
import { candidateSkills, DEFAULT_ENGINE_CONFIG } from "../../src/core/engine";
import { SimLearnerView } from "../../src/core/sim-view";
import type { ItemParams } from "../../src/core/types";
import { mulberry32 } from "../../src/core/random";
import { makePolicy } from "../../src/eval/policies";
import { SIM_START, prepareBank } from "../../src/eval/teach";

const bank = generateDemoBank(1);
const prep = prepareBank(bank);

function context(truth?: (item: ItemParams, now: number) => number) {
  return { view: new SimLearnerView(), curriculum: prep.curriculum, items: bank.items, itemsBySkill: prep.itemsBySkill, config: DEFAULT_ENGINE_CONFIG, rng: mulberry32(3), ...(truth ? { truth } : {}) };
}

describe("engine-oracle (the bound on any predictor)", () => {
  it("ranks the engine's candidates by the learner's TRUE P(correct), not by the knowledge model", () => {
    const skills = candidateSkills(new SimLearnerView(), prep.curriculum, "practice", SIM_START, DEFAULT_ENGINE_CONFIG);
    const candidates = skills.flatMap((s) => prep.itemsBySkill.get(s) ?? []);
    expect(candidates.length).toBeGreaterThan(4);
    // The engine on its own beliefs, for comparison: the oracle must be able to disagree with it.
    const ctx = context();
    const policy = makePolicy("engine");
    policy.startSession(ctx, SIM_START);
    const own = policy.choose(ctx, SIM_START);
    // Every candidate far too hard but one, in the engine's band: that one is chosen, whichever it is.
    for (const target of [candidates[0], candidates[candidates.length - 1], candidates.find((c) => c.id !== own.id)]) {
      if (!target) throw new Error("no candidate");
      const oracleCtx = context((item) => (item.id === target.id ? 0.75 : 0.02));
      const oracle = makePolicy("engine-oracle");
      oracle.startSession(oracleCtx, SIM_START);
      expect(oracle.choose(oracleCtx, SIM_START).id).toBe(target.id);
    }
  });

  it("refuses to run without the learner's truth", () => {
    const ctx = context();
    const oracle = makePolicy("engine-oracle");
    oracle.startSession(ctx, SIM_START);
    expect(() => oracle.choose(ctx, SIM_START)).toThrow(/needs the learner's truth/);
  });
});
