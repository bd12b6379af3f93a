/**
 * Proof by simulation that items calibrate themselves (issue 12, item 5).
 *
 * A pool with known TRUE parameters (a ~ U(0.7, 1.8), b ~ N(0, 1.2²), c = 1/4 for multiple
 * choice) is authored with errors (authored b = true b + N(0, 0.8²), a = 1), as a content
 * team would write it. Simulated learners of fixed true ability θ ~ N(0, 1) practise one skill
 * each; every answer goes through the engine's own code paths:
 *
 *   the knowledge model's prediction and ability anchor (knowledge.ts predictCorrect,
 *   itemAbility) under the parameters currently published → the answer drawn from the TRUE
 *   3PL → the knowledge model's update (applyAttempt) → per-learner aggregates
 *   (src/stats/item-stats.ts aggregateObservations, as one writer flush) added to the global
 *   counters → at each checkpoint the calibration job's fit (src/core/calibration.ts) →
 *   published parameters (withCalibration) that the next learners are scored with.
 *
 * Only Redis and Postgres are replaced (by an in-memory sum of the same deltas): the
 * exactly-once tests cover those. Then adaptive mock tests (src/core/cat.ts) run on the pool
 * as the CAT would see it — true parameters, the calibrated ones, the authored ones — with
 * answers always drawn from the true parameters, to compare θ and score accuracy.
 */
import { AUTHORED_DIFFICULTY_SE, parameterSe, recordResponse, report, selectNextItem, shouldStop, startCat } from "../core/cat";
import type { CatConfig, CatItem } from "../core/cat";
import { boundError, posteriorDifficulties } from "./calibration-bound";
import type { BoundItem, GenerativeModel } from "./calibration-bound";
import { DEFAULT_CALIBRATION_CONFIG, calibrateItems, encodeCalibration, withCalibration } from "../core/calibration";
import type { CalibratedParams, CalibrationConfig, PublishedCalibration } from "../core/calibration";
import { probability } from "../core/irt";
import { DEFAULT_KNOWLEDGE_CONFIG, applyAttempt, itemAbility, learningStep, predictCorrect, sigmoid } from "../core/knowledge";
import type { KnowledgeConfig } from "../core/knowledge";
import type { ItemParams, SkillState } from "../core/types";
import { mulberry32, normalDraw, shuffled } from "../core/random";
import { DEFAULT_SCORING_CONFIG } from "../core/scoring";
import type { Random } from "../core/random";
import { aggregateObservations, mergeDeltas, parseItemStat } from "../stats/item-stats";
import type { ItemDeltas, ItemObservation } from "../stats/item-stats";

export interface CalibrationSimOptions {
  readonly seed: number;
  readonly items: number;
  readonly skills: number;
  /** Answers per simulated learner (one skill each, no repeats). */
  readonly answersPerLearner: number;
  /**
   * How learners pick items: "band" — at random among the skill's items whose predicted success
   * (under the published parameters) lies in the unified scorer's target band, as practice
   * serves them (any item when none does); "random" — uniformly, the least informative design.
   */
  readonly selection: "band" | "random";
  /** Responses per item at which the job runs (and publishes), in increasing order. */
  readonly checkpoints: readonly number[];
  /** SD of the authoring error on b. */
  readonly authoringSd: number;
  readonly calibration: CalibrationConfig;
  /** Mock tests per condition, and their length and precision target. */
  readonly mockExaminees: number;
  readonly mockMaxItems: number;
  readonly mockSeTarget: number;
  /** Responses per item at which the mock-test comparison uses the calibrated pool. */
  readonly mockAt: number;
  /**
   * Learners who learn while they answer (null: fixed ability, the default): after its n-th
   * answer (n = 0, 1, …) a learner's true θ grows by gain · h / (h + n), a learning curve that
   * gives most at the start. Which is what the knowledge model does not assume (its θ drifts
   * only as a random walk), so the learners' anchors then lag their true abilities.
   */
  readonly learning: { readonly gain: number; readonly halfAttempts: number } | null;
  /** The learners' knowledge model (the production default; `learningGain` to give it a learning curve). */
  readonly knowledge: KnowledgeConfig;
  /**
   * The best any calibration could do on the same answers (./calibration-bound.ts), computed at
   * these responses per item (checkpoints), with so many sweeps of its Markov chain; null: not
   * computed (about 2 s per 100,000 answers and 100 sweeps, and a half of that again for the
   * chain with the abilities known). Only for learners of
   * fixed ability, the model the bound assumes.
   */
  readonly bound: { readonly at: readonly number[]; readonly sweeps: number; readonly burnIn: number } | null;
}

