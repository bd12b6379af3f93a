/**
 * The best any calibration could do on the simulation's answers (reports/calibration.md).
 *
 * The calibration simulation (./calibration-sim.ts) draws its pool and its learners from
 * known distributions: true b ~ N(0, σ_b²), authored b = true b + N(0, σ_e²), a ~ U(a_lo, a_hi),
 * c known (the authored floor), θ ~ N(0, σ_θ²), answers from the 3PL. Under exactly that model
 * the posterior mean of each b given ALL the raw answers is the estimator with the smallest
 * expected squared error there is: no job, however it is built, does better on average. Its
 * posterior variance, averaged over items, is that smallest expected squared error for the
 * answers at hand. So a target below it cannot be met by any estimator on this design.
 *
 * The job sees less than this estimator: per-item counters (not the raw answers), anchors
 * from each learner's answers BEFORE the one counted (not all of them), and it has to learn the
 * priors the bound is given. The bound is what those simplifications could buy at most.
 *
 * Computed by Markov chain Monte Carlo: Metropolis-within-Gibbs over every learner's θ and every
 * item's b and a (random-walk proposals; each conditional uses only that parameter's answers).
 * Started from the prior means, never from the truth. With `abilities: "known"` the learners'
 * true θ are held fixed (the bound for a job with perfect anchors); with
 * `discrimination: "known"` the true a are.
 */
import { normalDraw } from "../core/random";
import { rmse } from "./metrics";
import type { Random } from "../core/random";

/** The distributions the simulation draws its pool and learners from. */
export interface GenerativeModel {
  /** SD of the true difficulties around 0. */
  readonly difficultySd: number;
  /** SD of the authoring error: authored b = true b + N(0, authoringSd²). */
  readonly authoringSd: number;
  /** a ~ U(lo, hi). */
  readonly discriminationRange: readonly [number, number];
  /** SD of the learners' abilities around 0. */
  readonly abilitySd: number;
}

export interface BoundItem {
  readonly authoredDifficulty: number;
  readonly guessing: number;
  /** Used only when `discrimination` is "known". */
  readonly trueDiscrimination: number;
}

/** Every answer: parallel arrays of item index, learner index and correctness (1/0). */
export interface BoundAnswers {
  readonly item: Int32Array;
  readonly learner: Int32Array;
  readonly correct: Uint8Array;
}

export interface BoundOptions {
  readonly sweeps: number;
  /** Sweeps discarded before the averages start. */
  readonly burnIn: number;
  readonly abilities: "estimated" | "known";
  readonly discrimination: "estimated" | "known";
  /** The learners' true abilities, used only when `abilities` is "known". */
  readonly trueAbilities?: Float64Array;
}

export interface DifficultyPosterior {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  /** Acceptance rates of the three kinds of proposal (θ, b, a): a check that the chain moved. */
  readonly acceptance: { readonly ability: number; readonly difficulty: number; readonly discrimination: number };
}

/** Index lists of a grouping, compressed: the answers of group g are order[start[g] .. start[g+1]). */
function group(keys: Int32Array, groups: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (const k of keys) start[k + 1]!++;
  for (let g = 0; g < groups; g++) start[g + 1]! += start[g]!;
  const fill = start.slice(0, groups);
  const order = new Int32Array(keys.length);
  keys.forEach((k, r) => {
    order[fill[k]!++] = r;
  });
  return { start, order };
}

const PROPOSAL_SD = { ability: 0.6, difficulty: 0.25, discrimination: 0.2 } as const;

