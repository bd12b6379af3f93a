/**
 * Computerized adaptive testing (CAT) for mock tests: a session state machine as pure
 * functions over a plain-JSON state. Pure: the caller passes `now` and a seeded `rng`.
 *
 *   let s = startCat(config, blueprint, now);
 *   while (shouldStop(s, now) === null) {
 *     const pick = selectNextItem(s, pool, context, rng);
 *     if (!pick.item) break;                         // pool exhausted; shouldStop now says so
 *     s = recordResponse(pick.state, pick.item.id, await ask(pick.item), now);
 *   }
 *   const result = report(s, now);
 *
 * Ability is re-estimated by EAP (Bock & Mislevy 1982) after every response; the EAP
 * posterior SD is the SE used by the stopping rule. Item choice is maximum Fisher information
 * at θ̂ (Lord 1980) inside the content stratum chosen by the Kingsbury & Zara (1989) rule,
 * with randomesque (Kingsbury & Zara 1989) and/or Sympson–Hetter (1985) exposure control.
 */
import type { Rng } from "./random";
import { randomIndex, shuffled } from "./random";
import type { AbilityEstimate, ItemParams, QuadratureConfig, ScoredResponse } from "./irt";
import { DEFAULT_QUADRATURE, eapEstimate, information, normalQuadrature } from "./irt";

/** A pool item as the CAT sees it: the content item's IRT fields plus its primary skill. */
export interface CatItem {
  readonly id: string;
  /** Primary skill: the content stratum the blueprint balances over. */
  readonly skillId: string;
  /** b on the logit scale (authored, or calibrated when `calibrated`). */
  readonly difficulty: number;
  /** a; used only when `calibrated`. */
  readonly discrimination?: number;
  /** c; used only when `calibrated`. */
  readonly guessing?: number;
  /** Whether a, b, c were fitted on response data. */
  readonly calibrated: boolean;
  /** Number of options for multiple choice; absent for free response. */
  readonly choiceCount?: number;
  /**
   * Standard error of `difficulty` (the calibration job's); absent: AUTHORED_DIFFICULTY_SE for
   * an uncalibrated item, 0 for a calibrated one. Widens the reported interval (`report`).
   */
  readonly difficultySe?: number;
}

/**
 * How far an authored difficulty is assumed to be from the truth (logits, one SD): the
 * calibration job's prior SD around the authored value (src/core/calibration.ts).
 */
export const AUTHORED_DIFFICULTY_SE = 1;

/**
 * The parameters the CAT uses for an item. Uncalibrated items get the documented default
 * a = 1, b = authored difficulty, c = 1/choices for multiple choice (a blind guess) and
 * c = 0 for free response; authored a and c are ignored until calibrated, because authors
 * guess b far better than a. `defaulted` lets the report count them.
 */
export function resolveItemParams(item: CatItem): { params: ItemParams; defaulted: boolean } {
  if (item.calibrated) {
    return {
      params: { a: item.discrimination ?? 1, b: item.difficulty, c: item.guessing ?? 0 },
      defaulted: false,
    };
  }
  const c = item.choiceCount !== undefined && item.choiceCount >= 2 ? 1 / item.choiceCount : 0;
  return { params: { a: 1, b: item.difficulty, c }, defaulted: true };
}

/** Target share of a skill in the test; shares are normalised to sum to 1 by `startCat`. */
export interface BlueprintEntry {
  readonly skillId: string;
  readonly target: number;
}

/** Exposure control. Both may be on: randomesque reorders the top k, then Sympson–Hetter filters. */
export interface ExposureControl {
  /** Randomesque: administer one of the k most informative at random; 1 turns it off. */
  readonly randomesqueK: number;
  /** Sympson–Hetter: apply `SelectionContext.exposureParams` (missing items get K = 1). */
  readonly sympsonHetter: boolean;
}

/** Reported score = clamp(center + slope · θ, min, max); the default is the 200–800 scale. */
export interface ScoreScale {
  readonly center: number;
  readonly slope: number;
  readonly min: number;
  readonly max: number;
}

export interface CatConfig {
  /** No SE stop before this many responses (EAP SE is optimistic on very short tests). */
  readonly minItems: number;
  readonly maxItems: number;
  /** Stop once the posterior SD of θ is at most this. */
  readonly seTarget: number;
  /** Stop once now − startedAt ≥ this; null for untimed. */
  readonly timeLimitMs: number | null;
  readonly quadrature: QuadratureConfig;
  readonly exposure: ExposureControl;
  readonly scale: ScoreScale;
}

