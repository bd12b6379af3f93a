/**
 * Monte Carlo evaluation of the CAT (`./cat`) against simulees of known ability. Pure and
 * seeded, so `scripts/sim-cat.ts` and an evaluation harness get identical numbers.
 *
 * Responses are drawn from the same 3PL the CAT assumes (u = 1 iff U(0,1) < P(θ_true)), so
 * this measures the procedure (selection, estimation, stopping, exposure), not model misfit.
 */
import type { Rng } from "./random";
import { mulberry32, normalDraw, shuffled } from "./random";
import type { BlueprintEntry, CatConfig, CatItem, StopReason } from "./cat";
import { contentDeviation, recordResponse, resolveItemParams, selectNextItem, shouldStop, startCat } from "./cat";
import type { QuadratureGrid } from "./irt";
import { eapFromLogPosterior, normalQuadrature, probability } from "./irt";

export interface SyntheticPoolOptions {
  readonly items: number;
  readonly skills: number;
  readonly aMin: number;
  readonly aMax: number;
  readonly bSd: number;
  /** Lower asymptote for multiple-choice items (free-response items get 0). */
  readonly c: number;
  /** Share of items that are multiple choice. */
  readonly mcShare: number;
}

/** 600 calibrated items over 6 equally weighted skills, a ~ U(0.8, 2.0), b ~ N(0, 1.2²), c = 0.2 (MC). */
export const DEFAULT_SYNTHETIC_POOL: SyntheticPoolOptions = {
  items: 600,
  skills: 6,
  aMin: 0.8,
  aMax: 2.0,
  bSd: 1.2,
  c: 0.2,
  mcShare: 1,
};

/** A calibrated synthetic pool and an equal-share blueprint over its skills. */
export function syntheticPool(
  rng: Rng,
  options: SyntheticPoolOptions = DEFAULT_SYNTHETIC_POOL,
): { items: CatItem[]; blueprint: BlueprintEntry[] } {
  const items: CatItem[] = [];
  const skillIds = Array.from({ length: options.skills }, (_, s) => `skill-${s + 1}`);
  for (let i = 0; i < options.items; i++) {
    const mc = rng() < options.mcShare;
    items.push({
      id: `item-${String(i + 1).padStart(4, "0")}`,
      skillId: skillIds[i % options.skills] ?? "skill-1",
      difficulty: normalDraw(rng, 0, options.bSd),
      discrimination: options.aMin + (options.aMax - options.aMin) * rng(),
      guessing: mc ? options.c : 0,
      calibrated: true,
      ...(mc ? { choiceCount: Math.max(2, Math.round(1 / options.c)) } : {}),
    });
  }
  return { items, blueprint: skillIds.map((skillId) => ({ skillId, target: 1 / options.skills })) };
}

/** θ₁…θₙ drawn from N(0, 1). */
export function drawAbilities(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => normalDraw(rng));
}

/** One simulee's adaptive test. */
export interface ExamineeResult {
  readonly trueTheta: number;
  readonly theta: number;
  readonly se: number;
  readonly length: number;
  readonly stopReason: StopReason | null;
  readonly administered: readonly string[];
  /** Items that entered the Sympson–Hetter lottery at least once (P(S) in the calibration). */
  readonly considered: readonly string[];
  /** θ̂ (EAP) after 1, 2, … responses. */
  readonly trajectory: readonly number[];
  readonly contentDeviation: number;
}

export interface SimulationInput {
  readonly pool: readonly CatItem[];
  readonly blueprint: readonly BlueprintEntry[];
  readonly config: Partial<CatConfig>;
  readonly exposureParams?: ReadonlyMap<string, number>;
  readonly recentlySeen?: ReadonlySet<string>;
}

