/**
 * Learning rates per skill for the correctness model's feature screening
 * (scripts/ml/screen-features.ts; src/core/features.ts says why they are not in the layout yet).
 * Pure and deterministic: students in, coefficients out.
 */
import { DEFAULT_KNOWLEDGE_CONFIG } from "../core/knowledge";
import type { KnowledgeConfig } from "../core/knowledge";
import type { ItemParams } from "../core/types";
import type { StudentSequence } from "./dataset";
import { replaySequence } from "./replay";
import type { ItemMapper } from "./replay";

/**
 * Learning rates per key (a skill, or a block of item ids): PFA with its own coefficients per
 * key, logit P = α_student − b_item + mean over the item's keys k of w_k · t_k, where t_k are
 * the key's terms before the answer (`Terms`: 1, log(1 + successes on k), log(1 + failures on
 * k), and per variant the learner's total answers or decayed counts on k). Priors α ~ N(0, 1),
 * w_k ~ N(0, 0.5²). Fitted by blocks (students, then each key's Newton step) on students other
 * than the rows' own, as item difficulties are cross-fitted; the tracker writes the item's mean
 * coefficients and its learning term Σ w·t (intercept excluded).
 */
export interface SkillRates {
  readonly weights: ReadonlyMap<string, Float64Array>;
}
/** A learner's answers on one key so far: right, wrong, and both decayed by `RECENT` per answer on it. */
export interface KeyCounts {
  s: number;
  f: number;
  ds: number;
  df: number;
}
/** The learner's side of a row: answers so far, and the knowledge model's logit for this item. */
export interface LearnerSide {
  readonly total: number;
  readonly knowledgeLogit: number;
}
export type Terms = (c: KeyCounts | undefined, l: LearnerSide) => number[];
/** Decay per answer on the key of the `recent` terms' counts. */
const RECENT = 0.7;
/** A variant's terms per key: `size` of them, the first always 1 (the key's intercept). */
export interface RateTerms {
  readonly size: number;
  readonly terms: Terms;
}
/** The variants screened (scripts/ml/screen-features.ts). */
export const RATE_TERMS: Readonly<Record<"pfa" | "total" | "totalRecent" | "totalKnowledge" | "recent", RateTerms>> = {
  pfa: { size: 3, terms: (c) => [1, Math.log1p(c?.s ?? 0), Math.log1p(c?.f ?? 0)] },
  total: { size: 4, terms: (c, l) => [1, Math.log1p(c?.s ?? 0), Math.log1p(c?.f ?? 0), Math.log1p(l.total)] },
  totalRecent: { size: 6, terms: (c, l) => [1, Math.log1p(c?.s ?? 0), Math.log1p(c?.f ?? 0), Math.log1p(l.total), c?.ds ?? 0, c?.df ?? 0] },
  totalKnowledge: { size: 5, terms: (c, l) => [1, Math.log1p(c?.s ?? 0), Math.log1p(c?.f ?? 0), Math.log1p(l.total), l.knowledgeLogit] },
  recent: { size: 5, terms: (c) => [1, Math.log1p(c?.s ?? 0), Math.log1p(c?.f ?? 0), c?.ds ?? 0, c?.df ?? 0] },
};

/** Counts one answer on `key` (the decayed counts decay first). */
function countAnswer(counts: Map<string, KeyCounts>, key: string, correct: boolean): void {
  const c = counts.get(key) ?? { s: 0, f: 0, ds: 0, df: 0 };
  c.ds *= RECENT;
  c.df *= RECENT;
  if (correct) {
    c.s += 1;
    c.ds += 1;
  } else {
    c.f += 1;
    c.df += 1;
  }
  counts.set(key, c);
}

const logit = (p: number) => Math.log(Math.max(1e-6, p) / Math.max(1e-6, 1 - p));

/** Solves A x = y (P×P, Gaussian elimination with partial pivoting); null when singular. */
function solve(A: number[][], y: number[]): number[] | null {
  const n = y.length;
  const m = A.map((row, i) => [...row, y[i] ?? 0]);
  for (let c = 0; c < n; c++) {
    let best = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]?.[c] ?? 0) > Math.abs(m[best]?.[c] ?? 0)) best = r;
    const tmp = m[c];
    m[c] = m[best] ?? [];
    m[best] = tmp ?? [];
    const pivot = m[c]?.[c] ?? 0;
    if (Math.abs(pivot) < 1e-12) return null;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = (m[r]?.[c] ?? 0) / pivot;
      for (let k = c; k <= n; k++) (m[r] as number[])[k] = (m[r]?.[k] ?? 0) - f * (m[c]?.[k] ?? 0);
    }
  }
  return Array.from({ length: n }, (_, i) => (m[i]?.[n] ?? 0) / (m[i]?.[i] ?? 1));
}

/**
 * The coefficients of `variant` per key, fitted on `students` (never on the rows they will be
 * written for: the caller cross-fits, as item difficulties are), with item difficulties from
 * `toItem` as offsets and each learner's ability α fitted alongside, `rounds` times each block.
 */