/** SE 0.3 ≈ reliability 0.91 on a N(0,1) population; 5–40 items; 40 minutes; randomesque top-5. */
export const DEFAULT_CAT_CONFIG: CatConfig = {
  minItems: 5,
  maxItems: 40,
  seTarget: 0.3,
  timeLimitMs: 40 * 60_000,
  quadrature: DEFAULT_QUADRATURE,
  exposure: { randomesqueK: 5, sympsonHetter: false },
  scale: { center: 500, slope: 100, min: 200, max: 800 },
};

export type StopReason = "se_target" | "max_items" | "time_limit" | "pool_exhausted";

/** An item handed out and not yet answered; its parameters are frozen into the state. */
export interface PendingItem {
  readonly itemId: string;
  readonly skillId: string;
  readonly params: ItemParams;
  readonly defaulted: boolean;
  /** It had been seen recently in practice and was used only because nothing else was left. */
  readonly recent: boolean;
  /** SE of b (see `CatItem.difficultySe`); absent in states stored before it existed. */
  readonly difficultySe?: number;
}

export interface AnsweredItem extends PendingItem {
  readonly correct: boolean;
  readonly answeredAt: number;
}

/** The whole session, plain JSON: safe to store in a Durable Object and resume. */
export interface CatState {
  readonly version: 1;
  readonly config: CatConfig;
  readonly blueprint: readonly BlueprintEntry[];
  readonly startedAt: number;
  readonly responses: readonly AnsweredItem[];
  readonly pending: PendingItem | null;
  /** Items that lost the Sympson–Hetter lottery: set aside for the rest of this test. */
  readonly setAside: readonly string[];
  /** Current EAP estimate and posterior SD. */
  readonly theta: number;
  readonly se: number;
  readonly poolExhausted: boolean;
}

/** What the caller knows about this learner and the pool beyond the items themselves. */
export interface SelectionContext {
  /** Item ids seen recently in practice: skipped while anything else in the stratum remains. */
  readonly recentlySeen?: ReadonlySet<string>;
  /** Sympson–Hetter exposure parameters Kᵢ ∈ [0, 1] (see `calibrateSympsonHetter`). */
  readonly exposureParams?: ReadonlyMap<string, number>;
}

export interface Selection {
  readonly state: CatState;
  /** null when nothing is left to give (the state then has `poolExhausted`) or the test is full. */
  readonly item: CatItem | null;
  /** Items that entered the Sympson–Hetter lottery this step, in order; the last was administered. */
  readonly considered: readonly string[];
}

function grid(config: CatConfig) {
  return normalQuadrature(config.quadrature);
}

function estimate(config: CatConfig, responses: readonly ScoredResponse[]): AbilityEstimate {
  return eapEstimate(responses, grid(config));
}

/**
 * A new session. Blueprint targets are normalised to shares; an empty blueprint means no
 * content balancing (every item is one stratum). The initial θ̂ and SE are the prior's.
 */
export function startCat(config: Partial<CatConfig>, blueprint: readonly BlueprintEntry[], now: number): CatState {
  const full: CatConfig = { ...DEFAULT_CAT_CONFIG, ...config };
  if (!(full.minItems >= 0 && full.maxItems >= 1 && full.minItems <= full.maxItems)) {
    throw new RangeError("CAT config needs 0 ≤ minItems ≤ maxItems and maxItems ≥ 1");
  }
  if (!(full.exposure.randomesqueK >= 1)) throw new RangeError("randomesqueK must be ≥ 1");
  const seen = new Set<string>();
  for (const e of blueprint) {
    if (!(e.target >= 0) || !Number.isFinite(e.target)) throw new RangeError(`bad target for ${e.skillId}`);
    if (seen.has(e.skillId)) throw new RangeError(`skill ${e.skillId} appears twice in the blueprint`);
    seen.add(e.skillId);
  }
  const total = blueprint.reduce((s, e) => s + e.target, 0);
  if (blueprint.length > 0 && !(total > 0)) throw new RangeError("blueprint targets sum to 0");
  const prior = estimate(full, []);
  return {
    version: 1,
    config: full,
    blueprint: blueprint.filter((e) => e.target > 0).map((e) => ({ skillId: e.skillId, target: e.target / total })),
    startedAt: now,
    responses: [],
    pending: null,
    setAside: [],
    theta: prior.theta,
    se: prior.se,
    poolExhausted: false,
  };
}

