/**
 * The teaching study: every policy teaches the same simulated population (same learner
 * seeds → same traits, same starting knowledge, same response luck stream) from the same
 * demo item bank, one session of `itemsPerDay` items a day, until `attempts` items; then
 * nobody practises for `retentionDays` and retention is measured.
 *
 * Every policy's answers go through the Durable Object's own decision, `decideAttempt`
 * (grading a response built to be right or wrong as the learner answered, the knowledge
 * model's update, the FSRS memory and the correctness model's history), into the in-memory
 * view, so the mastery, review and engine policies read the real production state; the
 * random and fixed policies ignore it.
 *
 * The learner is one of several families (src/eval/families.ts); `runTeachingStudy` runs
 * every family over several replicate populations, for intervals over seeds.
 */
import { DEFAULT_ENGINE_CONFIG, buildCurriculum, decideAttempt } from "../core/engine";
import type { Curriculum, EngineConfig, GradableItem } from "../core/engine";
import { mergeHistorySlice } from "../core/features";
import { isMastered } from "../core/knowledge";
import { mulberry32, seedFromString } from "../core/random";
import type { ItemParams } from "../core/types";
import type { CorrectnessModel } from "../ml/model";
import type { Family, FamilyKey } from "./families";
import { mean, meanCi } from "./stats";
import { median } from "./metrics";
import { BASELINES, makePolicy, POLICY_NAMES } from "./policies";
import type { PolicyName } from "./policies";
import { SimLearnerView } from "../core/sim-view";
import { SimLearner, buildWorld, drawTraits } from "./simulator";
import type { LearnerTraits, SimWorld, TrueLearner } from "./simulator";

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
  /** The learner family (default: the original bell-at-0.7 simulator). */
  readonly family?: Family;
  /** The correctness model (needed by `engine-model`). */
  readonly model?: CorrectnessModel;
}

export const DEFAULT_TEACH: TeachOptions = {
  seed: 7,
  learners: 200,
  attempts: 1000,
  itemsPerDay: 20,
  retentionDays: 30,
  checkpoints: [200, 500, 1000],
  curveStep: 10,
  policies: POLICY_NAMES.filter((p) => p !== "engine-model" && p !== "engine-model-alone"),
  config: DEFAULT_ENGINE_CONFIG,
};

export interface Bank {
  readonly skills: readonly { id: string; position: number; prerequisites: readonly string[] }[];
  readonly items: readonly GradableItem[];
}

/** A response the grader marks `correct` (or not) for `item`: what the learner "typed". */
export function responseFor(item: GradableItem, correct: boolean): unknown {
  const a = item.answer;
  if (a.type === "choice") return correct ? a.index : (a.index + 1) % Math.max(2, item.choices?.length ?? 2);
  if (a.type === "numeric") return correct ? a.value : a.value + a.tolerance + 1 + Math.abs(a.value);
  return correct ? (a.accepted[0] ?? "") : "(no idea)";
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
  /** Attempts on a skill the learner had truly mastered when it was served (reviews included). */
  readonly onMastered: number;
  /** Of those, attempts on a skill the engine's mastery rule did not yet call mastered (over-practice, not review). */
  readonly beforeRule: number;
  /**
   * Per skill learned in the run whose mastery the engine's rule then certified: attempts on the
   * skill from the one after which the learner had truly mastered it to the one after which the
   * rule first said so (0: at once). Skills the rule certified first, or never, are left out.
   */
  readonly certificationLag: number[];
}

export interface PolicyResult {
  readonly policy: PolicyName;
  readonly runs: LearnerRun[];
  readonly seconds: number;
}

