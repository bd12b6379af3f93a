/**
 * Item response theory for dichotomous items: the 2PL/3PL response function, Fisher
 * information, likelihood, and ability estimation (EAP on a quadrature grid, MLE by Fisher
 * scoring). Pure.
 *
 * Parameters live on the logit scale with scaling constant D = 1 (not 1.702), matching the
 * content contract (`src/content/schema.ts`):
 *
 *   P(θ) = c + (1 − c) · σ(a · (θ − b)),   σ(x) = 1 / (1 + e^(−x))
 *
 * a = discrimination (> 0), b = difficulty, c = lower asymptote ("guessing", 0 for the 2PL).
 * Reference for every formula here: Baker, F. B. & Kim, S.-H. (2004), *Item Response Theory:
 * Parameter Estimation Techniques*, 2nd ed., chapters 2–7 (with D = 1).
 */

/** One item's calibrated parameters. c = 0 gives the 2PL. */
export interface ItemParams {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** One scored response to an item with known parameters. */
export interface ScoredResponse {
  readonly params: ItemParams;
  readonly correct: boolean;
}

/**
 * Probabilities are kept inside [ε, 1 − ε] before logs and divisions, so a response that
 * contradicts an extreme θ costs a large but finite log-likelihood instead of −∞.
 */
const EPS = 1e-12;

/** Numerically stable logistic σ(x) = 1 / (1 + e^(−x)). */
export function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Probability of a correct response (3PL; 2PL when c = 0), D = 1:
 * P(θ) = c + (1 − c) · σ(a(θ − b)).
 */
export function probability(theta: number, item: ItemParams): number {
  return item.c + (1 - item.c) * logistic(item.a * (theta - item.b));
}

/**
 * Fisher information of one item at θ (Lord 1980, *Applications of IRT*, ch. 5; Baker &
 * Kim 2004), with D = 1:
 *
 *   I(θ) = a² · (Q / P) · ((P − c) / (1 − c))²,  Q = 1 − P
 *
 * which reduces to a² · P · Q when c = 0 (2PL).
 */
export function information(theta: number, item: ItemParams): number {
  const p = probability(theta, item);
  const q = 1 - p;
  if (p <= 0) return 0;
  const r = (p - item.c) / (1 - item.c);
  return item.a * item.a * (q / p) * r * r;
}

/** Test information I(θ) = Σᵢ Iᵢ(θ) (information is additive under local independence). */
export function testInformation(theta: number, items: readonly ItemParams[]): number {
  let total = 0;
  for (const item of items) total += information(theta, item);
  return total;
}

/**
 * Asymptotic standard error of the MLE from test information: SE(θ) = 1 / √I(θ).
 * Infinite when there is no information.
 */
export function seFromInformation(info: number): number {
  return info > 0 ? 1 / Math.sqrt(info) : Number.POSITIVE_INFINITY;
}

function clampP(p: number): number {
  return Math.min(1 - EPS, Math.max(EPS, p));
}

/**
 * Log-likelihood of a response pattern under local independence:
 * ℓ(θ) = Σᵢ [uᵢ · ln Pᵢ(θ) + (1 − uᵢ) · ln(1 − Pᵢ(θ))].
 */
export function logLikelihood(theta: number, responses: readonly ScoredResponse[]): number {
  let ll = 0;
  for (const r of responses) {
    const p = clampP(probability(theta, r.params));
    ll += r.correct ? Math.log(p) : Math.log(1 - p);
  }
  return ll;
}

/** A fixed quadrature grid: nodes θₖ and prior weights wₖ (any positive scale). */
export interface QuadratureGrid {
  readonly nodes: readonly number[];
  readonly weights: readonly number[];
}

/** How to build the default grid: `points` equally spaced nodes on [min, max], prior N(mean, sd²). */
export interface QuadratureConfig {
  readonly points: number;
  readonly min: number;
  readonly max: number;
  readonly priorMean: number;
  readonly priorSd: number;
}

/** 61 points on [−4, 4] (spacing 0.133), standard normal prior. */
export const DEFAULT_QUADRATURE: QuadratureConfig = { points: 61, min: -4, max: 4, priorMean: 0, priorSd: 1 };

/**
 * Equally spaced nodes with normal-density weights normalised to sum to 1 — the rectangular
 * quadrature of Bock & Mislevy (1982). Exact Gauss–Hermite nodes are not needed at 61 points.
 */
export function normalQuadrature(config: QuadratureConfig = DEFAULT_QUADRATURE): QuadratureGrid {
  if (!(config.points >= 2) || !(config.max > config.min) || !(config.priorSd > 0)) {
    throw new RangeError("quadrature needs ≥ 2 points, max > min and priorSd > 0");
  }
  const nodes: number[] = [];
  const raw: number[] = [];
  const step = (config.max - config.min) / (config.points - 1);
  for (let k = 0; k < config.points; k++) {
    const t = config.min + k * step;
    const z = (t - config.priorMean) / config.priorSd;
    nodes.push(t);
    raw.push(Math.exp(-0.5 * z * z));
  }
  const sum = raw.reduce((s, w) => s + w, 0);
  return { nodes, weights: raw.map((w) => w / sum) };
}

/** The default grid, built once: `normalQuadrature(DEFAULT_QUADRATURE)`. */
export const DEFAULT_GRID: QuadratureGrid = normalQuadrature(DEFAULT_QUADRATURE);

/** An ability estimate with its standard error. */
export interface AbilityEstimate {
  readonly theta: number;
  readonly se: number;
}

/**
 * Expected a posteriori estimate (Bock & Mislevy 1982) on a fixed grid:
 *
 *   θ̂ = Σₖ θₖ · L(θₖ) · wₖ / Σₖ L(θₖ) · wₖ
 *   SE = √( Σₖ (θₖ − θ̂)² · L(θₖ) · wₖ / Σₖ L(θₖ) · wₖ )   (posterior SD)
 *
 * Exists for every pattern, including all-correct and none (then it is the prior mean/SD as
 * seen by the grid). Computed in log space (subtracting the largest log-posterior) so long
 * tests do not underflow.
 */
export function eapEstimate(
  responses: readonly ScoredResponse[],
  grid: QuadratureGrid = DEFAULT_GRID,
): AbilityEstimate {
  const logPost = grid.nodes.map((t, k) => Math.log(grid.weights[k] ?? 0) + logLikelihood(t, responses));
  return eapFromLogPosterior(grid.nodes, logPost);
}

/**
 * EAP from unnormalised log posterior values at the grid nodes. Exposed so simulations can
 * accumulate ℓ(θₖ) item by item instead of recomputing the whole pattern.
 */
export function eapFromLogPosterior(nodes: readonly number[], logPosterior: readonly number[]): AbilityEstimate {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logPosterior) if (v > max) max = v;
  let sw = 0;
  let st = 0;
  let stt = 0;
  for (let k = 0; k < nodes.length; k++) {
    const t = nodes[k] ?? 0;
    const w = Math.exp((logPosterior[k] ?? Number.NEGATIVE_INFINITY) - max);
    sw += w;
    st += w * t;
    stt += w * t * t;
  }
  const theta = st / sw;
  const variance = Math.max(0, stt / sw - theta * theta);
  return { theta, se: Math.sqrt(variance) };
}

