/**
 * A deterministic learner and candidate set for measuring the engine's cost (scripts and
 * the worker's benchmark route use it): `skills` skills in a chain, `perSkill` items each,
 * a learner with some history. Pure.
 */
import { buildCurriculum } from "./engine";
import type { Curriculum, LearnerView } from "./engine";
import { newMemory, recordReview } from "./review";
import { mulberry32 } from "./random";
import type { ItemParams, ReviewMemory, SkillState } from "./types";

export interface BenchFixture {
  curriculum: Curriculum;
  view: LearnerView;
  items: ItemParams[];
  now: number;
}

export function benchFixture(candidates = 500, skills = 5, seed = 7): BenchFixture {
  const rng = mulberry32(seed);
  const now = Date.UTC(2026, 0, 1);
  const skillIds = Array.from({ length: skills }, (_, i) => `bench.s${i}`);
  const curriculum = buildCurriculum(skillIds.map((id, i) => ({ id, position: i, prerequisites: i > 0 ? [skillIds[i - 1] ?? ""] : [] })));
  const items: ItemParams[] = Array.from({ length: candidates }, (_, i) => ({
    id: `bench-${String(i).padStart(4, "0")}`,
    skillIds: [skillIds[i % skills] ?? ""],
    difficulty: rng() * 4 - 2,
    discrimination: 0.8 + rng(),
    guessing: rng() < 0.7 ? 0.25 : 0,
  }));
  const states = new Map<string, SkillState>(
    skillIds.map((id, i) => [id, { skillId: id, mean: 1.5 - i * 0.5, variance: 0.3, attempts: 10, correct: 7, lastAttemptAt: now - 86_400_000 }]),
  );
  const memories = new Map<string, ReviewMemory>(skillIds.map((id) => [id, recordReview(newMemory(now - 5 * 86_400_000), true, 9000, now - 5 * 86_400_000)]));
  const lastSeen = new Map(items.filter((_, i) => i % 7 === 0).map((it) => [it.id, now - 3_600_000]));
  const view: LearnerView = {
    skill: (id) => states.get(id),
    memory: (id) => memories.get(id),
    lastSeen: (id) => lastSeen.get(id) ?? null,
    sessionItemIds: new Set(items.slice(0, 10).map((i) => i.id)),
    recentSkillIds: [skillIds[0] ?? ""],
    goalSkillIds: new Set([skillIds[2] ?? ""]),
    reviewedSkillIds: skillIds,
  };
  return { curriculum, view, items, now };
}