/**
 * The distributions the pool and the learners are drawn from (makePool, practise): the model
 * under which ./calibration-bound.ts computes the best possible estimate. The authoring error's
 * SD is the options' `authoringSd`.
 */
export const SIM_POOL = Object.freeze({ difficultySd: 1.2, discriminationRange: [0.7, 1.8] as const, abilitySd: 1, multipleChoiceShare: 0.6, multipleChoiceGuessing: 0.25 });

/**
 * The learning curve that predicts ASSISTments 2009 best among those tried when added to the
 * knowledge model (src/core/knowledge.ts `learningGain`, `learningHalfAttempts`; measured by
 * scripts/ml/learning-curve.ts, reports/learning-curve.md): after the n-th answer on a skill θ
 * grows by 0.16 · 3 / (3 + n), about +1.2 logit over 30 answers.
 */
export const ASSISTMENTS_LEARNING_CURVE = Object.freeze({ gain: 0.16, halfAttempts: 3 });

export const DEFAULT_CALIBRATION_SIM: CalibrationSimOptions = {
  seed: 12,
  items: 240,
  skills: 4,
  answersPerLearner: 30,
  selection: "random",
  checkpoints: [25, 50, 100, 150, 200, 300, 400, 500],
  authoringSd: 0.8,
  calibration: DEFAULT_CALIBRATION_CONFIG,
  mockExaminees: 1000,
  mockMaxItems: 30,
  mockSeTarget: 0.3,
  mockAt: 300,
  learning: null,
  knowledge: DEFAULT_KNOWLEDGE_CONFIG,
  bound: null,
};

interface SimItem extends ItemParams {
  readonly id: string;
  readonly choices: number | null;
  readonly calibrated: boolean;
  readonly truth: { readonly a: number; readonly b: number; readonly c: number };
}

export interface CheckpointRow {
  readonly responsesPerItem: number;
  /** RMSE of b against the truth: authored, and calibrated (the job's estimate, every item). */
  readonly authoredBRmse: number;
  readonly bRmse: number;
  /** RMSE of a over items where a was estimated (null: none yet), and of the authored a = 1 there. */
  readonly aRmse: number | null;
  readonly authoredARmse: number | null;
  /**
   * Diagnosis only (never published, never seen by the learners): the same fit on the same
   * answers with each learner's TRUE ability as the anchor (variance 0). The gap to `bRmse` is
   * what the learners' estimated anchors cost.
   */
  readonly bRmseTrueAnchors: number;
  /** Share of items past the `calibrated` threshold, and the mean SE the job reports for b. */
  readonly calibratedShare: number;
  readonly meanSeB: number;
  /**
   * The best possible b RMSE on the same answers (./calibration-bound.ts; null where not
   * computed): the posterior means under the simulation's own model from every raw answer, with
   * the learners' abilities estimated like everything else (`full`) or known (`knownAbilities`).
   * `rmse` is what those means scored against the truth; `expectedRmse` the posterior's own
   * expectation of it (√ of the mean posterior variance).
   */
  readonly bound: {
    readonly full: { readonly rmse: number; readonly expectedRmse: number };
    readonly knownAbilities: { readonly rmse: number; readonly expectedRmse: number };
  } | null;
}

export interface MockRow {
  readonly pool: "true" | "calibrated" | "authored";
  readonly thetaRmse: number;
  /** RMSE of the 200–800 score against the score of the true θ. */
  readonly scoreRmse: number;
  readonly meanLength: number;
  readonly meanSe: number;
  readonly meanParameterSe: number;
  /** Share of examinees whose true score lies in the reported 95 % interval. */
  readonly coverage: number;
}

export interface CalibrationSimResult {
  readonly options: CalibrationSimOptions;
  readonly checkpoints: readonly CheckpointRow[];
  readonly mock: readonly MockRow[];
  readonly learners: number;
}

function rmse(pairs: readonly (readonly [number, number])[]): number {
  if (pairs.length === 0) return Number.NaN;
  return Math.sqrt(pairs.reduce((s, [x, y]) => s + (x - y) ** 2, 0) / pairs.length);
}