/** Options for `mleEstimate`. */
export interface MleOptions {
  readonly start?: number;
  /** Largest |Δθ| per iteration; damps the first steps from a far start. Default 1. */
  readonly maxStep?: number;
  /** Estimates beyond ±bound are treated as divergence (no finite maximum). Default 6. */
  readonly bound?: number;
  readonly tolerance?: number;
  readonly maxIterations?: number;
}

/** A maximum-likelihood estimate; `se` = 1/√I(θ̂) from test information. */
export interface MleEstimate extends AbilityEstimate {
  readonly iterations: number;
}

/**
 * Maximum-likelihood θ by Fisher scoring (Baker & Kim 2004, ch. 5):
 *
 *   score  S(θ) = Σᵢ a · (uᵢ − Pᵢ) · (Pᵢ − c) / (Pᵢ · (1 − c))
 *   θ ← θ + clamp(S(θ) / I(θ), ±maxStep)
 *
 * For the 2PL the expected and observed information coincide, so this is Newton–Raphson.
 * Returns null when no finite maximum exists: no responses, all correct or all incorrect
 * (ℓ is monotone in θ), or when the iteration runs past ±bound (possible with 3PL patterns
 * that contradict the item ordering). With c > 0 the likelihood may be multimodal; this
 * finds the mode reached from `start`.
 */
export function mleEstimate(responses: readonly ScoredResponse[], options: MleOptions = {}): MleEstimate | null {
  if (responses.length === 0) return null;
  const nCorrect = responses.filter((r) => r.correct).length;
  if (nCorrect === 0 || nCorrect === responses.length) return null;
  const maxStep = options.maxStep ?? 1;
  const bound = options.bound ?? 6;
  const tol = options.tolerance ?? 1e-8;
  const maxIter = options.maxIterations ?? 100;
  let theta = options.start ?? 0;
  for (let iter = 1; iter <= maxIter; iter++) {
    let score = 0;
    let info = 0;
    for (const r of responses) {
      const { a, c } = r.params;
      const p = clampP(probability(theta, r.params));
      score += (a * ((r.correct ? 1 : 0) - p) * (p - c)) / (p * (1 - c));
      info += information(theta, r.params);
    }
    if (!(info > 0)) return null;
    const step = Math.max(-maxStep, Math.min(maxStep, score / info));
    theta += step;
    if (Math.abs(theta) > bound) return null;
    if (Math.abs(step) < tol) {
      const items = responses.map((r) => r.params);
      return { theta, se: seFromInformation(testInformation(theta, items)), iterations: iter };
    }
  }
  return null;
}
