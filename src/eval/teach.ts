/**
 * The teaching study: every policy teaches the same simulated population (same learner
 * seeds → same traits, same starting knowledge, same response luck stream) from the same
 * demo item bank, one session of `itemsPerDay` items a day, until `attempts` items; then
 * nobody practises for `retentionDays` and retention is measured.
 *
 * Every policy's answers go through the engine's `applyLearnerAttempt` into the in-memory
 * view (the engine's beliefs and FSRS memories), so the review policy and the engine read
 * the real production state; the random and fixed policies ignore it.
 */
import { DEFAULT_ENGINE_CONFIG, applyLearnerAttempt, buildCurriculum } from "../core/engine";
import type { Curriculum, EngineConfig } from "../core/engine";
import { mulberry32, seedFromString } from "../core/random";
import type { ItemParams } from "../core/types";
import { mean } from "./stats";
import { median } from "./metrics";
import { makePolicy, POLICY_NAMES } from "./policies";
import type { PolicyName } from "./policies";
import { SimLearnerView } from "./sim-view";
import { SimLearner, buildWorld, drawTraits } from "./simulator";
import type { LearnerTraits, SimWorld } from "./simulator";

const DAY_MS = 86_400_000;
/** Sessions start at 17:00 UTC on consecutive days. */
export const SIM_START = Date.UTC(2025, 0, 6, 17);
/** Seconds between answering one item and seeing the next (reading feedback). */
const FEEDBACK_MS = 5_000;

export interface TeachOptions {
  readonly seed: number;
  readonly learners: number;
  readonly attempts: number;
  readonly itemsPerDay: number;
  readonly retentionDays: number;
  readonly checkpoints: readonly number[];
  readonly curveStep: number;
  readonly policies: readonly PolicyName[];
  readonly config: EngineConfig;
  readonly log?: (msg: string) => void;
}

export const DEFAULT_TEACH: TeachOptions = {
  seed: 7,
  learners: 200,
  attempts: 1000,
  itemsPerDay: 20,
  retentionDays: 30,
  checkpoints: [200, 500, 1000],
  curveStep: 10,
  policies: POLICY_NAMES,
  config: DEFAULT_ENGINE_CONFIG,
};

export interface Bank {
  readonly skills: readonly { id: string; position: number; prerequisites: readonly string[] }[];
  readonly items: readonly ItemParams[];
}

export interface LearnerRun {
  readonly traits: LearnerTraits;
  readonly initialMastered: number;
  /** Attempts on a skill until it was first truly mastered (skills not mastered at the start). */
  readonly attemptsToMastery: number[];
  /** Skills truly mastered at each checkpoint. */
  readonly masteredAt: number[];
  /** Skills mastered every `curveStep` attempts (index 0 = before any attempt). */
  readonly curve: number[];
  readonly tooHard: number;
  readonly tooEasy: number;
  readonly served: number;
  /** Skills learned (mastered at stop, not at the start), and how many of them still are `retentionDays` later. */
  readonly masteredAtStop: number;
  readonly retained: number;
  /** Mean P_true (median item, no slips) over those learned skills, after the break. */
  readonly retainedP: number;
  readonly distinctSkills: number;
}

export interface PolicyResult {
  readonly policy: PolicyName;
  readonly runs: LearnerRun[];
  readonly seconds: number;
}

export interface TeachResult {
  readonly options: Omit<TeachOptions, "log" | "config">;
  readonly skills: number;
  readonly items: number;
  readonly policies: PolicyResult[];
  readonly learnerSeeds: number[];
}

/** The learner seeds of a population: the same for every policy. */
export function populationSeeds(seed: number, learners: number): number[] {
  return Array.from({ length: learners }, (_, i) => seedFromString(`learner:${seed}:${i}`));
}

interface Prepared {
  readonly curriculum: Curriculum;
  readonly world: SimWorld;
  readonly itemsBySkill: Map<string, ItemParams[]>;
}

export function prepareBank(bank: Bank): Prepared {
  const curriculum = buildCurriculum(bank.skills.map((s) => ({ id: s.id, position: s.position, prerequisites: [...s.prerequisites] })));
  const itemsBySkill = new Map<string, ItemParams[]>();
  for (const it of bank.items) {
    const s = it.skillIds[0];
    if (s === undefined) continue;
    const list = itemsBySkill.get(s);
    if (list) list.push(it);
    else itemsBySkill.set(s, [it]);
  }
  return { curriculum, world: buildWorld(bank.skills, bank.items), itemsBySkill };
}