function makePool(rng: Random, o: CalibrationSimOptions): SimItem[] {
  return Array.from({ length: o.items }, (_, i) => {
    const mc = rng() < SIM_POOL.multipleChoiceShare;
    const c = mc ? SIM_POOL.multipleChoiceGuessing : 0;
    const [aLo, aHi] = SIM_POOL.discriminationRange;
    const a = aLo + (aHi - aLo) * rng();
    const b = normalDraw(rng, 0, SIM_POOL.difficultySd);
    return {
      id: `sim-${String(i).padStart(4, "0")}`,
      skillIds: [`skill-${i % o.skills}`],
      difficulty: Math.max(-6, Math.min(6, b + normalDraw(rng, 0, o.authoringSd))),
      discrimination: 1,
      guessing: c,
      choices: mc ? 4 : null,
      calibrated: false,
      truth: { a, b, c },
    };
  });
}

/** The job's fit for every item, from the counters so far (the job's own batch fit). */
function fitAll(pool: readonly SimItem[], counters: ItemDeltas, config: CalibrationConfig): Map<string, CalibratedParams> {
  const fits = calibrateItems(pool.map((item) => ({ authored: item, bins: parseItemStat(item.id, counters[item.id] ?? null).bins })), config);
  const out = new Map<string, CalibratedParams>();
  pool.forEach((item, i) => {
    const fit = fits[i];
    if (fit) out.set(item.id, fit);
  });
  return out;
}

function publish(fits: ReadonlyMap<string, CalibratedParams>, version: number, config: CalibrationConfig): PublishedCalibration {
  return {
    version,
    createdAt: 0,
    minResponses: config.minResponses,
    maxSe: config.maxSe,
    items: Object.fromEntries([...fits].map(([id, f]) => [id, encodeCalibration(f)])),
    exposure: {},
    sympsonHetter: false,
  };
}

/** One simulated learner: practises `answers` items of one skill through the knowledge model; returns the flush's observations. */
function practise(
  published: PublishedCalibration | null,
  skillItems: readonly SimItem[],
  answers: number,
  selection: CalibrationSimOptions["selection"],
  learning: CalibrationSimOptions["learning"],
  knowledge: KnowledgeConfig,
  rng: Random,
  now: number,
): { flush: ItemObservation[]; trueAnchors: ItemObservation[]; startTheta: number } {
  let theta = normalDraw(rng, 0, SIM_POOL.abilitySd);
  const startTheta = theta;
  const states = new Map<string, SkillState>();
  const lookup = (id: string) => states.get(id);
  const out: ItemObservation[] = [];
  const trueAnchors: ItemObservation[] = [];
  const open = shuffled(rng, skillItems);
  const [low, high] = DEFAULT_SCORING_CONFIG.targetBand;
  for (let n = 0; n < answers && open.length > 0; n++) {
    // Shuffled once, so the first in-band item is a uniform pick among those in the band.
    let k = selection === "band" ? open.findIndex((it) => {
      const p = predictCorrect(withCalibration(it, published), lookup, knowledge);
      return p >= low && p <= high;
    }) : 0;
    if (k < 0) k = 0;
    const raw = open.splice(k, 1)[0];
    if (!raw) break;
    const item = withCalibration(raw, published);
    const expected = predictCorrect(item, lookup, knowledge);
    const ability = itemAbility(item, lookup, knowledge);
    const t = raw.truth;
    const correct = rng() < t.c + (1 - t.c) * sigmoid(t.a * (theta - t.b));
    for (const s of applyAttempt(item, lookup, correct, now, knowledge)) states.set(s.skillId, s);
    out.push({ itemId: raw.id, correct, expected, theta: ability.mean, thetaVariance: ability.variance, responseMs: 10_000 });
    trueAnchors.push({ itemId: raw.id, correct, expected, theta, thetaVariance: 0, responseMs: 10_000 });
    if (learning) theta += learningStep(learning.gain, learning.halfAttempts, n);
  }
  return { flush: out, trueAnchors, startTheta };
}

