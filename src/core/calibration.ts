/**
 * Item calibration from global statistics: a difficulty (and, with enough data, a
 * discrimination) per item, anchored on the abilities the learners' knowledge models held
 * when they answered, shrunk toward the authored values until responses accumulate.
 *
 * Data: per item, responses binned by the learner's combined ability (src/stats/item-stats.ts):
 * bin k has n_k answers, y_k correct, mean ability μ_k and mean posterior variance v_k. The
 * learners' abilities are uncertain, so each bin's probability integrates θ ~ N(μ_k, v_k) out
 * (the probit approximation the knowledge model uses, knowledge.ts `probabilityCorrect`):
 *
 *   P_k = c + (1 − c) σ(z_k),   z_k = a (μ_k − b) / D_k,   D_k = √(1 + π a² v_k / 8)
 *
 * Ignoring v_k would shrink a toward 0 and b toward the learners' mean (regression dilution).
 * c stays the authored floor (1/choices for multiple choice): it is weakly identified and
 * the knowledge model's own value.
 *
 * Estimate: the posterior mode (MAP) under priors b ~ N(b₀, σ_b²) at the authored b₀ — the
 * shrinkage: with n responses the data's information is about n·P(1 − P)·a², so the authored
 * value carries the weight of 1/(σ_b² · 0.2) ≈ 5 responses at σ_b = 1 — and log a ~
 * N(log a₀, σ_α²). Fisher scoring on (b, log a) with the gradient
 *
 *   ∂ℓ/∂z_k = (y_k − n_k P_k) P'_k / (P_k (1 − P_k)),   P'_k = (1 − c) σ(z_k)(1 − σ(z_k))
 *   ∂z_k/∂b = −a / D_k,   ∂z_k/∂log a = a (μ_k − b) / D_k³
 *
 * and expected information n_k P'_k² / (P_k (1 − P_k)) in z. The standard error is the
 * posterior SD (inverse of the information matrix including the prior). Discrimination is
 * estimated only past `minResponsesForDiscrimination` (difficulty first: a needs spread in
 * the learners' abilities, which few responses do not have).
 *
 * The discrimination prior's centre is the authored a times a POOL-WIDE factor e^δ, and its
 * spread τ is the pool's too (`estimateDiscriminationPrior`, empirical Bayes; on by default,
 * `poolDiscriminationPrior`): authored discriminations are mostly the default a = 1, and a pool
 * whose items discriminate better on average (the simulation's mean true a is ≈ 1.2) otherwise
 * has every item's a shrunk toward a value known to be too low. That bias is not only a's: at a
 * fixed share correct, a too-small a pushes b outward for every item away from the learners'
 * mean, and it is the largest single part of the b error measured in reports/calibration.md.
 * δ pools all items' evidence, so it is well determined long before any single item's a is: it
 * is also the a used below `minResponsesForDiscrimination`. τ shrinks each â as much as the
 * pool's real spread warrants: with δ alone and the configured (wider) SD, the items a mock test
 * picks — those with the highest â — were the ones whose â was most overestimated.
 *
 * The batch is then kept on the authored scale (`anchorScale`): a shift common to all its fits
 * comes from the anchors, not the items, and is taken back out.
 *
 * Status: `authored` (no responses), `provisional`, or `calibrated` once responses ≥
 * `minResponses` AND SE(b) ≤ `maxSe` — both configuration.
 */
import { DEFAULT_PUBLISH_LINKS } from "./item-links";
import type { LinksReference, PublishedLinks } from "./item-links";
import { sigmoid } from "./knowledge";

export interface CalibrationConfig {
  /** Prior SD of b around the authored value (logits). */
  readonly priorSdDifficulty: number;
  /** Prior SD of log a around the authored log a. */
  readonly priorSdLogDiscrimination: number;
  /** Estimate a only with at least this many responses (else the authored a is kept). */
  readonly minResponsesForDiscrimination: number;
  /** `calibrated` needs at least this many responses … */
  readonly minResponses: number;
  /** … and SE(b) at most this (logits). */
  readonly maxSe: number;
  /** |b| bound (the content schema's range) and a's range. */
  readonly bound: number;
  readonly minDiscrimination: number;
  readonly maxDiscrimination: number;
  /**
   * Take the discrimination prior from the pool (`estimateDiscriminationPrior`): centred on
   * the authored a times e^δ, with the pool's spread τ (never wider than
   * `priorSdLogDiscrimination`). On by default: in the simulation, over seven seeds, b's RMSE at
   * 300 responses per item is lower on every seed (mean 0.234 against 0.260 with the authored
   * a and the configured SD) and a's too, while mock tests on the pool are as accurate (θ RMSE
   * +0.003 on average, within ±0.013 per seed). Off: the authored a and the configured SD.
   */
  readonly poolDiscriminationPrior: boolean;
  /**
   * Prior SD (logits) of the common shift that `anchorScale` takes out of a batch's fitted
   * difficulties; 0 turns the anchoring off. Small: with a few items the batch's mean
   * difference from the authored values is mostly their authoring error, so little is taken
   * out; with hundreds almost all of it is (see `scaleShift`).
   */
  readonly scaleShiftPriorSd: number;
}