/** Stratum key for an item: its skill under a blueprint, one shared stratum without one. */
function stratumOf(state: CatState, item: CatItem): string {
  return state.blueprint.length > 0 ? item.skillId : "*";
}

interface Candidate {
  readonly item: CatItem;
  readonly params: ItemParams;
  readonly defaulted: boolean;
  readonly info: number;
  readonly recent: boolean;
}

/**
 * Choose the next item and mark it pending. Steps:
 *
 * 1. Eligible: in the pool, in the blueprint, not yet given in this test (no repeats), not set
 *    aside by Sympson–Hetter (unless nothing else remains).
 * 2. Content (Kingsbury & Zara 1989): the stratum furthest below its target,
 *    deficit = target · (n + 1) − given, ties broken at random. Strata whose remaining items
 *    were all seen recently in practice rank after every stratum with fresh items — the
 *    penalty for recent items; within the stratum recent items are excluded if any fresh one
 *    remains.
 * 3. Information: rank by Fisher information at θ̂ (ties by id, for determinism).
 * 4. Exposure: randomesque shuffles the top k to the front; Sympson–Hetter (1985) then walks
 *    the order, administering item i with probability Kᵢ and setting it aside for the rest of
 *    the test otherwise. If every candidate loses, the first in the order is given.
 *
 * If an item is already pending it is returned again (idempotent re-fetch) without using rng.
 */
export function selectNextItem(
  state: CatState,
  pool: readonly CatItem[],
  context: SelectionContext,
  rng: Rng,
): Selection {
  if (state.pending) {
    const pendingId = state.pending.itemId;
    const again = pool.find((i) => i.id === pendingId) ?? null;
    return { state, item: again, considered: [] };
  }
  if (state.responses.length >= state.config.maxItems) return { state, item: null, considered: [] };

  const given = new Set(state.responses.map((r) => r.itemId));
  const inBlueprint = new Set(state.blueprint.map((e) => e.skillId));
  const open = pool.filter((i) => !given.has(i.id) && (inBlueprint.size === 0 || inBlueprint.has(i.skillId)));
  const setAside = new Set(state.setAside);
  const notAside = open.filter((i) => !setAside.has(i.id));
  const eligible = notAside.length > 0 ? notAside : open;
  if (eligible.length === 0) return { state: { ...state, poolExhausted: true }, item: null, considered: [] };

  const recent = context.recentlySeen;
  const byStratum = new Map<string, CatItem[]>();
  for (const item of eligible) {
    const key = stratumOf(state, item);
    const list = byStratum.get(key);
    if (list) list.push(item);
    else byStratum.set(key, [item]);
  }

  // Step 2: Kingsbury–Zara stratum choice.
  const n = state.responses.length;
  const givenBySkill = new Map<string, number>();
  for (const r of state.responses) givenBySkill.set(r.skillId, (givenBySkill.get(r.skillId) ?? 0) + 1);
  const targets = new Map(state.blueprint.map((e) => [e.skillId, e.target]));
  const ranked = [...byStratum.entries()].map(([key, items]) => ({
    key,
    items,
    hasFresh: recent ? items.some((i) => !recent.has(i.id)) : true,
    deficit: key === "*" ? 0 : (targets.get(key) ?? 0) * (n + 1) - (givenBySkill.get(key) ?? 0),
  }));
  ranked.sort((x, y) => Number(y.hasFresh) - Number(x.hasFresh) || y.deficit - x.deficit);
  const head = ranked[0];
  if (!head) return { state: { ...state, poolExhausted: true }, item: null, considered: [] };
  const tied = ranked.filter((r) => r.hasFresh === head.hasFresh && Math.abs(r.deficit - head.deficit) < 1e-9);
  const stratum = tied.length > 1 ? (tied[randomIndex(rng, tied.length)] ?? head) : head;

  // Step 3: maximum information within the stratum.
  const fresh = recent ? stratum.items.filter((i) => !recent.has(i.id)) : stratum.items;
  const pickFrom = fresh.length > 0 ? fresh : stratum.items;
  const candidates: Candidate[] = pickFrom.map((item) => {
    const { params, defaulted } = resolveItemParams(item);
    return { item, params, defaulted, info: information(state.theta, params), recent: recent?.has(item.id) ?? false };
  });
  candidates.sort((x, y) => y.info - x.info || (x.item.id < y.item.id ? -1 : x.item.id > y.item.id ? 1 : 0));

  // Step 4: exposure control.
  const k = Math.min(Math.floor(state.config.exposure.randomesqueK), candidates.length);
  const order = k > 1 ? [...shuffled(rng, candidates.slice(0, k)), ...candidates.slice(k)] : candidates;
  const first = order[0];
  if (!first) return { state: { ...state, poolExhausted: true }, item: null, considered: [] };
  let chosen: Candidate = first;
  const considered: string[] = [];
  const lost: string[] = [];
  if (state.config.exposure.sympsonHetter && context.exposureParams) {
    let won = false;
    for (const cand of order) {
      considered.push(cand.item.id);
      const kParam = context.exposureParams.get(cand.item.id) ?? 1;
      if (kParam >= 1 || rng() < kParam) {
        chosen = cand;
        won = true;
        break;
      }
      lost.push(cand.item.id);
    }
    if (!won) {
      considered.push(first.item.id);
      lost.splice(lost.indexOf(first.item.id), 1);
    }
  } else {
    considered.push(first.item.id);
  }

  const pending: PendingItem = {
    itemId: chosen.item.id,
    skillId: chosen.item.skillId,
    params: chosen.params,
    defaulted: chosen.defaulted,
    recent: chosen.recent,
    difficultySe: chosen.item.difficultySe ?? (chosen.defaulted ? AUTHORED_DIFFICULTY_SE : 0),
  };
  return {
    state: { ...state, pending, setAside: lost.length > 0 ? [...state.setAside, ...lost] : state.setAside },
    item: chosen.item,
    considered,
  };
}