/** Mock tests on `catPool` with answers from the true parameters. */
function mockTests(catPool: readonly CatItem[], truth: ReadonlyMap<string, SimItem["truth"]>, o: CalibrationSimOptions, rng: Random, label: MockRow["pool"]): MockRow {
  const config: Partial<CatConfig> = { maxItems: o.mockMaxItems, minItems: 5, seTarget: o.mockSeTarget, timeLimitMs: null };
  const scaleOf = (t: number) => Math.min(800, Math.max(200, 500 + 100 * t));
  const thetaPairs: [number, number][] = [];
  const scorePairs: [number, number][] = [];
  let length = 0;
  let se = 0;
  let pse = 0;
  let covered = 0;
  for (let e = 0; e < o.mockExaminees; e++) {
    const trueTheta = normalDraw(rng);
    let state = startCat(config, [], 0);
    let now = 0;
    while (shouldStop(state, now) === null) {
      const pick = selectNextItem(state, catPool, {}, rng);
      state = pick.state;
      if (!pick.item) break;
      const t = truth.get(pick.item.id);
      if (!t) break;
      now += 1000;
      state = recordResponse(state, pick.item.id, rng() < probability(trueTheta, t), now);
    }
    const r = report(state, now);
    thetaPairs.push([r.theta, trueTheta]);
    scorePairs.push([r.score.value, scaleOf(trueTheta)]);
    length += r.itemsAnswered;
    se += r.se;
    pse += parameterSe(state);
    const trueScore = Math.round(scaleOf(trueTheta));
    if (trueScore >= r.score.low && trueScore <= r.score.high) covered++;
  }
  const n = Math.max(1, o.mockExaminees);
  return { pool: label, thetaRmse: rmse(thetaPairs), scoreRmse: rmse(scorePairs), meanLength: length / n, meanSe: se / n, meanParameterSe: pse / n, coverage: covered / n };
}

/** Every answer so far (item index, learner index, correct: three numbers each) and every learner's true ability. */
interface AnswerLog {
  readonly answers: number[];
  readonly abilities: number[];
}