export function fitSkillRates(
  students: readonly StudentSequence[],
  toItem: ItemMapper,
  keysOf: (item: ItemParams) => readonly string[],
  variant: RateTerms,
  config: KnowledgeConfig = DEFAULT_KNOWLEDGE_CONFIG,
  rounds = 15,
): SkillRates {
  const P = variant.size;
  const ids = new Map<string, number>();
  // Row i uses the keys rowKeys[rowStart[i] … rowStart[i + 1]), each with its terms (P each).
  const rowSt: number[] = [];
  const rowStart: number[] = [0];
  const rowKeys: number[] = [];
  const rowTerms: number[] = [];
  const rowO: number[] = [];
  const rowY: number[] = [];
  students.forEach((st, a) => {
    const counts = new Map<string, KeyCounts>();
    let total = 0;
    replaySequence(st.interactions, toItem, config, (_i, kp, item, x) => {
      const side = { total, knowledgeLogit: logit(kp) };
      for (const key of keysOf(item)) {
        let k = ids.get(key);
        if (k === undefined) {
          k = ids.size;
          ids.set(key, k);
        }
        rowKeys.push(k);
        rowTerms.push(...variant.terms(counts.get(key), side));
      }
      rowStart.push(rowKeys.length);
      rowSt.push(a);
      rowO.push(-item.difficulty);
      rowY.push(x.correct ? 1 : 0);
      for (const key of keysOf(item)) countAnswer(counts, key, x.correct);
      total += 1;
    });
  });
  const n = rowY.length;
  const K = ids.size;
  const alpha = new Float64Array(students.length);
  const w = new Float64Array(K * P);
  const prior = 1 / 0.25;
  for (let round = 0; round < rounds * 2; round++) {
    const studentsTurn = round % 2 === 0;
    const ga = new Float64Array(students.length);
    const ha = new Float64Array(students.length);
    const g = new Float64Array(studentsTurn ? 0 : K * P);
    const h = new Float64Array(studentsTurn ? 0 : K * P * P);
    for (let i = 0; i < n; i++) {
      const a = rowSt[i] ?? 0;
      const from = rowStart[i] ?? 0;
      const to = rowStart[i + 1] ?? from;
      const m = Math.max(1, to - from);
      let z = (alpha[a] ?? 0) + (rowO[i] ?? 0);
      for (let j = from; j < to; j++) {
        const k = rowKeys[j] ?? 0;
        for (let q = 0; q < P; q++) z += ((w[k * P + q] ?? 0) * (rowTerms[j * P + q] ?? 0)) / m;
      }
      const p = 1 / (1 + Math.exp(-z));
      const e = (rowY[i] ?? 0) - p;
      const v = p * (1 - p);
      if (studentsTurn) {
        ga[a] = (ga[a] ?? 0) + e;
        ha[a] = (ha[a] ?? 0) + v;
        continue;
      }
      for (let j = from; j < to; j++) {
        const k = rowKeys[j] ?? 0;
        for (let q = 0; q < P; q++) {
          const tq = (rowTerms[j * P + q] ?? 0) / m;
          g[k * P + q] = (g[k * P + q] ?? 0) + e * tq;
          for (let r = 0; r < P; r++) h[(k * P + q) * P + r] = (h[(k * P + q) * P + r] ?? 0) + v * tq * ((rowTerms[j * P + r] ?? 0) / m);
        }
      }
    }
    if (studentsTurn) {
      for (let a = 0; a < students.length; a++) alpha[a] = (alpha[a] ?? 0) + ((ga[a] ?? 0) - (alpha[a] ?? 0)) / ((ha[a] ?? 0) + 1);
      continue;
    }
    for (let k = 0; k < K; k++) {
      const grad = Array.from({ length: P }, (_, q) => (g[k * P + q] ?? 0) - prior * (w[k * P + q] ?? 0));
      const H = Array.from({ length: P }, (_, q) => Array.from({ length: P }, (_, r) => (h[(k * P + q) * P + r] ?? 0) + (q === r ? prior : 0)));
      const step = solve(H, grad);
      if (!step) continue;
      for (let q = 0; q < P; q++) w[k * P + q] = (w[k * P + q] ?? 0) + Math.max(-1, Math.min(1, step[q] ?? 0));
    }
  }
  return { weights: new Map([...ids].map(([key, k]) => [key, w.slice(k * P, (k + 1) * P)])) };
}

/** No coefficients: every key unknown (its columns 0). */
export const NO_RATES: SkillRates = Object.freeze({ weights: new Map<string, Float64Array>() });

/**
 * One learner's rate columns, causal: `write` puts the item's mean coefficients over its keys
 * (size columns) and its learning term Σ w·t without the intercept (one more) at `o`, from
 * the answers `record`ed before; keys missing from `rates` add nothing.
 */
export function rateColumns(rates: SkillRates, keysOf: (item: ItemParams) => readonly string[], variant: RateTerms): {
  write(item: ItemParams, out: Float32Array, o: number, knowledgeP?: number): void;
  record(item: ItemParams, correct: boolean): void;
} {
  const counts = new Map<string, KeyCounts>();
  let total = 0;
  const P = variant.size;
  return {
    write(item, out, o, knowledgeP = 0.5) {
      const side = { total, knowledgeLogit: logit(knowledgeP) };
      const keys = keysOf(item);
      const m = Math.max(1, keys.length);
      for (let q = 0; q <= P; q++) out[o + q] = 0;
      for (const k of keys) {
        const wk = rates.weights.get(k);
        if (!wk) continue;
        const t = variant.terms(counts.get(k), side);
        for (let q = 0; q < P; q++) {
          out[o + q] = (out[o + q] ?? 0) + (wk[q] ?? 0) / m;
          if (q > 0) out[o + P] = (out[o + P] ?? 0) + ((wk[q] ?? 0) * (t[q] ?? 0)) / m;
        }
      }
    },
    record(item, correct) {
      for (const k of keysOf(item)) countAnswer(counts, k, correct);
      total += 1;
    },
  };
}