export const DEFAULT_CALIBRATION_CONFIG: CalibrationConfig = Object.freeze({
  priorSdDifficulty: 1,
  priorSdLogDiscrimination: 0.35,
  minResponsesForDiscrimination: 200,
  minResponses: 200,
  maxSe: 0.2,
  bound: 6,
  minDiscrimination: 0.25,
  maxDiscrimination: 4,
  poolDiscriminationPrior: true,
  scaleShiftPriorSd: 0.25,
});

/** The calibration job's settings (workers/calibration/job.ts): the fit's, and the exposure table's. */
export interface CalibrationJobConfig extends CalibrationConfig {
  /** Sympson–Hetter target: no item given to more than this share of test takers. */
  readonly exposureTarget: number;
  /** Simulated test takers and rounds of the Sympson–Hetter iteration. */
  readonly exposureSimulees: number;
  readonly exposureRounds: number;
  /** Mock tests use Sympson–Hetter once at least this share of the pool is calibrated. */
  readonly sympsonHetterMinCalibratedShare: number;
  /**
   * An item is refitted once it has this many new responses (its Redis read is the job's cost
   * per attempt: 1 / this); the first run of each UTC day refits every changed item.
   */
  readonly refitMinNewResponses: number;
  /**
   * Item links (./item-links.ts) are refitted once this many attempts arrived since the last fit,
   * from the newest `linksMaxAnswers` attempts; `linksMaxPerItem` and `linksMinSupport` are what
   * is published of them (`publishLinks`; the defaults and the measurements behind them:
   * `DEFAULT_PUBLISH_LINKS`).
   */
  readonly linksMinNewAnswers: number;
  readonly linksMaxAnswers: number;
  readonly linksMaxPerItem: number;
  readonly linksMinSupport: number;
  /** The encoded table's size budget (`publishLinksWithin`): fewer links into each item when it would not fit. */
  readonly linksMaxBytes: number;
}

export const DEFAULT_CALIBRATION_JOB_CONFIG: CalibrationJobConfig = Object.freeze({
  ...DEFAULT_CALIBRATION_CONFIG,
  exposureTarget: 0.25,
  exposureSimulees: 100,
  exposureRounds: 3,
  sympsonHetterMinCalibratedShare: 0.5,
  refitMinNewResponses: 25,
  linksMinNewAnswers: 200,
  linksMaxAnswers: 200_000,
  linksMaxPerItem: DEFAULT_PUBLISH_LINKS.maxPerItem,
  linksMinSupport: DEFAULT_PUBLISH_LINKS.minSupport,
  linksMaxBytes: 20 * 1024 * 1024,
});

/** One θ bin of an item's statistics (see the module comment). */
export interface AbilityBin {
  readonly theta: number;
  readonly variance: number;
  readonly n: number;
  readonly correct: number;
}

export interface AuthoredParams {
  readonly difficulty: number;
  readonly discrimination: number;
  readonly guessing: number;
}

export type CalibrationStatus = "authored" | "provisional" | "calibrated";

export interface CalibratedParams extends AuthoredParams {
  readonly responses: number;
  readonly seDifficulty: number;
  readonly status: CalibrationStatus;
  /** Whether a was estimated (false: authored a kept). */
  readonly discriminationEstimated: boolean;
}

const PI_OVER_8 = Math.PI / 8;
const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/** Options of one item's fit that come from the whole pool rather than the item. */
export interface PoolPrior {
  /**
   * δ: the prior centre of log a is log(authored a) + δ, and a = authored a · e^δ when a is not
   * estimated (see `estimateDiscriminationShift`). 0 (the default): the authored a.
   */
  readonly logDiscriminationShift: number;
  /**
   * The prior SD of log a around that centre, when the pool measured it (`estimateDiscriminationPrior`);
   * absent: the configured `priorSdLogDiscrimination`.
   */
  readonly logDiscriminationSd?: number;
}