/** One learner taught by one policy. */
export function runLearner(prep: Prepared, bank: Bank, policyName: PolicyName, learnerSeed: number, options: TeachOptions): LearnerRun {
  const traits = drawTraits(learnerSeed);
  const learner = new SimLearner(prep.world, traits, SIM_START);
  const view = new SimLearnerView();
  const policy = makePolicy(policyName);
  const ctx = {
    view,
    curriculum: prep.curriculum,
    items: bank.items,
    itemsBySkill: prep.itemsBySkill,
    config: options.config,
    rng: mulberry32(seedFromString(`policy:${policyName}:${learnerSeed}`)),
  };
  const skillAttempts = new Map<string, number>();
  const mastered = new Set<string>();
  for (const s of prep.world.skills) if (learner.isMastered(s.id, SIM_START)) mastered.add(s.id);
  const initialMastered = mastered.size;
  const initiallyMastered = new Set(mastered);
  const attemptsToMastery: number[] = [];
  const masteredAt: number[] = [];
  const curve: number[] = [learner.masteredCount(SIM_START)];
  let tooHard = 0;
  let tooEasy = 0;
  let now = SIM_START;
  let done = 0;
  for (let day = 0; done < options.attempts; day++) {
    now = SIM_START + day * DAY_MS;
    view.startSession();
    policy.startSession(ctx, now);
    for (let k = 0; k < options.itemsPerDay && done < options.attempts; k++) {
      const item = policy.choose(ctx, now);
      view.serve(item, now);
      const r = learner.answer(item, now);
      if (r.pTrue < 0.3) tooHard++;
      if (r.pTrue > 0.95) tooEasy++;
      now += r.responseMs;
      view.apply(applyLearnerAttempt(view, prep.curriculum, item, r.correct, r.responseMs, now, options.config));
      const skill = item.skillIds[0] ?? "";
      const n = (skillAttempts.get(skill) ?? 0) + 1;
      skillAttempts.set(skill, n);
      if (!mastered.has(skill) && learner.isMastered(skill, now)) {
        mastered.add(skill);
        attemptsToMastery.push(n);
      }
      done++;
      if (options.checkpoints.includes(done)) masteredAt.push(learner.masteredCount(now));
      if (done % options.curveStep === 0) curve.push(learner.masteredCount(now));
      now += FEEDBACK_MS;
    }
  }
  const stop = now;
  // Retention is about what was LEARNED: skills mastered at the start keep their level
  // (forgetting only erodes gains), so they are left out.
  const atStop = prep.world.skills.filter((s) => learner.isMastered(s.id, stop) && !initiallyMastered.has(s.id)).map((s) => s.id);
  const later = stop + options.retentionDays * DAY_MS;
  const retained = atStop.filter((s) => learner.isMastered(s, later)).length;
  return {
    traits,
    initialMastered,
    attemptsToMastery,
    masteredAt,
    curve,
    tooHard,
    tooEasy,
    served: done,
    masteredAtStop: atStop.length,
    retained,
    retainedP: atStop.length > 0 ? mean(atStop.map((s) => learner.skillProbability(s, later))) : Number.NaN,
    distinctSkills: skillAttempts.size,
  };
}

export function runTeaching(bank: Bank, options: TeachOptions = DEFAULT_TEACH): TeachResult {
  const log = options.log ?? (() => undefined);
  const prep = prepareBank(bank);
  const seeds = populationSeeds(options.seed, options.learners);
  const policies: PolicyResult[] = [];
  for (const p of options.policies) {
    const t = performance.now();
    const runs = seeds.map((s) => runLearner(prep, bank, p, s, options));
    const seconds = (performance.now() - t) / 1000;
    policies.push({ policy: p, runs, seconds });
    const last = runs.map((r) => r.masteredAt.at(-1) ?? 0);
    log(`teach ${p}: ${runs.length} learners × ${options.attempts} attempts, mean mastered ${mean(last).toFixed(1)} [${seconds.toFixed(1)} s]`);
  }
  const { log: _log, config: _config, ...plain } = options;
  return { options: plain, skills: prep.world.skills.length, items: bank.items.length, policies, learnerSeeds: seeds };
}

export interface PolicySummary {
  readonly policy: PolicyName;
  readonly attemptsToMasteryMedian: number;
  readonly attemptsToMasteryMean: number;
  readonly skillsMasteredDuringRun: number;
  readonly initialMastered: number;
  readonly masteredAt: number[];
  readonly gainedAt: number[];
  readonly retentionShare: number;
  readonly retentionP: number;
  readonly tooHardShare: number;
  readonly tooEasyShare: number;
  readonly curve: number[];
}

/** Population means (and the pooled median of attempts-to-mastery over all learner × skill pairs). */
export function summarise(p: PolicyResult): PolicySummary {
  const runs = p.runs;
  const pooled = runs.flatMap((r) => r.attemptsToMastery);
  const checkpoints = runs[0]?.masteredAt.length ?? 0;
  const served = runs.reduce((a, r) => a + r.served, 0);
  const atStop = runs.reduce((a, r) => a + r.masteredAtStop, 0);
  const curveLen = Math.min(...runs.map((r) => r.curve.length));
  return {
    policy: p.policy,
    attemptsToMasteryMedian: median(pooled),
    attemptsToMasteryMean: mean(pooled),
    skillsMasteredDuringRun: mean(runs.map((r) => r.attemptsToMastery.length)),
    initialMastered: mean(runs.map((r) => r.initialMastered)),
    masteredAt: Array.from({ length: checkpoints }, (_, k) => mean(runs.map((r) => r.masteredAt[k] ?? 0))),
    gainedAt: Array.from({ length: checkpoints }, (_, k) => mean(runs.map((r) => (r.masteredAt[k] ?? 0) - r.initialMastered))),
    retentionShare: atStop > 0 ? runs.reduce((a, r) => a + r.retained, 0) / atStop : Number.NaN,
    retentionP: mean(runs.filter((r) => Number.isFinite(r.retainedP)).map((r) => r.retainedP)),
    tooHardShare: served > 0 ? runs.reduce((a, r) => a + r.tooHard, 0) / served : Number.NaN,
    tooEasyShare: served > 0 ? runs.reduce((a, r) => a + r.tooEasy, 0) / served : Number.NaN,
    curve: Array.from({ length: Number.isFinite(curveLen) ? curveLen : 0 }, (_, k) => mean(runs.map((r) => r.curve[k] ?? 0))),
  };
}