/** The bound of `CheckpointRow.bound` on the answers so far: a seeded chain of its own, so the simulation's draws are the same with or without it. */
function boundAt(pool: readonly SimItem[], log: AnswerLog, o: CalibrationSimOptions, progress: (line: string) => void): CheckpointRow["bound"] {
  const settings = o.bound;
  if (!settings) return null;
  const n = log.answers.length / 3;
  const answers = {
    item: Int32Array.from({ length: n }, (_, r) => log.answers[3 * r] ?? 0),
    learner: Int32Array.from({ length: n }, (_, r) => log.answers[3 * r + 1] ?? 0),
    correct: Uint8Array.from({ length: n }, (_, r) => log.answers[3 * r + 2] ?? 0),
  };
  const items: BoundItem[] = pool.map((it) => ({ authoredDifficulty: it.difficulty, guessing: it.truth.c, trueDiscrimination: it.truth.a }));
  const model: GenerativeModel = { difficultySd: SIM_POOL.difficultySd, authoringSd: o.authoringSd, discriminationRange: SIM_POOL.discriminationRange, abilitySd: SIM_POOL.abilitySd };
  const truth = pool.map((it) => it.truth.b);
  const run = (abilities: "estimated" | "known") => {
    const started = Date.now();
    const post = posteriorDifficulties(items, log.abilities.length, answers, model, {
      sweeps: settings.sweeps,
      burnIn: settings.burnIn,
      abilities,
      discrimination: "estimated",
      trueAbilities: Float64Array.from(log.abilities),
    }, mulberry32(o.seed * 31 + n));
    const e = boundError(post, truth);
    progress(`    best possible (abilities ${abilities}): b RMSE ${e.rmse.toFixed(3)}, expected ${e.expectedRmse.toFixed(3)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return e;
  };
  return { full: run("estimated"), knownAbilities: run("known") };
}

export function runCalibrationSim(o: CalibrationSimOptions = DEFAULT_CALIBRATION_SIM, progress: (line: string) => void = () => {}): CalibrationSimResult {
  const rng = mulberry32(o.seed);
  const pool = makePool(rng, o);
  const bySkill = new Map<string, SimItem[]>();
  for (const it of pool) {
    const s = it.skillIds[0] ?? "";
    bySkill.set(s, [...(bySkill.get(s) ?? []), it]);
  }
  const skills = [...bySkill.values()];
  const counters: ItemDeltas = {};
  const trueAnchorCounters: ItemDeltas = {};
  let published: PublishedCalibration | null = null;
  let fitsAtMock: Map<string, CalibratedParams> | null = null;
  const rows: CheckpointRow[] = [];
  if (o.bound && o.learning) throw new Error("the bound assumes learners of fixed ability (learning: null)");
  const itemIndex = new Map(pool.map((it, i) => [it.id, i]));
  const answerLog: AnswerLog | null = o.bound ? { answers: [], abilities: [] } : null;
  let responses = 0;
  let learners = 0;
  for (const target of o.checkpoints) {
    while (responses < target * o.items) {
      const skillItems = skills[Math.floor(rng() * skills.length)] ?? [];
      const { flush, trueAnchors, startTheta } = practise(published, skillItems, o.answersPerLearner, o.selection, o.learning, o.knowledge, rng, learners * 60_000);
      if (answerLog) {
        for (const x of flush) {
          const i = itemIndex.get(x.itemId);
          if (i === undefined) throw new Error(`an answer to ${x.itemId}, which is not in the pool`);
          answerLog.answers.push(i, learners, x.correct ? 1 : 0);
        }
        answerLog.abilities.push(startTheta);
      }
      mergeDeltas(counters, aggregateObservations(flush));
      mergeDeltas(trueAnchorCounters, aggregateObservations(trueAnchors));
      responses += flush.length;
      learners++;
    }
    const fits = fitAll(pool, counters, o.calibration);
    const bound = answerLog && o.bound?.at.includes(target) ? boundAt(pool, answerLog, o, progress) : null;
    const diagnostic = fitAll(pool, trueAnchorCounters, o.calibration);
    published = publish(fits, rows.length + 1, o.calibration);
    if (target === o.mockAt) fitsAtMock = fits;
    const estimatedA = pool.filter((it) => fits.get(it.id)?.discriminationEstimated);
    const row: CheckpointRow = {
      responsesPerItem: Math.round(responses / o.items),
      authoredBRmse: rmse(pool.map((it) => [it.difficulty, it.truth.b])),
      bRmse: rmse(pool.map((it) => [fits.get(it.id)?.difficulty ?? it.difficulty, it.truth.b])),
      bRmseTrueAnchors: rmse(pool.map((it) => [diagnostic.get(it.id)?.difficulty ?? it.difficulty, it.truth.b])),
      aRmse: estimatedA.length > 0 ? rmse(estimatedA.map((it) => [fits.get(it.id)?.discrimination ?? 1, it.truth.a])) : null,
      authoredARmse: estimatedA.length > 0 ? rmse(estimatedA.map((it) => [1, it.truth.a])) : null,
      calibratedShare: pool.filter((it) => fits.get(it.id)?.status === "calibrated").length / pool.length,
      meanSeB: pool.reduce((s, it) => s + (fits.get(it.id)?.seDifficulty ?? 0), 0) / pool.length,
      bound,
    };
    rows.push(row);
    progress(`  ${row.responsesPerItem} responses/item: b RMSE ${row.bRmse.toFixed(3)} (authored ${row.authoredBRmse.toFixed(3)}), calibrated ${(row.calibratedShare * 100).toFixed(0)} %`);
  }

  const truth = new Map(pool.map((it) => [it.id, it.truth]));
  const truePool: CatItem[] = pool.map((it) => ({ id: it.id, skillId: "all", difficulty: it.truth.b, discrimination: it.truth.a, guessing: it.truth.c, calibrated: true }));
  const authoredPool: CatItem[] = pool.map((it) => ({ id: it.id, skillId: "all", difficulty: it.difficulty, calibrated: false, ...(it.choices ? { choiceCount: it.choices } : {}), difficultySe: AUTHORED_DIFFICULTY_SE }));
  const fits = fitsAtMock ?? fitAll(pool, counters, o.calibration);
  const calibratedPool: CatItem[] = pool.map((it) => {
    const f = fits.get(it.id);
    if (f?.status === "calibrated") return { id: it.id, skillId: "all", difficulty: f.difficulty, discrimination: f.discrimination, guessing: f.guessing, calibrated: true, difficultySe: f.seDifficulty };
    return { id: it.id, skillId: "all", difficulty: f?.difficulty ?? it.difficulty, calibrated: false, ...(it.choices ? { choiceCount: it.choices } : {}), difficultySe: f?.seDifficulty ?? AUTHORED_DIFFICULTY_SE };
  });
  progress("  mock tests: true, calibrated and authored parameters");
  const mock = [
    mockTests(truePool, truth, o, mulberry32(o.seed + 1), "true"),
    mockTests(calibratedPool, truth, o, mulberry32(o.seed + 1), "calibrated"),
    mockTests(authoredPool, truth, o, mulberry32(o.seed + 1), "authored"),
  ];
  return { options: o, checkpoints: rows, mock, learners };
}