/**
 * Score the pending item and re-estimate θ by EAP over all responses so far.
 * Throws if `itemId` is not the pending item (a stale or forged answer).
 */
export function recordResponse(state: CatState, itemId: string, correct: boolean, now: number): CatState {
  const pending = state.pending;
  if (!pending || pending.itemId !== itemId) {
    throw new Error(`item ${itemId} is not the pending item of this test`);
  }
  const responses = [...state.responses, { ...pending, correct, answeredAt: now }];
  const est = estimate(state.config, responses);
  return { ...state, responses, pending: null, theta: est.theta, se: est.se };
}

/**
 * Which rule, if any, ends the test now. Checked in this order: the time limit
 * (now − startedAt ≥ limit, even before minItems), an exhausted pool, the maximum length,
 * and SE ≤ target once minItems responses are in.
 */
export function shouldStop(state: CatState, now: number): StopReason | null {
  const { config } = state;
  if (config.timeLimitMs !== null && now - state.startedAt >= config.timeLimitMs) return "time_limit";
  if (state.poolExhausted) return "pool_exhausted";
  const n = state.responses.length;
  if (n >= config.maxItems) return "max_items";
  if (n >= config.minItems && state.se <= config.seTarget) return "se_target";
  return null;
}

/** A scaled score with its 95% interval, each clamped to the scale. */
export interface ScaledScore {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/** clamp(center + slope · θ) and the same for θ ± 1.96 · SE, rounded to integers. */
export function scaleScore(theta: number, se: number, scale: ScoreScale): ScaledScore {
  const f = (t: number) => Math.round(Math.min(scale.max, Math.max(scale.min, scale.center + scale.slope * t)));
  return { value: f(theta), low: f(theta - 1.96 * se), high: f(theta + 1.96 * se) };
}

export interface SkillBreakdown {
  readonly skillId: string;
  /** Blueprint share (0 for a skill outside the blueprint). */
  readonly target: number;
  readonly items: number;
  readonly correct: number;
  /** items / itemsAnswered. */
  readonly share: number;
  /** EAP from this skill's items alone, same prior: coarse, SE says how coarse. */
  readonly theta: number;
  readonly se: number;
}

export interface CatReport {
  readonly theta: number;
  /** Posterior SD of θ given the item parameters (the measurement error alone). */
  readonly se: number;
  /** SD of θ̂ caused by the items' parameter uncertainty (see `parameterSe`). */
  readonly parameterSe: number;
  /** The score's 95 % interval uses √(se² + parameterSe²): wider when items were uncalibrated. */
  readonly score: ScaledScore;
  readonly itemsAnswered: number;
  readonly correct: number;
  /** null if the test was reported before any stopping rule fired (abandoned). */
  readonly stopReason: StopReason | null;
  readonly elapsedMs: number;
  readonly skills: readonly SkillBreakdown[];
  /** max over skills of |share − target|: how far content balancing fell short. */
  readonly contentDeviation: number;
  /** Responses scored with default parameters (uncalibrated items). */
  readonly defaultsUsed: number;
  /** Responses to items with calibrated parameters (itemsAnswered − defaultsUsed). */
  readonly calibratedUsed: number;
  /** Responses to items seen recently in practice (given only when nothing fresh was left). */
  readonly recentUsed: number;
}

/** max over blueprint skills of |givenₛ / n − targetₛ|; 0 before any response. */
export function contentDeviation(state: CatState): number {
  const n = state.responses.length;
  if (n === 0 || state.blueprint.length === 0) return 0;
  let worst = 0;
  for (const e of state.blueprint) {
    const given = state.responses.filter((r) => r.skillId === e.skillId).length;
    worst = Math.max(worst, Math.abs(given / n - e.target));
  }
  return worst;
}

/**
 * The SD that errors in the items' difficulties add to θ̂. θ̂ solves Σ aᵢ(uᵢ − Pᵢ(θ)) = prior
 * term, so a shift δᵢ of bᵢ moves θ̂ by ≈ Iᵢ(θ̂) δᵢ / (Σ I + 1/σ²_prior) (exact for the Rasch
 * model at the MLE); independent errors of SD sᵢ give
 *
 *   parameterSe = √(Σ Iᵢ² sᵢ²) / (Σ Iᵢ + 1/σ²_prior)
 *
 * Uncalibrated items (sᵢ = AUTHORED_DIFFICULTY_SE) dominate; calibrated ones add little.
 */
export function parameterSe(state: CatState): number {
  let num = 0;
  let den = 1 / (state.config.quadrature.priorSd * state.config.quadrature.priorSd);
  for (const r of state.responses) {
    const info = information(state.theta, r.params);
    const s = r.difficultySe ?? (r.defaulted ? AUTHORED_DIFFICULTY_SE : 0);
    num += info * info * s * s;
    den += info;
  }
  return Math.sqrt(num) / den;
}

/** The result: overall EAP θ̂ ± SE, scaled score, per-skill breakdown and bookkeeping. */
export function report(state: CatState, now: number): CatReport {
  const skills = new Map<string, AnsweredItem[]>();
  for (const e of state.blueprint) skills.set(e.skillId, []);
  for (const r of state.responses) {
    const list = skills.get(r.skillId);
    if (list) list.push(r);
    else skills.set(r.skillId, [r]);
  }
  const n = state.responses.length;
  const targets = new Map(state.blueprint.map((e) => [e.skillId, e.target]));
  const breakdown: SkillBreakdown[] = [...skills.entries()].map(([skillId, rs]) => {
    const est = estimate(state.config, rs);
    return {
      skillId,
      target: targets.get(skillId) ?? 0,
      items: rs.length,
      correct: rs.filter((r) => r.correct).length,
      share: n > 0 ? rs.length / n : 0,
      theta: est.theta,
      se: est.se,
    };
  });
  const paramSe = parameterSe(state);
  return {
    theta: state.theta,
    se: state.se,
    parameterSe: paramSe,
    score: scaleScore(state.theta, Math.sqrt(state.se * state.se + paramSe * paramSe), state.config.scale),
    itemsAnswered: n,
    correct: state.responses.filter((r) => r.correct).length,
    stopReason: shouldStop(state, now),
    elapsedMs: now - state.startedAt,
    skills: breakdown,
    contentDeviation: contentDeviation(state),
    defaultsUsed: state.responses.filter((r) => r.defaulted).length,
    calibratedUsed: state.responses.filter((r) => !r.defaulted).length,
    recentUsed: state.responses.filter((r) => r.recent).length,
  };
}