/** Run the real state machine for one simulee; the clock advances one second per item. */
export function simulateExaminee(input: SimulationInput, trueTheta: number, rng: Rng): ExamineeResult {
  let now = 0;
  let state = startCat(input.config, input.blueprint, now);
  const considered = new Set<string>();
  const trajectory: number[] = [];
  const context = {
    ...(input.exposureParams ? { exposureParams: input.exposureParams } : {}),
    ...(input.recentlySeen ? { recentlySeen: input.recentlySeen } : {}),
  };
  while (shouldStop(state, now) === null) {
    const pick = selectNextItem(state, input.pool, context, rng);
    state = pick.state;
    if (!pick.item) break;
    for (const id of pick.considered) considered.add(id);
    const pending = state.pending;
    if (!pending) break;
    const correct = rng() < probability(trueTheta, pending.params);
    now += 1000;
    state = recordResponse(state, pick.item.id, correct, now);
    trajectory.push(state.theta);
  }
  return {
    trueTheta,
    theta: state.theta,
    se: state.se,
    length: state.responses.length,
    stopReason: shouldStop(state, now),
    administered: state.responses.map((r) => r.itemId),
    considered: [...considered],
    trajectory,
    contentDeviation: contentDeviation(state),
  };
}

/** Accuracy of estimates: RMSE = √(mean (θ̂ − θ)²), bias = mean (θ̂ − θ). */
export function accuracy(pairs: readonly { trueTheta: number; theta: number }[]): { rmse: number; bias: number } {
  if (pairs.length === 0) return { rmse: Number.NaN, bias: Number.NaN };
  let se = 0;
  let b = 0;
  for (const p of pairs) {
    const d = p.theta - p.trueTheta;
    se += d * d;
    b += d;
  }
  return { rmse: Math.sqrt(se / pairs.length), bias: b / pairs.length };
}

/** The q-quantile (0 ≤ q ≤ 1) by the nearest-rank method. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/**
 * Exposure rate of each item = (simulees who were given it) / (simulees). The maximum is
 * what Sympson–Hetter bounds; `unused` counts items nobody saw (pool utilisation).
 */
export function measureExposure(
  results: readonly { administered: readonly string[] }[],
  poolIds: readonly string[],
): { rates: Map<string, number>; max: number; unused: number } {
  const counts = new Map<string, number>(poolIds.map((id) => [id, 0]));
  for (const r of results) for (const id of new Set(r.administered)) counts.set(id, (counts.get(id) ?? 0) + 1);
  const n = Math.max(1, results.length);
  const rates = new Map<string, number>();
  let max = 0;
  let unused = 0;
  for (const [id, c] of counts) {
    rates.set(id, c / n);
    max = Math.max(max, c / n);
    if (c === 0) unused++;
  }
  return { rates, max, unused };
}

export interface CatSimulation {
  readonly results: readonly ExamineeResult[];
  readonly meanLength: number;
  readonly p90Length: number;
  readonly rmse: number;
  readonly bias: number;
  /** Share of simulees whose test ended with SE ≤ target. */
  readonly reachedSe: number;
  readonly maxExposure: number;
  readonly unusedItems: number;
  readonly meanContentDeviation: number;
  readonly maxContentDeviation: number;
}