const NO_POOL_PRIOR: PoolPrior = Object.freeze({ logDiscriminationShift: 0 });

/** The MAP estimate of one item's parameters from its θ bins (pure, deterministic). */
export function calibrateItem(
  authored: AuthoredParams,
  bins: readonly AbilityBin[],
  config: CalibrationConfig = DEFAULT_CALIBRATION_CONFIG,
  pool: PoolPrior = NO_POOL_PRIOR,
): CalibratedParams {
  return fitItem(authored, bins, config, pool, false).params;
}

interface ItemFit {
  readonly params: CalibratedParams;
  /** The responses' information on log a at the mode (prior excluded; 0 when a was not fitted). */
  readonly informationLogA: number;
}

function fitItem(authored: AuthoredParams, bins: readonly AbilityBin[], config: CalibrationConfig, pool: PoolPrior, forceA: boolean): ItemFit {
  const responses = bins.reduce((s, k) => s + k.n, 0);
  const b0 = authored.difficulty;
  const alpha0 = clamp(
    Math.log(clamp(authored.discrimination, config.minDiscrimination, config.maxDiscrimination)) + pool.logDiscriminationShift,
    Math.log(config.minDiscrimination),
    Math.log(config.maxDiscrimination),
  );
  const c = clamp(authored.guessing, 0, 0.95);
  const precB = 1 / (config.priorSdDifficulty * config.priorSdDifficulty);
  const sdA = pool.logDiscriminationSd ?? config.priorSdLogDiscrimination;
  const precA = 1 / (sdA * sdA);
  const fitA = forceA || responses >= config.minResponsesForDiscrimination;
  let b = b0;
  let alpha = alpha0;
  let ibb = precB;
  let iaa = precA;
  let iba = 0;
  for (let iter = 0; iter < 50; iter++) {
    const a = Math.exp(alpha);
    let gb = -precB * (b - b0);
    let ga = -precA * (alpha - alpha0);
    ibb = precB;
    iaa = precA;
    iba = 0;
    for (const k of bins) {
      if (k.n <= 0) continue;
      const d2 = 1 + PI_OVER_8 * a * a * Math.max(0, k.variance);
      const d = Math.sqrt(d2);
      const z = (a * (k.theta - b)) / d;
      const s = sigmoid(z);
      const p = clamp(c + (1 - c) * s, 1e-9, 1 - 1e-9);
      const dp = (1 - c) * s * (1 - s);
      const u = ((k.correct - k.n * p) * dp) / (p * (1 - p));
      const w = (k.n * dp * dp) / (p * (1 - p));
      const zb = -a / d;
      const za = (a * (k.theta - b)) / (d * d2);
      gb += u * zb;
      ibb += w * zb * zb;
      if (fitA) {
        ga += u * za;
        iaa += w * za * za;
        iba += w * zb * za;
      }
    }
    let stepB: number;
    let stepA = 0;
    if (fitA) {
      const det = ibb * iaa - iba * iba;
      stepB = (iaa * gb - iba * ga) / det;
      stepA = (ibb * ga - iba * gb) / det;
    } else stepB = gb / ibb;
    // Damped: a step of at most 1 logit (and 0.5 in log a) keeps scoring stable far from the mode.
    stepB = clamp(stepB, -1, 1);
    stepA = clamp(stepA, -0.5, 0.5);
    b = clamp(b + stepB, -config.bound, config.bound);
    alpha = clamp(alpha + stepA, Math.log(config.minDiscrimination), Math.log(config.maxDiscrimination));
    if (Math.abs(stepB) < 1e-7 && Math.abs(stepA) < 1e-7) break;
  }
  // Posterior variance of b: the (b, b) entry of the inverse information matrix.
  const varB = fitA ? iaa / (ibb * iaa - iba * iba) : 1 / ibb;
  const seDifficulty = Math.sqrt(varB);
  const status: CalibrationStatus =
    responses === 0 ? "authored" : responses >= config.minResponses && seDifficulty <= config.maxSe ? "calibrated" : "provisional";
  // Unchanged (not re-rounded through exp/log) when neither the data nor the pool moved it.
  const discrimination = fitA || pool.logDiscriminationShift !== 0 ? Math.exp(alpha) : authored.discrimination;
  return {
    params: { difficulty: b, discrimination, guessing: authored.guessing, responses, seDifficulty, status, discriminationEstimated: fitA },
    informationLogA: fitA ? iaa - precA : 0,
  };
}

