/**
 * Item links for features/3 (./features.ts `ItemLinks`): from learners' answer sequences, how
 * much a residual on item i predicts the residual on item j when i came within the last
 * LINK_WINDOW answers before j. With residuals r = y − σ(−b) (features.ts `answerResidual`, b
 * the item's difficulty as the caller knows it):
 *
 *   w(i → j) = Σ r_i · r_j / (Σ r_i² + shrink)
 *
 * summed over every pair (an answer on i, a later answer on j ≠ i at most LINK_WINDOW answers
 * after it) of every sequence given. It is the least-squares slope of r_j on r_i, shrunk toward
 * 0 for pairs few learners have seen: with `shrink` = 5 a pair seen once weighs at most about a
 * fifth of its raw slope. Links are learnt from learners other than the ones whose rows they
 * feed — other students in training (src/ml/pipeline.ts cross-fits them like item
 * difficulties), everyone before now on the platform (the calibration job, which publishes
 * them with a calibration version: `publishLinks`, read back by `linksOf`).
 *
 * Pure and deterministic: sequences in, a table out. Memory: one entry per distinct ordered
 * pair (a few million on ASSISTments 2009), in typed arrays.
 */
import { LINK_WINDOW, NO_LINKS } from "./features";
import type { ItemLinks } from "./features";

/** One answer of a sequence: the item and its residual y − σ(−b). */
export interface LinkAnswer {
  readonly itemId: string;
  readonly residual: number;
}

export interface LinkFitOptions {
  /** Pseudo-count of Σ r_i²: how far a rarely seen pair is pulled toward no link. */
  readonly shrink: number;
}

export const DEFAULT_LINK_FIT: LinkFitOptions = Object.freeze({ shrink: 5 });

/** Item numbers below 2^20 keep from · 2^20 + to an exact double. */
const PAIR = 2 ** 20;

/** A fitted table: links for the pairs seen, none for any other. */
export interface FittedItemLinks extends ItemLinks {
  /** Distinct ordered pairs with a weight. */
  readonly pairs: number;
  /** Every link with the number of answer pairs behind it, in no particular order. */
  each(visit: (from: string, to: string, weight: number, support: number) => void): void;
}

function grow<T extends Float64Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>(a: T, size: number, make: (n: number) => T): T {
  if (size <= a.length) return a;
  const b = make(Math.max(size, a.length * 2));
  b.set(a);
  return b;
}

