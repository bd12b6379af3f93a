/**
 * Blueprints for mock tests: which content strata a test balances over, with target shares.
 *
 * A whole-course test ("all") balances over curriculum strands — a 40-item test cannot
 * cover 69 skills, but it can cover 13 strands in proportion. A strand test ("fractions")
 * balances over that strand's skills. A custom blueprint names skills directly. Each item
 * is mapped to its stratum through its primary skill. Pure.
 */
import type { BlueprintEntry } from "./cat";

export interface BlueprintSkill {
  readonly id: string;
  readonly strand: string;
}

export interface ResolvedBlueprint {
  readonly course: string;
  readonly blueprint: BlueprintEntry[];
  /** Primary skill id → stratum id used in the blueprint. */
  readonly strata: Record<string, string>;
}

export type BlueprintResult = { ok: true; value: ResolvedBlueprint } | { ok: false; reason: string };

/** The default blueprint of a course: "all" (by strand, equal shares) or one strand (by skill, equal shares). */
export function courseBlueprint(course: string, skills: readonly BlueprintSkill[]): BlueprintResult {
  if (course === "all") {
    const strands = [...new Set(skills.map((s) => s.strand))];
    if (strands.length === 0) return { ok: false, reason: "the curriculum has no skills" };
    return {
      ok: true,
      value: {
        course,
        blueprint: strands.map((strand) => ({ skillId: strand, target: 1 / strands.length })),
        strata: Object.fromEntries(skills.map((s) => [s.id, s.strand])),
      },
    };
  }
  const inStrand = skills.filter((s) => s.strand === course);
  if (inStrand.length === 0) {
    const known = [...new Set(skills.map((s) => s.strand))].join(", ");
    return { ok: false, reason: `unknown course "${course}"; courses are "all" or a strand: ${known}` };
  }
  return {
    ok: true,
    value: {
      course,
      blueprint: inStrand.map((s) => ({ skillId: s.id, target: 1 / inStrand.length })),
      strata: Object.fromEntries(inStrand.map((s) => [s.id, s.id])),
    },
  };
}

/** A caller-given blueprint over skills; targets are normalised by the CAT. */
export function customBlueprint(entries: readonly BlueprintEntry[], skills: readonly BlueprintSkill[]): BlueprintResult {
  const known = new Set(skills.map((s) => s.id));
  const unknown = entries.filter((e) => !known.has(e.skillId)).map((e) => e.skillId);
  if (unknown.length > 0) return { ok: false, reason: `unknown skills in blueprint: ${unknown.join(", ")}` };
  if (new Set(entries.map((e) => e.skillId)).size !== entries.length) return { ok: false, reason: "a skill appears twice in the blueprint" };
  const total = entries.reduce((a, e) => a + e.target, 0);
  if (!(total > 0)) return { ok: false, reason: "blueprint targets must add up to more than 0" };
  return {
    ok: true,
    value: { course: "custom", blueprint: entries.map((e) => ({ skillId: e.skillId, target: e.target / total })), strata: Object.fromEntries(entries.map((e) => [e.skillId, e.skillId])) },
  };
}