/**
 * δ of `PoolPrior`: how far, on the log scale, the pool's discriminations sit from the
 * authored ones. Each item's log a is fitted freely (prior SD `firstPassPriorSd`, wide) and
 * d_j = log â_j − log a₀_j averaged with the data's information on log a as weights, under a
 * prior δ ~ N(0, σ_α²) (σ_α = `priorSdLogDiscrimination`):
 *
 *   δ = Σ I_j d_j / (Σ I_j + 1/σ_α²)
 *
 * so with little evidence δ stays near 0 (the authored values). Items with fewer than
 * `minResponses` responses are left out: with a handful of answers â is mostly noise, and the
 * first pass's flat prior would let it wander to the bounds.
 *
 * @example
 *   const shift = estimateDiscriminationShift(items.map((it) => ({ authored: it, bins: binsOf(it) })));
 *   const fits = items.map((it) => calibrateItem(it, binsOf(it), config, { logDiscriminationShift: shift }));
 */
export function estimateDiscriminationShift(
  items: readonly { readonly authored: AuthoredParams; readonly bins: readonly AbilityBin[] }[],
  config: CalibrationConfig = DEFAULT_CALIBRATION_CONFIG,
  options: { readonly minResponses?: number; readonly firstPassPriorSd?: number } = {},
): number {
  return estimateDiscriminationPrior(items, config, options).logDiscriminationShift;
}

/** Fewer free first-pass fits than this: the spread of log a is not estimated (the configured SD stays). */
export const MIN_ITEMS_FOR_SPREAD = 20;
/** The estimated spread of log a never goes below this: items are never all pulled onto the pool's a. */
export const MIN_LOG_DISCRIMINATION_SD = 0.1;

/**
 * The pool's discrimination prior: its centre δ (`estimateDiscriminationShift`) and its spread
 * τ, both measured from the same free first-pass fits (d_j, with sampling variance 1/I_j):
 * τ² by the DerSimonian–Laird moment estimator,
 *
 *   w_j = I_j,   d̄ = Σ w_j d_j / Σ w_j,   Q = Σ w_j (d_j − d̄)²,
 *   τ² = max(0, (Q − (k − 1)) / (Σ w_j − Σ w_j² / Σ w_j))
 *
 * — the spread of the items' log a beyond what their sampling noise explains. A pool whose
 * items discriminate alike then shrinks each â harder toward the pool's value, which is what
 * keeps the items with the highest â from being the ones whose â is most overestimated (a
 * mock test picks exactly those). τ stays within [MIN_LOG_DISCRIMINATION_SD, the configured
 * SD] (the data may narrow the prior, never widen it), and is not estimated from fewer than
 * MIN_ITEMS_FOR_SPREAD items.
 */
export function estimateDiscriminationPrior(
  items: readonly { readonly authored: AuthoredParams; readonly bins: readonly AbilityBin[] }[],
  config: CalibrationConfig = DEFAULT_CALIBRATION_CONFIG,
  options: { readonly minResponses?: number; readonly firstPassPriorSd?: number } = {},
): Required<PoolPrior> {
  const minResponses = options.minResponses ?? 25;
  const firstPass: CalibrationConfig = { ...config, priorSdLogDiscrimination: options.firstPassPriorSd ?? 1 };
  let weight = 1 / (config.priorSdLogDiscrimination * config.priorSdLogDiscrimination);
  let sum = 0;
  const fits: { d: number; w: number }[] = [];
  for (const { authored, bins } of items) {
    if (bins.reduce((s, k) => s + k.n, 0) < minResponses) continue;
    const f = fitItem(authored, bins, firstPass, NO_POOL_PRIOR, true);
    const a0 = clamp(authored.discrimination, config.minDiscrimination, config.maxDiscrimination);
    const w = Math.max(0, f.informationLogA);
    const d = Math.log(f.params.discrimination) - Math.log(a0);
    weight += w;
    sum += w * d;
    if (w > 0) fits.push({ d, w });
  }
  const shift = sum / weight;
  let sd = config.priorSdLogDiscrimination;
  if (fits.length >= MIN_ITEMS_FOR_SPREAD) {
    let sw = 0;
    let sw2 = 0;
    let swd = 0;
    for (const { d, w } of fits) {
      sw += w;
      sw2 += w * w;
      swd += w * d;
    }
    const mean = swd / sw;
    const q = fits.reduce((s, { d, w }) => s + w * (d - mean) * (d - mean), 0);
    const tau2 = Math.max(0, (q - (fits.length - 1)) / (sw - sw2 / sw));
    sd = clamp(Math.sqrt(tau2), MIN_LOG_DISCRIMINATION_SD, config.priorSdLogDiscrimination);
  }
  return { logDiscriminationShift: shift, logDiscriminationSd: sd };
}

