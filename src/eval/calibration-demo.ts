/**
 * The simulated side of `npm run calibration:demo` (scripts/calibration-demo.ts), pure so a
 * test can hold it to the grader and the response function.
 *
 * The truth is synthetic: an item's TRUE parameters are its authored a and c with the authored
 * difficulty moved by an offset (`authoringOffset`), and a simulated learner of ability θ answers
 * right with the 3PL probability (src/core/irt.ts, D = 1)
 *
 *   P(right) = c + (1 − c) σ(a (θ − (b_authored + offset)))
 *
 * "scatter" (the default): each item ± the size, the sign from its id, so the authoring errors
 * scatter around zero as a real bank's do. "uniform": every item + the size, the case the
 * calibration job's scale anchoring deliberately does not learn (src/core/calibration.ts
 * `anchorScale`: from the learners' anchors alone a whole strand being harder than authored
 * cannot be told from learners being weaker than their models say).
 */
import type { Item } from "../content/schema";
import { probability } from "../core/irt";
import type { ItemParams } from "../core/irt";
import type { Random } from "../core/random";
import { seedFromString } from "../core/random";

/** How the synthetic truth departs from the authored difficulties (module comment). */
export type AuthoringError = "scatter" | "uniform";

/** The true b minus the authored b of item `itemId`: ± `size` by a bit of its id ("scatter"), or + `size` ("uniform"). */
export function authoringOffset(itemId: string, size: number, mode: AuthoringError): number {
  if (mode === "uniform") return size;
  return (seedFromString(`authoring:${itemId}`) & 1) === 0 ? size : -size;
}

/** The simulated truth of one item: authored a and c, authored b + `shift` (its `authoringOffset`). */
export function trueParams(item: Pick<Item, "difficulty" | "discrimination" | "guessing">, shift: number): ItemParams {
  return { a: item.discrimination, b: item.difficulty + shift, c: item.guessing };
}

/** One simulated answer: right with probability P(θ) under the true parameters (one draw of `rng`). */
export function drawCorrect(rng: Random, theta: number, params: ItemParams): boolean {
  return rng() < probability(theta, params);
}

/**
 * A response the platform's grader (src/core/grading.ts) marks right or wrong as asked: the
 * key itself, or another choice / a number outside the tolerance / a text no key accepts.
 */
export function responseFor(item: Pick<Item, "answer" | "choices">, correct: boolean): unknown {
  const a = item.answer;
  if (a.type === "choice") return correct ? a.index : (a.index + 1) % Math.max(2, item.choices?.length ?? 2);
  if (a.type === "numeric") return correct ? a.value : a.value + 1 + 10 * a.tolerance;
  return correct ? a.accepted[0] : "not the answer";
}

/** Root mean squared and mean signed error of estimates against the truth (NaN when empty). */
export function difficultyError(pairs: readonly { estimate: number; truth: number }[]): { rmse: number; bias: number; n: number } {
  const n = pairs.length;
  if (n === 0) return { rmse: Number.NaN, bias: Number.NaN, n };
  let sq = 0;
  let sum = 0;
  for (const { estimate, truth } of pairs) {
    sq += (estimate - truth) ** 2;
    sum += estimate - truth;
  }
  return { rmse: Math.sqrt(sq / n), bias: sum / n, n };
}
