/**
 * Item links for features/3 (src/core/features.ts `ItemLinks`): from students' answer
 * sequences, how much a residual on item i predicts the residual on item j when i came within
 * the last LINK_WINDOW answers before j. With residuals r = y − σ(−b) (b from `toItem`, the
 * same cross-fitted difficulties the rows use):
 *
 *   w(i → j) = Σ r_i · r_j / (Σ r_i² + shrink)
 *
 * summed over every pair (an answer on i, a later answer on j ≠ i at most LINK_WINDOW answers
 * after it) of every student given. It is the least-squares slope of r_j on r_i, shrunk toward
 * 0 for pairs few students have seen: with `shrink` = 5 a pair seen once weighs at most about a
 * fifth of its raw slope. Like item difficulties, links are learnt from students other than the
 * rows' own (src/ml/pipeline.ts), so a row never sees its own label through them.
 *
 * Pure and deterministic: students in, a table out. Memory: one entry per distinct ordered
 * pair (a few million on ASSISTments 2009), in typed arrays.
 */
import { LINK_WINDOW, answerResidual } from "../core/features";
import type { ItemLinks } from "../core/features";
import type { StudentSequence } from "./dataset";
import type { ItemMapper } from "./replay";

export interface LinkFitOptions {
  /** Pseudo-count of Σ r_i²: how far a rarely seen pair is pulled toward no link. */
  readonly shrink: number;
}

export const DEFAULT_LINK_FIT: LinkFitOptions = Object.freeze({ shrink: 5 });

/** Item numbers below 2^20 keep from · 2^20 + to an exact double. */
const PAIR = 2 ** 20;

/** A fitted table: `weight` answers from the pairs seen, undefined for any other. */
export interface FittedItemLinks extends ItemLinks {
  /** Distinct ordered pairs with a weight. */
  readonly pairs: number;
}

function grow(a: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  if (size <= a.length) return a;
  const b = new Float64Array(Math.max(size, a.length * 2));
  b.set(a);
  return b;
}

export function fitItemLinks(students: readonly StudentSequence[], toItem: ItemMapper, options: LinkFitOptions = DEFAULT_LINK_FIT): FittedItemLinks {
  const numbers = new Map<string, number>();
  const numberOf = (id: string): number => {
    let k = numbers.get(id);
    if (k === undefined) {
      k = numbers.size;
      if (k >= PAIR) throw new RangeError(`more than ${PAIR} items`);
      numbers.set(id, k);
    }
    return k;
  };
  const slot = new Map<number, number>();
  let cross = new Float64Array(1 << 16);
  let own = new Float64Array(1 << 16);
  const ids = new Int32Array(LINK_WINDOW);
  const residuals = new Float64Array(LINK_WINDOW);
  for (const s of students) {
    let n = 0;
    for (const x of s.interactions) {
      const to = numberOf(x.itemId);
      const r = answerResidual(toItem(x).difficulty, x.correct);
      for (let q = Math.max(0, n - LINK_WINDOW); q < n; q++) {
        const from = ids[q % LINK_WINDOW] ?? 0;
        if (from === to) continue;
        const ri = residuals[q % LINK_WINDOW] ?? 0;
        const key = from * PAIR + to;
        let at = slot.get(key);
        if (at === undefined) {
          at = slot.size;
          slot.set(key, at);
          cross = grow(cross, at + 1);
          own = grow(own, at + 1);
        }
        cross[at] = (cross[at] ?? 0) + ri * r;
        own[at] = (own[at] ?? 0) + ri * ri;
      }
      ids[n % LINK_WINDOW] = to;
      residuals[n % LINK_WINDOW] = r;
      n++;
    }
  }
  const weights = new Float64Array(slot.size);
  for (let k = 0; k < slot.size; k++) weights[k] = (cross[k] ?? 0) / ((own[k] ?? 0) + options.shrink);
  // Links out of each item, built on the first batch that asks (the replay asks pair by pair).
  let out: Map<number, [string, number][]> | null = null;
  const outgoing = (): Map<number, [string, number][]> => {
    if (out) return out;
    const ids = [...numbers.keys()];
    out = new Map();
    for (const [key, at] of slot) {
      const from = Math.floor(key / PAIR);
      const list = out.get(from) ?? [];
      list.push([ids[key - from * PAIR] ?? "", weights[at] ?? 0]);
      out.set(from, list);
    }
    return out;
  };
  return {
    pairs: slot.size,
    weight(from, to) {
      const f = numbers.get(from);
      const t = numbers.get(to);
      if (f === undefined || t === undefined) return undefined;
      const at = slot.get(f * PAIR + t);
      return at === undefined ? undefined : weights[at];
    },
    outgoing(from) {
      const f = numbers.get(from);
      return f === undefined ? [] : (outgoing().get(f) ?? []);
    },
  };
}
