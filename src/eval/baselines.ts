/**
 * Baseline success rates for the prediction study (src/eval/predict.ts): what an
 * item's or a skill's training answers alone say, with no learner model at all.
 */
import type { Interaction, StudentSequence } from "../ml/dataset";
import type { SkillMapping } from "../ml/difficulty";

export interface RateTable {
  readonly global: number;
  readonly bySkill: ReadonlyMap<string, number>;
  readonly byItem: ReadonlyMap<string, number>;
}

/**
 * Baseline success rates from training answers, each shrunk to the level above it with
 * m pseudo-answers (item → its primary skill, m = 5; skill → overall, m = 20), so an item
 * seen twice is not predicted at 0 or 1. Unseen items fall back to their skill, then overall.
 */
export function fitRates(train: readonly StudentSequence[], mapping: SkillMapping): RateTable {
  let n = 0;
  let k = 0;
  const skillN = new Map<string, number>();
  const skillK = new Map<string, number>();
  const itemN = new Map<string, number>();
  const itemK = new Map<string, number>();
  const primaryOf = new Map<string, string>();
  for (const s of train) {
    for (const x of s.interactions) {
      const y = x.correct ? 1 : 0;
      const skill = mapping(x)[0] ?? "";
      n++;
      k += y;
      skillN.set(skill, (skillN.get(skill) ?? 0) + 1);
      skillK.set(skill, (skillK.get(skill) ?? 0) + y);
      itemN.set(x.itemId, (itemN.get(x.itemId) ?? 0) + 1);
      itemK.set(x.itemId, (itemK.get(x.itemId) ?? 0) + y);
      if (!primaryOf.has(x.itemId)) primaryOf.set(x.itemId, skill);
    }
  }
  const global = n > 0 ? k / n : 0.5;
  const bySkill = new Map<string, number>();
  for (const [s, sn] of skillN) bySkill.set(s, ((skillK.get(s) ?? 0) + 20 * global) / (sn + 20));
  const byItem = new Map<string, number>();
  for (const [item, inN] of itemN) {
    const prior = bySkill.get(primaryOf.get(item) ?? "") ?? global;
    byItem.set(item, ((itemK.get(item) ?? 0) + 5 * prior) / (inN + 5));
  }
  return { global, bySkill, byItem };
}

export function rateFor(table: RateTable, mapping: SkillMapping, x: Interaction): number {
  return table.byItem.get(x.itemId) ?? table.bySkill.get(mapping(x)[0] ?? "") ?? table.global;
}