/**
 * The calibration job's fit of a batch of items: the pool's discrimination prior first
 * (when `poolDiscriminationPrior` is on), then each item. The job and the simulation both
 * call this, so they cannot drift apart.
 */
export function calibrateItems(
  items: readonly { readonly authored: AuthoredParams; readonly bins: readonly AbilityBin[] }[],
  config: CalibrationConfig = DEFAULT_CALIBRATION_CONFIG,
): CalibratedParams[] {
  return calibrateBatch(items, config).fits;
}

/** `calibrateItems`, with the common shift `anchorScale` took out of the batch (logits; 0 when off). */
export function calibrateBatch(
  items: readonly { readonly authored: AuthoredParams; readonly bins: readonly AbilityBin[] }[],
  config: CalibrationConfig = DEFAULT_CALIBRATION_CONFIG,
): { fits: CalibratedParams[]; shift: number } {
  const pool = config.poolDiscriminationPrior ? estimateDiscriminationPrior(items, config) : NO_POOL_PRIOR;
  return anchorScale(items.map(({ authored }) => authored), items.map(({ authored, bins }) => calibrateItem(authored, bins, config, pool)), config);
}

/**
 * The common shift of a batch's anchors, estimated from its fits. Item j's MAP estimate took
 * the share ρ_j = 1 − SE_j² / σ_b² of its evidence (σ_b = `priorSdDifficulty`, the prior SD
 * around the authored b⁰_j), so a shift δ common to the anchors moves it by ρ_j δ, and its
 * difference d_j = b̂_j − b⁰_j ≈ ρ_j (u_j + δ + ε_j), with u_j its authoring error (SD σ_b)
 * and ε_j its sampling error. The estimate, under a prior N(0, s²) on δ
 * (s = `scaleShiftPriorSd`):
 *
 *   δ̂ = Σ d_j / (Σ ρ_j + σ_b² / s²)
 *
 * Items with no responses carry nothing (ρ = 0, d = 0). With 5 well-measured items and the
 * defaults (σ_b = 1, s = 0.25) a quarter of their mean difference is taken for δ, with 240
 * about 94 %: a few items' mean difference is mostly their authoring error.
 */
export function scaleShift(authored: readonly AuthoredParams[], fits: readonly CalibratedParams[], config: CalibrationConfig = DEFAULT_CALIBRATION_CONFIG): number {
  if (!(config.scaleShiftPriorSd > 0)) return 0;
  const priorVariance = config.priorSdDifficulty * config.priorSdDifficulty;
  let sumD = 0;
  let sumRho = 0;
  for (let j = 0; j < fits.length; j++) {
    const fit = fits[j];
    const a = authored[j];
    if (!fit || !a || fit.responses === 0) continue;
    sumD += fit.difficulty - a.difficulty;
    sumRho += evidenceShare(fit, priorVariance);
  }
  return sumRho === 0 ? 0 : sumD / (sumRho + priorVariance / (config.scaleShiftPriorSd * config.scaleShiftPriorSd));
}

/** ρ of `scaleShift`: the share of an item's estimate that came from its responses. */
function evidenceShare(fit: CalibratedParams, priorVariance: number): number {
  return clamp(1 - (fit.seDifficulty * fit.seDifficulty) / priorVariance, 0, 1);
}

/**
 * Keeps a batch on the authored scale: takes `scaleShift`'s δ̂ back out of each fitted
 * difficulty in the share it went in, b̂_j − ρ_j δ̂ (SEs and statuses unchanged).
 *
 * Why: the θ scale is tied down only by new learners' prior (mean 0) and the anchors, the
 * abilities the learners' knowledge models held when they answered. Anchors with a common bias
 * (learners who learn faster or slower than the knowledge model's dynamics assume) move every
 * fitted b the same way; the next learners are estimated on those b's, their anchors carry the
 * move, and the next fit adds to it. In the simulation with learners who learn at the rate
 * fitted on ASSISTments 2009 (reports/calibration.md), that loop walks the whole scale: b RMSE
 * 0.91 at 300 responses per item and rising, mock-test intervals covering 26 % instead of 95 %.
 * Anchored, the same run stays near 0.25, and with learners who do not learn b moves by
 * hundredths or less. The cost: a real common offset between the authored and the true
 * difficulties is not learnt (the authored pool's mean defines the scale's origin, which the
 * anchors alone cannot pin down).
 */