/** Posterior mean and variance of every item's b under `model`, given every answer (see the module comment). */
export function posteriorDifficulties(
  items: readonly BoundItem[],
  learners: number,
  answers: BoundAnswers,
  model: GenerativeModel,
  options: BoundOptions,
  rng: Random,
): DifficultyPosterior {
  const I = items.length;
  if (options.abilities === "known" && (!options.trueAbilities || options.trueAbilities.length < learners)) {
    throw new Error("abilities 'known' needs every learner's true ability");
  }
  // The prior of b given its authored value: N(k · authored, k · σ_e²), k = σ_b² / (σ_b² + σ_e²).
  const vb = model.difficultySd ** 2;
  const ve = model.authoringSd ** 2;
  const shrink = vb / (vb + ve);
  const priorVar = shrink * ve;
  const priorMean = Float64Array.from(items, (it) => shrink * it.authoredDifficulty);
  const guess = Float64Array.from(items, (it) => it.guessing);
  const [aLo, aHi] = model.discriminationRange;
  const b = priorMean.slice();
  const a = Float64Array.from(items, (it) => (options.discrimination === "known" ? it.trueDiscrimination : (aLo + aHi) / 2));
  const theta = options.abilities === "known" ? Float64Array.from(options.trueAbilities!.subarray(0, learners)) : new Float64Array(learners);
  const byItem = group(answers.item, I);
  const byLearner = group(answers.learner, learners);
  const { item: ai, learner: al, correct: ay } = answers;
  const logLik = (r: number, th: number, av: number, bv: number, c: number): number => {
    const p = c + (1 - c) / (1 + Math.exp(-av * (th - bv)));
    return Math.log(ay[r] ? p : 1 - p);
  };
  const sum = new Float64Array(I);
  const sumSq = new Float64Array(I);
  let kept = 0;
  const accepted = { ability: 0, difficulty: 0, discrimination: 0 };
  const proposed = { ability: 0, difficulty: 0, discrimination: 0 };
  const thetaPrec = 1 / model.abilitySd ** 2;
  for (let s = 0; s < options.sweeps; s++) {
    if (options.abilities === "estimated") {
      for (let j = 0; j < learners; j++) {
        const cur = theta[j]!;
        const next = cur + PROPOSAL_SD.ability * normalDraw(rng);
        let d = ((cur * cur - next * next) * thetaPrec) / 2;
        for (let x = byLearner.start[j]!; x < byLearner.start[j + 1]!; x++) {
          const r = byLearner.order[x]!;
          const i = ai[r]!;
          d += logLik(r, next, a[i]!, b[i]!, guess[i]!) - logLik(r, cur, a[i]!, b[i]!, guess[i]!);
        }
        proposed.ability++;
        if (Math.log(1 - rng()) < d) {
          theta[j] = next;
          accepted.ability++;
        }
      }
    }
    for (let i = 0; i < I; i++) {
      const c = guess[i]!;
      const cur = b[i]!;
      const next = cur + PROPOSAL_SD.difficulty * normalDraw(rng);
      let d = ((cur - priorMean[i]!) ** 2 - (next - priorMean[i]!) ** 2) / (2 * priorVar);
      for (let x = byItem.start[i]!; x < byItem.start[i + 1]!; x++) {
        const r = byItem.order[x]!;
        d += logLik(r, theta[al[r]!]!, a[i]!, next, c) - logLik(r, theta[al[r]!]!, a[i]!, cur, c);
      }
      proposed.difficulty++;
      if (Math.log(1 - rng()) < d) {
        b[i] = next;
        accepted.difficulty++;
      }
      if (options.discrimination === "estimated") {
        const curA = a[i]!;
        const nextA = curA + PROPOSAL_SD.discrimination * normalDraw(rng);
        proposed.discrimination++;
        // Uniform prior: a proposal outside the range is rejected outright.
        if (nextA > aLo && nextA < aHi) {
          let e = 0;
          for (let x = byItem.start[i]!; x < byItem.start[i + 1]!; x++) {
            const r = byItem.order[x]!;
            e += logLik(r, theta[al[r]!]!, nextA, b[i]!, c) - logLik(r, theta[al[r]!]!, curA, b[i]!, c);
          }
          if (Math.log(1 - rng()) < e) {
            a[i] = nextA;
            accepted.discrimination++;
          }
        }
      }
    }
    if (s >= options.burnIn) {
      kept++;
      for (let i = 0; i < I; i++) {
        sum[i]! += b[i]!;
        sumSq[i]! += b[i]! * b[i]!;
      }
    }
  }
  if (kept === 0) throw new Error("no sweeps kept: sweeps must exceed burnIn");
  const mean = Float64Array.from(sum, (x) => x / kept);
  const variance = Float64Array.from(sumSq, (x, i) => Math.max(0, x / kept - mean[i]! * mean[i]!));
  const rate = (k: keyof typeof accepted) => (proposed[k] === 0 ? Number.NaN : accepted[k] / proposed[k]);
  return { mean, variance, acceptance: { ability: rate("ability"), difficulty: rate("difficulty"), discrimination: rate("discrimination") } };
}

/** RMSE of the posterior means against the truth, and the RMSE the posterior expects (√ mean variance). */
export function boundError(post: DifficultyPosterior, trueDifficulties: readonly number[]): { rmse: number; expectedRmse: number } {
  const variance = post.variance.reduce((s, v) => s + v, 0) / post.variance.length;
  return { rmse: rmse(post.mean, trueDifficulties), expectedRmse: Math.sqrt(variance) };
}
