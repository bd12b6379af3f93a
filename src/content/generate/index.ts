/**
 * The demo content bank: a connected curriculum from whole-number arithmetic to systems of
 * linear equations, about 100 generated items per skill. Pure and deterministic: the same
 * seed gives byte-identical output (each skill draws from its own stream seeded by
 * (seed, skill id), so editing one strand leaves every other skill's items unchanged).
 *
 * @example
 *   const { skills, items } = generateDemoBank(1);
 */
import type { Item, Skill } from "../schema";
import type { StrandDef } from "./kit";
import { buildSkillItems, toSkill } from "./kit";
import { numberStrand } from "./number";
import { multiplicationStrand } from "./multiplication";
import { factorsStrand } from "./factors";
import { fractionsStrand } from "./fractions";
import { decimalsStrand } from "./decimals";
import { percentStrand } from "./percent";
import { ratiosStrand } from "./ratios";
import { integersStrand } from "./integers";
import { expressionsStrand } from "./expressions";
import { equationsStrand } from "./equations";
import { inequalitiesStrand } from "./inequalities";
import { functionsStrand } from "./functions";
import { systemsStrand } from "./systems";

/** Teaching order: a skill's prerequisites always come from an earlier or the same strand, earlier in the list. */
export const STRANDS: readonly StrandDef[] = [
  numberStrand,
  multiplicationStrand,
  factorsStrand,
  fractionsStrand,
  decimalsStrand,
  percentStrand,
  ratiosStrand,
  integersStrand,
  expressionsStrand,
  equationsStrand,
  inequalitiesStrand,
  functionsStrand,
  systemsStrand,
];

export interface DemoBank {
  skills: Skill[];
  items: Item[];
}

export function generateDemoBank(seed = 1): DemoBank {
  const defs = STRANDS.flatMap((s) => s.skills.map((def) => ({ def, strand: s.strand })));
  const skills: Skill[] = [];
  const items: Item[] = [];
  defs.forEach(({ def, strand }, position) => {
    skills.push(toSkill(def, strand, position));
    items.push(...buildSkillItems(def, strand, seed));
  });
  return { skills, items };
}