/** Simulate every θ in `thetas` through the CAT and summarise. */
export function simulateCat(input: SimulationInput, thetas: readonly number[], rng: Rng): CatSimulation {
  const results = thetas.map((t) => simulateExaminee(input, t, rng));
  const lengths = results.map((r) => r.length);
  const { rmse, bias } = accuracy(results);
  const exposure = measureExposure(
    results,
    input.pool.map((i) => i.id),
  );
  const devs = results.map((r) => r.contentDeviation);
  return {
    results,
    meanLength: mean(lengths),
    p90Length: quantile(lengths, 0.9),
    rmse,
    bias,
    reachedSe: results.filter((r) => r.stopReason === "se_target").length / Math.max(1, results.length),
    maxExposure: exposure.max,
    unusedItems: exposure.unused,
    meanContentDeviation: mean(devs),
    maxContentDeviation: devs.reduce((m, d) => Math.max(m, d), 0),
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

/**
 * Sympson & Hetter (1985) exposure parameters by iterated simulation (procedure as in Hetter &
 * Sympson 1997): start with Kᵢ = 1; each round simulate the CAT with the current K, measure
 * P(Sᵢ) = share of simulees for whom item i entered the lottery, and set
 *
 *   Kᵢ ← r_max / P(Sᵢ)  if P(Sᵢ) > r_max,  else 1,
 *
 * so that P(Aᵢ) = P(Sᵢ) · Kᵢ ≤ r_max. `history` holds the maximum exposure of each round.
 */
export function calibrateSympsonHetter(
  input: SimulationInput,
  options: { readonly rMax: number; readonly rounds: number; readonly thetas: readonly number[]; readonly rng: Rng },
): { params: Map<string, number>; history: number[] } {
  const config: Partial<CatConfig> = {
    ...input.config,
    exposure: { randomesqueK: input.config.exposure?.randomesqueK ?? 1, sympsonHetter: true },
  };
  let params = new Map<string, number>(input.pool.map((i) => [i.id, 1]));
  const history: number[] = [];
  const n = Math.max(1, options.thetas.length);
  for (let round = 0; round < options.rounds; round++) {
    const results = options.thetas.map((t) =>
      simulateExaminee({ ...input, config, exposureParams: params }, t, options.rng),
    );
    history.push(measureExposure(results, input.pool.map((i) => i.id)).max);
    const selected = new Map<string, number>();
    for (const r of results) for (const id of r.considered) selected.set(id, (selected.get(id) ?? 0) + 1);
    const next = new Map<string, number>();
    for (const item of input.pool) {
      const ps = (selected.get(item.id) ?? 0) / n;
      next.set(item.id, ps > options.rMax ? options.rMax / ps : 1);
    }
    params = next;
  }
  return { params, history };
}

/**
 * Forms for the fixed-test comparison: random orderings of the pool, interleaved so every
 * prefix follows the blueprint (Kingsbury–Zara deficit order), so a length-L form is the
 * first L items. Content-balanced random forms are the fair baseline: same blueprint, no
 * adaptation.
 */
export function randomForms(
  pool: readonly CatItem[],
  blueprint: readonly BlueprintEntry[],
  count: number,
  length: number,
  rng: Rng,
): CatItem[][] {
  const total = blueprint.reduce((s, e) => s + e.target, 0);
  return Array.from({ length: count }, () => {
    const queues = new Map(
      blueprint.map((e) => [e.skillId, shuffled(rng, pool.filter((i) => i.skillId === e.skillId))]),
    );
    const given = new Map<string, number>();
    const form: CatItem[] = [];
    while (form.length < length) {
      let best: { skillId: string; deficit: number } | null = null;
      for (const e of blueprint) {
        if ((queues.get(e.skillId)?.length ?? 0) === 0) continue;
        const deficit = (e.target / total) * (form.length + 1) - (given.get(e.skillId) ?? 0);
        if (!best || deficit > best.deficit + 1e-9) best = { skillId: e.skillId, deficit };
      }
      if (!best) break;
      const item = queues.get(best.skillId)?.pop();
      if (!item) break;
      form.push(item);
      given.set(best.skillId, (given.get(best.skillId) ?? 0) + 1);
    }
    return form;
  });
}

/**
 * Accuracy of EAP θ̂ on fixed forms at every length 1…maxLength: simulee j takes form j mod F
 * and its log-posterior on the grid is accumulated item by item, so one pass gives all
 * lengths. Entry L − 1 is the value at length L (NaN beyond the forms' length).
 */
export function fixedFormCurve(
  forms: readonly (readonly CatItem[])[],
  thetas: readonly number[],
  maxLength: number,
  rng: Rng,
  quadrature: QuadratureGrid = normalQuadrature(),
): { rmse: number[]; bias: number[] } {
  const sq = new Array<number>(maxLength).fill(0);
  const sum = new Array<number>(maxLength).fill(0);
  const counts = new Array<number>(maxLength).fill(0);
  thetas.forEach((trueTheta, j) => {
    const form = forms[j % Math.max(1, forms.length)] ?? [];
    const logPost = quadrature.weights.map((w) => Math.log(w));
    const len = Math.min(maxLength, form.length);
    for (let l = 0; l < len; l++) {
      const item = form[l];
      if (!item) break;
      const { params } = resolveItemParams(item);
      const correct = rng() < probability(trueTheta, params);
      for (let k = 0; k < quadrature.nodes.length; k++) {
        const p = Math.min(1 - 1e-12, Math.max(1e-12, probability(quadrature.nodes[k] ?? 0, params)));
        logPost[k] = (logPost[k] ?? 0) + Math.log(correct ? p : 1 - p);
      }
      const d = eapFromLogPosterior(quadrature.nodes, logPost).theta - trueTheta;
      sq[l] = (sq[l] ?? 0) + d * d;
      sum[l] = (sum[l] ?? 0) + d;
      counts[l] = (counts[l] ?? 0) + 1;
    }
  });
  const at = (values: number[], f: (v: number, n: number) => number) =>
    values.map((v, l) => ((counts[l] ?? 0) > 0 ? f(v, counts[l] ?? 1) : Number.NaN));
  return { rmse: at(sq, (v, n) => Math.sqrt(v / n)), bias: at(sum, (v, n) => v / n) };
}

/** RMSE of the CAT's θ̂ after L items, from fixed-length runs' trajectories (entry L − 1). */
export function trajectoryRmseCurve(results: readonly ExamineeResult[], maxLength: number): number[] {
  return Array.from({ length: maxLength }, (_, l) => {
    const pairs = results.flatMap((r) => {
      const theta = r.trajectory[l];
      return theta === undefined ? [] : [{ trueTheta: r.trueTheta, theta }];
    });
    return accuracy(pairs).rmse;
  });
}

/**
 * Smallest length L whose RMSE stays ≤ target from L to the end of the curve (so one lucky
 * dip of a noisy curve does not count), or null if the curve never gets there.
 */
export function lengthToMatch(curve: readonly number[], target: number): number | null {
  let answer: number | null = null;
  for (let l = curve.length - 1; l >= 0; l--) {
    const r = curve[l];
    if (r === undefined || !(r <= target)) break;
    answer = l + 1;
  }
  return answer;
}

// ─── The full study ─────────────────────────────────────────────────────────────────────

export interface StudyOptions {
  readonly seed: number;
  readonly examinees: number;
  /** Simulees per Sympson–Hetter calibration round, and rounds. */
  readonly calibrationExaminees: number;
  readonly calibrationRounds: number;
  readonly rMax: number;
  readonly randomesqueK: number;
  readonly seTarget: number;
  readonly maxItems: number;
  /** Lengths plotted (CAT at fixed length vs fixed forms), and searched for the fixed-form match. */
  readonly curveLength: number;
  readonly fixedSearchLength: number;
  readonly forms: number;
  readonly pool?: { readonly items: readonly CatItem[]; readonly blueprint: readonly BlueprintEntry[] };
  /** Called between phases with a human-readable line. */
  readonly progress?: (message: string) => void;
}

export const DEFAULT_STUDY: StudyOptions = {
  seed: 20240601,
  examinees: 1000,
  calibrationExaminees: 800,
  calibrationRounds: 10,
  rMax: 0.2,
  randomesqueK: 5,
  seTarget: 0.3,
  maxItems: 60,
  curveLength: 40,
  fixedSearchLength: 200,
  forms: 50,
};

export interface ConditionRow {
  readonly label: string;
  readonly sim: CatSimulation;
}

export interface StudyResult {
  readonly options: Omit<StudyOptions, "pool" | "progress">;
  readonly seeds: { readonly pool: number; readonly abilities: number; readonly runs: number };
  /** "synthetic": generated from `seeds.pool` with DEFAULT_SYNTHETIC_POOL; "provided": options.pool. */
  readonly poolSource: "synthetic" | "provided";
  readonly poolSize: number;
  readonly skills: number;
  readonly conditions: readonly ConditionRow[];
  /** Fixed forms at the (rounded) mean length of the first condition. */
  readonly fixedAtMeanLength: { readonly length: number; readonly rmse: number; readonly bias: number };
  /** Smallest fixed-form length matching each condition's RMSE (null: beyond the search). */
  readonly fixedLengthToMatch: readonly (number | null)[];
  /** RMSE by length: CAT (no SE stop, randomesque) for 1…curveLength, fixed forms for 1…2·curveLength. */
  readonly curves: { readonly cat: readonly number[]; readonly fixed: readonly number[] };
  readonly shHistory: readonly number[];
}

/**
 * The study behind `reports/cat-simulation.md`: four exposure conditions on one simulee
 * sample (common random numbers: each condition restarts the same run seed), fixed-form
 * RMSE curves, and Sympson–Hetter calibration.
 */
export function runCatStudy(options: StudyOptions = DEFAULT_STUDY): StudyResult {
  const log = options.progress ?? (() => undefined);
  const seeds = { pool: options.seed, abilities: options.seed + 1, runs: options.seed + 2 };
  const { items: pool, blueprint } = options.pool ?? syntheticPool(mulberry32(seeds.pool));
  const thetas = drawAbilities(mulberry32(seeds.abilities), options.examinees);
  const base: Partial<CatConfig> = {
    minItems: 5,
    maxItems: options.maxItems,
    seTarget: options.seTarget,
    timeLimitMs: null,
  };
  const run = (label: string, exposure: CatConfig["exposure"], exposureParams?: ReadonlyMap<string, number>) => {
    log(`CAT: ${label} (${thetas.length} simulees)`);
    const input: SimulationInput = {
      pool,
      blueprint,
      config: { ...base, exposure },
      ...(exposureParams ? { exposureParams } : {}),
    };
    return { label, sim: simulateCat(input, thetas, mulberry32(seeds.runs)) };
  };

  const conditions: ConditionRow[] = [];
  conditions.push(run("Max info, no exposure control", { randomesqueK: 1, sympsonHetter: false }));
  conditions.push(
    run(`Randomesque k = ${options.randomesqueK}`, { randomesqueK: options.randomesqueK, sympsonHetter: false }),
  );

  log(`Sympson–Hetter calibration: r_max = ${options.rMax}, ${options.calibrationRounds} rounds × ${options.calibrationExaminees}`);
  const calThetas = drawAbilities(mulberry32(seeds.abilities + 100), options.calibrationExaminees);
  const sh = calibrateSympsonHetter(
    { pool, blueprint, config: { ...base, exposure: { randomesqueK: 1, sympsonHetter: true } } },
    { rMax: options.rMax, rounds: options.calibrationRounds, thetas: calThetas, rng: mulberry32(seeds.runs + 100) },
  );
  conditions.push(run(`Sympson–Hetter r_max = ${options.rMax}`, { randomesqueK: 1, sympsonHetter: true }, sh.params));
  log(`Sympson–Hetter calibration with randomesque k = ${options.randomesqueK}`);
  const shK = calibrateSympsonHetter(
    { pool, blueprint, config: { ...base, exposure: { randomesqueK: options.randomesqueK, sympsonHetter: true } } },
    { rMax: options.rMax, rounds: options.calibrationRounds, thetas: calThetas, rng: mulberry32(seeds.runs + 200) },
  );
  conditions.push(
    run(
      `Randomesque k = ${options.randomesqueK} + Sympson–Hetter`,
      { randomesqueK: options.randomesqueK, sympsonHetter: true },
      shK.params,
    ),
  );

  log(`Fixed forms: ${options.forms} content-balanced random forms, lengths 1–${options.fixedSearchLength}`);
  const forms = randomForms(pool, blueprint, options.forms, options.fixedSearchLength, mulberry32(seeds.runs + 300));
  const fixed = fixedFormCurve(forms, thetas, options.fixedSearchLength, mulberry32(seeds.runs + 400));
  const first = conditions[0];
  const meanLen = Math.min(options.fixedSearchLength, Math.max(1, Math.round(first ? first.sim.meanLength : 1)));

  log(`CAT curve: fixed length ${options.curveLength}, randomesque k = ${options.randomesqueK}`);
  const curveSim = simulateCat(
    {
      pool,
      blueprint,
      config: {
        ...base,
        minItems: options.curveLength,
        maxItems: options.curveLength,
        seTarget: 0,
        exposure: { randomesqueK: options.randomesqueK, sympsonHetter: false },
      },
    },
    thetas,
    mulberry32(seeds.runs),
  );

  const { pool: _pool, progress: _progress, ...plainOptions } = options;
  return {
    options: plainOptions,
    seeds,
    poolSource: options.pool ? "provided" : "synthetic",
    poolSize: pool.length,
    skills: blueprint.length,
    conditions,
    fixedAtMeanLength: {
      length: meanLen,
      rmse: fixed.rmse[meanLen - 1] ?? Number.NaN,
      bias: fixed.bias[meanLen - 1] ?? Number.NaN,
    },
    fixedLengthToMatch: conditions.map((c) => lengthToMatch(fixed.rmse, c.sim.rmse)),
    curves: {
      cat: trajectoryRmseCurve(curveSim.results, options.curveLength),
      fixed: fixed.rmse.slice(0, Math.min(options.fixedSearchLength, 2 * options.curveLength)),
    },
    shHistory: sh.history,
  };
}