export function anchorScale(authored: readonly AuthoredParams[], fits: CalibratedParams[], config: CalibrationConfig = DEFAULT_CALIBRATION_CONFIG): { fits: CalibratedParams[]; shift: number } {
  const shift = scaleShift(authored, fits, config);
  if (shift === 0) return { fits, shift };
  const priorVariance = config.priorSdDifficulty * config.priorSdDifficulty;
  const moved = fits.map((f) => (f.responses === 0 ? f : { ...f, difficulty: clamp(f.difficulty - evidenceShare(f, priorVariance) * shift, -config.bound, config.bound) }));
  return { fits: moved, shift };
}

/** Status codes in the published document (compact: thousands of items in one KV value). */
const STATUS_CODES: readonly CalibrationStatus[] = ["authored", "provisional", "calibrated"];

/**
 * The calibrated parameters as published to KV (one document, `calibration:v1`), read by every
 * learner object: items absent from `items` keep their authored parameters.
 */
export interface PublishedCalibration {
  readonly version: number;
  readonly createdAt: number;
  readonly minResponses: number;
  readonly maxSe: number;
  /** id → [b, a, c, responses, SE(b), status code (0 authored, 1 provisional, 2 calibrated)]. */
  readonly items: Readonly<Record<string, readonly [number, number, number, number, number, number]>>;
  /** Sympson–Hetter K per item (absent: 1), and whether mock tests should use it (the pool is calibrated enough). */
  readonly exposure: Readonly<Record<string, number>>;
  readonly sympsonHetter: boolean;
  /**
   * Item links learnt from the platform's attempts (./item-links.ts): where their table is (a KV
   * key of its own, `encodeLinks`) and what it was fitted from. Absent before the job published any.
   */
  readonly linksRef?: LinksReference;
  /** The table itself, as documents published before `linksRef` carried it (still read; the job no longer writes it). */
  readonly links?: PublishedLinks;
}

export interface ItemCalibrationView {
  readonly difficulty: number;
  readonly discrimination: number;
  readonly guessing: number;
  readonly responses: number;
  readonly seDifficulty: number;
  readonly status: CalibrationStatus;
}

export function encodeCalibration(c: ItemCalibrationView): readonly [number, number, number, number, number, number] {
  const r = (x: number) => Math.round(x * 1e4) / 1e4;
  return [r(c.difficulty), r(c.discrimination), r(c.guessing), c.responses, r(c.seDifficulty), STATUS_CODES.indexOf(c.status)];
}

export function decodeCalibration(doc: PublishedCalibration | null, itemId: string): ItemCalibrationView | null {
  const e = doc?.items[itemId];
  if (!e) return null;
  return { difficulty: e[0], discrimination: e[1], guessing: e[2], responses: e[3], seDifficulty: e[4], status: STATUS_CODES[e[5]] ?? "provisional" };
}

/**
 * An item with its published parameters in place of the authored ones: b always (the MAP
 * estimate is the best guess at any count, shrunk toward the authored value), a and c too,
 * and `calibrated` set only past the configured threshold — which is what tells mock tests to
 * trust a and c (src/core/cat.ts `resolveItemParams`). Unchanged (same object) when absent.
 */
export function withCalibration<T extends { id: string; difficulty: number; discrimination: number; guessing: number; calibrated: boolean }>(
  item: T,
  doc: PublishedCalibration | null,
): T {
  const c = decodeCalibration(doc, item.id);
  if (!c || c.status === "authored") return item;
  return { ...item, difficulty: c.difficulty, discrimination: c.discrimination, guessing: c.guessing, calibrated: c.status === "calibrated" };
}

/** Whose parameters an item is scored with (`why.parameters`, mock reports). */
export interface ItemParameterSource {
  readonly source: CalibrationStatus;
  /** The calibration version in force (null: none published yet). */
  readonly version: number | null;
  readonly responses: number;
}

export function itemParameterSource(doc: PublishedCalibration | null, itemId: string): ItemParameterSource {
  const c = decodeCalibration(doc, itemId);
  return { source: c?.status ?? "authored", version: doc?.version ?? null, responses: c?.responses ?? 0 };
}