export interface TeachResult {
  readonly options: Omit<TeachOptions, "log" | "config" | "family" | "model">;
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
  const byId = new Map(bank.items.map((i) => [i.id, i]));
  const traits = drawTraits(learnerSeed);
  const learner: TrueLearner = options.family ? options.family.create(prep.world, traits, SIM_START) : new SimLearner(prep.world, traits, SIM_START);
  const view = new SimLearnerView();
  const policy = makePolicy(policyName);
  const ctx = {
    view,
    curriculum: prep.curriculum,
    items: bank.items,
    itemsBySkill: prep.itemsBySkill,
    config: options.config,
    rng: mulberry32(seedFromString(`policy:${policyName}:${learnerSeed}`)),
    ...(options.model ? { model: options.model } : {}),
    ...(policyName === "engine-oracle" ? { truth: (item: ItemParams, at: number) => learner.pCorrect(item, at) } : {}),
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
  let onMastered = 0;
  let beforeRule = 0;
  // Skill → its attempt count when first truly mastered (learned in the run) / when the rule first said so.
  const trulyAt = new Map<string, number>();
  const certifiedAt = new Map<string, number>();
  let now = SIM_START;
  let done = 0;
  for (let day = 0; done < options.attempts; day++) {
    now = SIM_START + day * DAY_MS;
    view.startSession();
    policy.startSession(ctx, now);
    for (let k = 0; k < options.itemsPerDay && done < options.attempts; k++) {
      const chosen = policy.choose(ctx, now);
      const item = byId.get(chosen.id);
      if (!item) throw new Error(`policy ${policyName} chose ${chosen.id}, not in the bank`);
      view.serve(item, now);
      const skill = item.skillIds[0] ?? "";
      if (learner.isMastered(skill, now)) {
        onMastered++;
        if (!isMastered(view.skill(skill), options.config.knowledge)) beforeRule++;
      }
      const r = learner.answer(item, now);
      if (r.pTrue < 0.3) tooHard++;
      if (r.pTrue > 0.95) tooEasy++;
      now += r.responseMs;
      const decision = decideAttempt(view, prep.curriculum, item, responseFor(item, r.correct), r.responseMs, now, options.config);
      if (!decision.ok || decision.correct !== r.correct) throw new Error(`item ${item.id}: the grader did not mark the simulated answer ${r.correct ? "right" : "wrong"}`);
      policy.observe?.(r.correct);
      view.apply(decision.outcome);
      mergeHistorySlice(view.history, decision.history);
      const n = (skillAttempts.get(skill) ?? 0) + 1;
      skillAttempts.set(skill, n);
      if (!mastered.has(skill) && learner.isMastered(skill, now)) {
        mastered.add(skill);
        attemptsToMastery.push(n);
        trulyAt.set(skill, n);
      }
      if (!certifiedAt.has(skill) && isMastered(view.skill(skill), options.config.knowledge)) certifiedAt.set(skill, n);
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
    onMastered,
    beforeRule,
    certificationLag: [...trulyAt].flatMap(([skill, at]) => {
      const rule = certifiedAt.get(skill);
      return rule !== undefined && rule >= at ? [rule - at] : [];
    }),
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
    log(`teach ${options.family?.key ?? "bell-0.7"} seed ${options.seed} ${p}: ${runs.length} learners × ${options.attempts} attempts, mean mastered ${mean(last).toFixed(1)} [${seconds.toFixed(1)} s]`);
  }
  const { log: _log, config: _config, family: _family, model: _model, ...plain } = options;
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

/** One policy's per-replicate measures, and their mean with a 95 % interval over replicates. */
export interface IntervalSummary {
  readonly policy: PolicyName;
  /** Attempts served per skill gained (every attempt counts: practice, review, wasted), per replicate. */
  readonly attemptsPerSkill: ReturnType<typeof meanCi>;
  /** Attempts on a skill until first truly mastered, pooled over learner × skill, per replicate. */
  readonly attemptsToMastery: ReturnType<typeof meanCi>;
  /** Skills truly mastered at the end minus at the start, per 1,000 attempts (mean over learners). */
  readonly masteredPer1000: ReturnType<typeof meanCi>;
  /** Share of skills learned in the run still mastered `retentionDays` after practice stopped. */
  readonly retention: ReturnType<typeof meanCi>;
  /** Diagnosis: share of attempts on skills the learner had already truly mastered when served (reviews included). */
  readonly onMasteredShare: ReturnType<typeof meanCi>;
  /** Diagnosis: the part of those on skills the engine's mastery rule did not yet call mastered. */
  readonly beforeRuleShare: ReturnType<typeof meanCi>;
  /** Diagnosis: distinct skills practised per learner. */
  readonly distinctSkills: ReturnType<typeof meanCi>;
  /** Diagnosis: every `certificationLag` of the policy's runs, pooled over learners and replicates. */
  readonly certificationLags: number[];
}

export interface FamilyTeachResult {
  readonly key: FamilyKey;
  readonly label: string;
  readonly origin: string;
  /** One population per replicate seed (base seed + r). */
  readonly replicates: TeachResult[];
  readonly seconds: number;
}

export interface StudyOptions extends TeachOptions {
  readonly replicates: number;
}

/** Every family × replicate population × policy (see the module comment). */
export function runTeachingStudy(bank: Bank, families: readonly Family[], options: StudyOptions): FamilyTeachResult[] {
  return families.map((family) => {
    const t = performance.now();
    const replicates = Array.from({ length: options.replicates }, (_, r) => runTeaching(bank, { ...options, seed: options.seed + r, family }));
    return { key: family.key, label: family.label, origin: family.origin, replicates, seconds: (performance.now() - t) / 1000 };
  });
}

interface ReplicateMeasures {
  /** All attempts served / skills gained (mastered at the end, not at the start), over the population. */
  readonly perSkill: number;
  readonly atm: number;
  readonly per1000: number;
  readonly retention: number;
  readonly onMasteredShare: number;
  readonly beforeRuleShare: number;
  readonly distinctSkills: number;
}

function replicateMeasures(t: TeachResult, policy: PolicyName): ReplicateMeasures | undefined {
  const p = t.policies.find((x) => x.policy === policy);
  if (!p) return undefined;
  const s = summarise(p);
  const gains = p.runs.map((r) => (r.masteredAt.at(-1) ?? r.initialMastered) - r.initialMastered);
  const gained = gains.reduce((a, g) => a + g, 0);
  const served = p.runs.reduce((a, r) => a + r.served, 0);
  return {
    perSkill: gained > 0 ? served / gained : Number.NaN,
    atm: s.attemptsToMasteryMean,
    per1000: mean(gains.map((g, i) => g * (1000 / Math.max(1, p.runs[i]?.served ?? 1)))),
    retention: s.retentionShare,
    onMasteredShare: served > 0 ? p.runs.reduce((a, r) => a + r.onMastered, 0) / served : Number.NaN,
    beforeRuleShare: served > 0 ? p.runs.reduce((a, r) => a + r.beforeRule, 0) / served : Number.NaN,
    distinctSkills: mean(p.runs.map((r) => r.distinctSkills)),
  };
}

export function intervalSummaries(f: FamilyTeachResult): IntervalSummary[] {
  const policies = f.replicates[0]?.policies.map((p) => p.policy) ?? [];
  return policies.map((policy) => {
    const m = f.replicates.flatMap((t) => replicateMeasures(t, policy) ?? []);
    return {
      policy,
      attemptsPerSkill: meanCi(m.map((x) => x.perSkill)),
      attemptsToMastery: meanCi(m.map((x) => x.atm)),
      masteredPer1000: meanCi(m.map((x) => x.per1000)),
      retention: meanCi(m.map((x) => x.retention)),
      onMasteredShare: meanCi(m.map((x) => x.onMasteredShare)),
      beforeRuleShare: meanCi(m.map((x) => x.beforeRuleShare)),
      distinctSkills: meanCi(m.map((x) => x.distinctSkills)),
      certificationLags: f.replicates.flatMap((t) => t.policies.filter((p) => p.policy === policy).flatMap((p) => p.runs.flatMap((r) => r.certificationLag))),
    };
  });
}

export interface EngineAdvantage {
  readonly engine: PolicyName;
  /** The baseline with the fewest attempts per skill mastered (mean over replicates). */
  readonly best: PolicyName;
  /** 1 − engine / best attempts per skill mastered, per replicate (paired), mean and 95 % interval: > 0 = fewer attempts. */
  readonly fewerAttempts: ReturnType<typeof meanCi>;
  /** Engine minus best baseline, 30-day retention share, paired per replicate. */
  readonly retentionDiff: ReturnType<typeof meanCi>;
  /** Engine minus best baseline, skills mastered per 1,000 attempts, paired per replicate. */
  readonly per1000Diff: ReturnType<typeof meanCi>;
}

/**
 * The engine against the best baseline, paired by replicate. "Attempts to mastery" here is
 * attempts served per skill mastered: every attempt counts, so a policy cannot look cheap by
 * mastering only the skills that were nearly mastered anyway (the pooled per-skill count,
 * also reported, has that selection effect).
 */
export function engineAdvantage(f: FamilyTeachResult, engine: PolicyName = "engine-model"): EngineAdvantage | undefined {
  const sums = intervalSummaries(f);
  const candidates = sums.filter((s) => BASELINES.includes(s.policy) && s.policy !== engine && Number.isFinite(s.attemptsPerSkill.mean));
  const best = candidates.sort((a, b) => a.attemptsPerSkill.mean - b.attemptsPerSkill.mean)[0];
  if (!best || !sums.some((s) => s.policy === engine)) return undefined;
  return comparePolicies(f, engine, best.policy);
}

/** `engine` against `other`, paired by replicate (as `engineAdvantage`, against a named policy). */
export function comparePolicies(f: FamilyTeachResult, engine: PolicyName, other: PolicyName): EngineAdvantage {
  const pairs = f.replicates.flatMap((t) => {
    const e = replicateMeasures(t, engine);
    const b = replicateMeasures(t, other);
    return e && b ? [{ e, b }] : [];
  });
  return {
    engine,
    best: other,
    fewerAttempts: meanCi(pairs.map(({ e, b }) => 1 - e.perSkill / b.perSkill)),
    retentionDiff: meanCi(pairs.map(({ e, b }) => e.retention - b.retention)),
    per1000Diff: meanCi(pairs.map(({ e, b }) => e.per1000 - b.per1000)),
  };
}