export function fitItemLinks(sequences: Iterable<readonly LinkAnswer[]>, options: LinkFitOptions = DEFAULT_LINK_FIT): FittedItemLinks {
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
  let support = new Uint32Array(1 << 16);
  const ids = new Int32Array(LINK_WINDOW);
  const residuals = new Float64Array(LINK_WINDOW);
  for (const sequence of sequences) {
    let n = 0;
    for (const answer of sequence) {
      const to = numberOf(answer.itemId);
      const r = answer.residual;
      for (let q = Math.max(0, n - LINK_WINDOW); q < n; q++) {
        const from = ids[q % LINK_WINDOW] ?? 0;
        if (from === to) continue;
        const ri = residuals[q % LINK_WINDOW] ?? 0;
        const key = from * PAIR + to;
        let at = slot.get(key);
        if (at === undefined) {
          at = slot.size;
          slot.set(key, at);
          cross = grow(cross, at + 1, (k) => new Float64Array(k));
          own = grow(own, at + 1, (k) => new Float64Array(k));
          support = grow(support, at + 1, (k) => new Uint32Array(k));
        }
        cross[at] = (cross[at] ?? 0) + ri * r;
        own[at] = (own[at] ?? 0) + ri * ri;
        support[at] = (support[at] ?? 0) + 1;
      }
      ids[n % LINK_WINDOW] = to;
      residuals[n % LINK_WINDOW] = r;
      n++;
    }
  }
  const weights = new Float64Array(slot.size);
  for (let k = 0; k < slot.size; k++) weights[k] = (cross[k] ?? 0) / ((own[k] ?? 0) + options.shrink);
  const names = [...numbers.keys()];
  // Links out of each item, built on the first batch that asks (the replay asks pair by pair).
  let out: Map<number, [string, number][]> | null = null;
  const outgoing = (): Map<number, [string, number][]> => {
    if (out) return out;
    out = new Map();
    for (const [key, at] of slot) {
      const from = Math.floor(key / PAIR);
      const list = out.get(from) ?? [];
      list.push([names[key - from * PAIR] ?? "", weights[at] ?? 0]);
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
    each(visit) {
      for (const [key, at] of slot) {
        const from = Math.floor(key / PAIR);
        visit(names[from] ?? "", names[key - from * PAIR] ?? "", weights[at] ?? 0, support[at] ?? 0);
      }
    },
  };
}

/**
 * Links as published with a calibration version (KV `calibration:v1`, Postgres
 * `calibration_versions.links`): what the learner objects score and log with.
 */
export interface PublishedLinks {
  /** Answers and learners the fit read, and the newest attempt among them (Postgres `attempts.id`). */
  readonly answers: number;
  readonly learners: number;
  readonly throughAttemptId: number;
  readonly window: number;
  readonly shrink: number;
  /** Links kept per target item (those with the largest |w|) and the fewest answer pairs a kept link rests on. */
  readonly maxPerItem: number;
  readonly minSupport: number;
  /** from → [to, w][], w rounded to 4 decimals (what is published is exactly what is read). */
  readonly links: Readonly<Record<string, readonly (readonly [string, number])[]>>;
}

export interface PublishOptions {
  readonly maxPerItem: number;
  readonly minSupport: number;
}

export const DEFAULT_PUBLISH_LINKS: PublishOptions = Object.freeze({ maxPerItem: 16, minSupport: 1 });

/**
 * The publishable part of a fit: for every target item its `maxPerItem` links of largest |w|
 * among those resting on at least `minSupport` answer pairs (ties by source id), grouped by
 * source, sources and targets in id order — the same fit always gives the same document.
 */
export function publishLinks(
  fitted: FittedItemLinks,
  source: { answers: number; learners: number; throughAttemptId: number },
  options: PublishOptions = DEFAULT_PUBLISH_LINKS,
  fit: LinkFitOptions = DEFAULT_LINK_FIT,
): PublishedLinks {
  const into = new Map<string, [string, number][]>();
  fitted.each((from, to, w, n) => {
    if (n < options.minSupport) return;
    const rounded = Math.round(w * 1e4) / 1e4;
    if (rounded === 0) return;
    const list = into.get(to) ?? [];
    list.push([from, rounded]);
    into.set(to, list);
  });
  const byFrom = new Map<string, [string, number][]>();
  for (const [to, list] of into) {
    list.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || codeUnitOrder(a[0], b[0]));
    for (const [from, w] of list.slice(0, options.maxPerItem)) {
      const out = byFrom.get(from) ?? [];
      out.push([to, w]);
      byFrom.set(from, out);
    }
  }
  const byId = (a: readonly [string, unknown], b: readonly [string, unknown]) => codeUnitOrder(a[0], b[0]);
  const links: Record<string, [string, number][]> = {};
  for (const [from, out] of [...byFrom].sort(byId)) links[from] = out.sort(byId);
  return { ...source, window: LINK_WINDOW, shrink: fit.shrink, maxPerItem: options.maxPerItem, minSupport: options.minSupport, links };
}

/** Links a document publishes (what the job reports and the operator route shows). */
export function publishedLinkCount(doc: PublishedLinks | null | undefined): number {
  return doc ? Object.values(doc.links).reduce((n, out) => n + out.length, 0) : 0;
}

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A published document as the feature writer reads it (NO_LINKS when there is none, or it was made for another window). */
export function linksOf(doc: PublishedLinks | null | undefined): ItemLinks {
  if (!doc || doc.window !== LINK_WINDOW) return NO_LINKS;
  const out = new Map<string, readonly (readonly [string, number])[]>(Object.entries(doc.links));
  let pairs: Map<string, number> | null = null;
  return {
    weight(from, to) {
      pairs ??= new Map([...out].flatMap(([f, list]) => list.map(([t, w]) => [`${f}\u0000${t}`, w] as const)));
      return pairs.get(`${from}\u0000${to}`);
    },
    outgoing: (from) => out.get(from) ?? [],
  };
}
