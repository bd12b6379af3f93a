/**
 * Timing check for the hot path of `next()`: predict and score 500 candidates.
 * Not a test (timings vary by machine); run with `npx tsx scripts/time-core-scoring.ts`.
 */
import { DEFAULT_KNOWLEDGE_CONFIG, predictBatch } from "../src/core/knowledge";
import { mulberry32 } from "../src/core/random";
import { scoreCandidates } from "../src/core/scoring";
import type { Candidate, ScoringContext } from "../src/core/scoring";
import type { ItemParams, SkillState } from "../src/core/types";

const N = 500;
const SKILLS = 25;
const now = Date.UTC(2025, 5, 1);
const rng = mulberry32(42);

const states = new Map<string, SkillState>();
for (let s = 0; s < SKILLS; s++) {
  states.set(`skill${s}`, { skillId: `skill${s}`, mean: rng() * 4 - 2, variance: 0.1 + rng() * 0.5, attempts: 10, correct: 7, lastAttemptAt: now - 86_400_000 });
}
const items: ItemParams[] = [];
const candidates: Candidate[] = [];
for (let i = 0; i < N; i++) {
  const primary = `skill${i % SKILLS}`;
  const skillIds = i % 3 === 0 ? [primary, `skill${(i + 1) % SKILLS}`] : [primary];
  items.push({ id: `item${i}`, skillIds, difficulty: rng() * 6 - 3, discrimination: 0.5 + rng() * 1.5, guessing: i % 2 === 0 ? 0.25 : 0 });
  candidates.push({
    itemId: `item${i}`,
    skillId: primary,
    urgency: rng() * 0.3,
    due: rng() < 0.2,
    readiness: rng(),
    mastery: rng(),
    lastSeenAt: rng() < 0.3 ? now - rng() * 10 * 86_400_000 : null,
  });
}
const context: ScoringContext = {
  now,
  mode: "practice",
  sessionItemIds: new Set(["item3", "item17", "item99"]),
  recentSkillIds: ["skill3", "skill17", "skill4"],
  goalSkillIds: new Set(["skill1", "skill2"]),
};
const lookup = (id: string) => states.get(id);
const predictions = new Float64Array(N);

function run(): number {
  predictBatch(items, lookup, DEFAULT_KNOWLEDGE_CONFIG, predictions);
  return scoreCandidates(candidates, predictions, context).length;
}

for (let i = 0; i < 2000; i++) run(); // warm up the JIT

const rounds = 5000;
const samples = new Float64Array(rounds);
let sink = 0;
for (let r = 0; r < rounds; r++) {
  const t = performance.now();
  sink += run();
  samples[r] = performance.now() - t;
}
samples.sort();
const q = (p: number) => (samples[Math.min(rounds - 1, Math.floor(p * rounds))] ?? 0).toFixed(3);
const tScore = performance.now();
for (let r = 0; r < rounds; r++) sink += scoreCandidates(candidates, predictions, context).length;
const scoreOnly = (performance.now() - tScore) / rounds;
console.log(`${N} candidates, predict + score: median ${q(0.5)} ms, p99 ${q(0.99)} ms; score only: mean ${scoreOnly.toFixed(3)} ms (sink ${sink})`);
