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

/**
 * What the calibration job publishes by default, and what models are trained and scored with
 * (src/ml/pipeline.ts). reports/link-pruning.md (correctness-v3 fitted and scored on each cut,
 * fold 1): ASSISTments 2009 0.7876 with 16 links into each item, 0.7892 with 32, 0.7917 with 64,
 * 0.7932 with 128, 0.7947 with every link; Statics 2011 0.8390–0.8402 whatever the cut. 64 keeps
 * most of the gain at 7 MB encoded (`encodeLinks`) for a bank the size of ASSISTments 2009 (about
 * 930,000 links), which an isolate holds while it serves; 128 would add 0.0015 for 70 % more.
 */
export const DEFAULT_PUBLISH_LINKS: PublishOptions = Object.freeze({ maxPerItem: 64, minSupport: 1 });

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

/**
 * Where the calibration document points for its links: the fit's provenance (a `PublishedLinks`
 * without the table) and the KV key of the table, encoded by `encodeLinks`. The table has a key
 * of its own because it is the bulk of what the job publishes (64 links into each of thousands
 * of items) while the document is read again every minute by every isolate: the table is read
 * once per key (its key names its content, so a key never changes meaning).
 */
export interface LinksReference extends Omit<PublishedLinks, "links"> {
  /** KV key of the encoded table. */
  readonly key: string;
  /** Links in it (`publishedLinkCount` of the table). */
  readonly count: number;
  /** Size of the encoded table. */
  readonly bytes: number;
}

/** A decoded table: the feature writer's view, plus what operators look up. */
export interface DecodedLinks extends ItemLinks {
  readonly count: number;
  /** Every link into `to`, as [from, w], sources in id order. */
  into(to: string): [string, number][];
}

const MAGIC = 0x314b4c49; // "ILK1", little-endian

/**
 * The table of `doc` as bytes: "ILK1", the JSON length, the JSON array of every item id the table
 * names (code-unit order), zero padding to 4 bytes, then the sources' offsets (u32, one more than
 * the ids: links out of id k are entries offsets[k] … offsets[k + 1] − 1), each entry's target id
 * number (u32) and weight (f32; the published weights have 4 decimals, which f32 keeps exactly
 * enough to round back). About 8 bytes a link, where the JSON form takes 16.
 */
export function encodeLinks(doc: PublishedLinks): Uint8Array {
  const names = new Set<string>();
  let count = 0;
  for (const [from, out] of Object.entries(doc.links)) {
    names.add(from);
    for (const [to] of out) names.add(to);
    count += out.length;
  }
  const ids = [...names].sort(codeUnitOrder);
  const number = new Map(ids.map((id, k) => [id, k]));
  const header = new TextEncoder().encode(JSON.stringify(ids));
  const start = (8 + header.length + 3) & ~3;
  const bytes = new Uint8Array(start + 4 * (ids.length + 1) + 8 * count);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  bytes.set(header, 8);
  let at = 0;
  const offsetsAt = start;
  const targetsAt = offsetsAt + 4 * (ids.length + 1);
  const weightsAt = targetsAt + 4 * count;
  for (let k = 0; k < ids.length; k++) {
    view.setUint32(offsetsAt + 4 * k, at, true);
    for (const [to, w] of doc.links[ids[k] ?? ""] ?? []) {
      view.setUint32(targetsAt + 4 * at, number.get(to) ?? 0, true);
      view.setFloat32(weightsAt + 4 * at, w, true);
      at++;
    }
  }
  view.setUint32(offsetsAt + 4 * ids.length, at, true);
  return bytes;
}

/**
 * `publishLinks` within a size budget: the encoded table of at most `maxBytes` (a KV value holds
 * 25 MiB, and an isolate holds the table while it serves). When the configured cut does not fit
 * (a bank much larger than ASSISTments 2009's 17,700 items at 64 links into each), the links into
 * each item are halved until it does; the document's `maxPerItem` says what was kept. One link
 * into each item is the floor.
 */
export function publishLinksWithin(
  fitted: FittedItemLinks,
  source: { answers: number; learners: number; throughAttemptId: number },
  options: PublishOptions,
  maxBytes: number,
): PublishedLinks {
  let doc = publishLinks(fitted, source, options);
  while (doc.maxPerItem > 1 && encodeLinks(doc).length > maxBytes) {
    doc = publishLinks(fitted, source, { ...options, maxPerItem: Math.floor(doc.maxPerItem / 2) });
  }
  return doc;
}

/** FNV-1a over the bytes, hex: names a table by its content. */
function digest(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] ?? 0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** The document's pointer to `encoded` (`encodeLinks(doc)`): the same table always gets the same key. */
export function linksReference(doc: PublishedLinks, encoded: Uint8Array): LinksReference {
  const { links: _table, ...provenance } = doc;
  return { ...provenance, key: `item-links:v1:${doc.throughAttemptId}:${encoded.length}:${digest(encoded)}`, count: publishedLinkCount(doc), bytes: encoded.length };
}

/**
 * A table encoded by `encodeLinks`, read as `linksOf` reads the document form: the same links,
 * in the same order. Only the ids are decoded up front; a source's [to, w] pairs are made the
 * first time it is asked for (the window's items, a few dozen per learner).
 */
export function decodeLinks(buffer: ArrayBuffer | Uint8Array): DecodedLinks {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new Error("not an encoded item-links table");
  const headerLength = view.getUint32(4, true);
  const ids = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as string[];
  const start = (8 + headerLength + 3) & ~3;
  const offsetsAt = start;
  const count = view.getUint32(offsetsAt + 4 * ids.length, true);
  const targetsAt = offsetsAt + 4 * (ids.length + 1);
  const weightsAt = targetsAt + 4 * count;
  if (bytes.byteLength !== weightsAt + 4 * count) throw new Error(`item-links table: ${bytes.byteLength} bytes, expected ${weightsAt + 4 * count}`);
  const number = new Map(ids.map((id, k) => [id, k]));
  const weightAt = (e: number) => Math.round(view.getFloat32(weightsAt + 4 * e, true) * 1e4) / 1e4;
  const made = new Map<number, [string, number][]>();
  const outOf = (k: number): [string, number][] => {
    let list = made.get(k);
    if (!list) {
      list = [];
      for (let e = view.getUint32(offsetsAt + 4 * k, true), end = view.getUint32(offsetsAt + 4 * (k + 1), true); e < end; e++) {
        list.push([ids[view.getUint32(targetsAt + 4 * e, true)] ?? "", weightAt(e)]);
      }
      made.set(k, list);
    }
    return list;
  };
  return {
    count,
    weight(from, to) {
      const k = number.get(from);
      if (k === undefined) return undefined;
      for (const [t, w] of outOf(k)) if (t === to) return w;
      return undefined;
    },
    outgoing(from) {
      const k = number.get(from);
      return k === undefined ? [] : outOf(k);
    },
    into(to) {
      const t = number.get(to);
      const out: [string, number][] = [];
      if (t === undefined) return out;
      for (let k = 0; k < ids.length; k++) {
        for (let e = view.getUint32(offsetsAt + 4 * k, true), end = view.getUint32(offsetsAt + 4 * (k + 1), true); e < end; e++) {
          if (view.getUint32(targetsAt + 4 * e, true) === t) out.push([ids[k] ?? "", weightAt(e)]);
        }
      }
      return out;
    },
  };
}
