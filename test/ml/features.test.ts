/**
 * Features are strictly causal (row i never changes when answers ≥ i change), the batch
 * function equals the row function, and km_logit is exactly the knowledge model's prediction.
 */
import { describe, expect, it } from "vitest";
import {
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_VERSION,
  FEATURE_WIDTHS,
  LINK_WINDOW,
  NO_LINKS,
  buildFeatures,
  emptyHistory,
  featureWidth,
  historyCounts,
  historySlice,
  learnerPart,
  mergeHistorySlice,
  recordOutcome,
  writeFeatureRow,
} from "../../src/core/features";
import { DEFAULT_KNOWLEDGE_CONFIG, predictCorrect, resolveSkills } from "../../src/core/knowledge";
import { mulberry32 } from "../../src/core/random";
import type { ItemLinks, LearnerHistory } from "../../src/core/features";
import type { ItemParams, SkillState } from "../../src/core/types";
import type { Interaction, StudentSequence } from "../../src/ml/dataset";
import { featureTable } from "../../src/ml/pipeline";

const toItem = (x: Interaction): ItemParams => ({ id: x.itemId, skillIds: x.skillIds, difficulty: (Number(x.itemId.slice(1)) % 7) / 3 - 1, discrimination: 1, guessing: 0 });

function sequence(seed: number, n: number): Interaction[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const k = Math.floor(rng() * 12);
    return { itemId: `q${k}`, skillIds: k % 4 === 0 ? [`s${k % 3}`, `s${(k + 1) % 3}`] : [`s${k % 3}`], correct: rng() < 0.6 };
  });
}

const student = (interactions: Interaction[]): StudentSequence => ({ studentId: "a", fold: 1, interactions });

/** A links table from "from>to" → weight. */
const linksOf = (w: Record<string, number>): ItemLinks => ({
  weight: (from, to) => w[`${from}>${to}`],
  outgoing: (from) => Object.entries(w).flatMap(([k, v]) => (k.startsWith(`${from}>`) ? [[k.slice(from.length + 1), v] as const] : [])),
});
/** Every ordered pair of q0…q11 linked, by a weight that depends on the pair. */
const ALL_LINKED = linksOf(Object.fromEntries(Array.from({ length: 144 }, (_, k) => [`q${Math.floor(k / 12)}>q${k % 12}`, ((k % 5) - 2) / 4])));

describe("features", () => {
  it("has one name per column", () => {
    expect(FEATURE_NAMES.length).toBe(FEATURE_COUNT);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_COUNT);
  });

  it("row i depends only on answers before i (changing answer i or later leaves rows 0…i unchanged)", () => {
    const seq = sequence(3, 60);
    const base = featureTable([student(seq)], toItem, DEFAULT_KNOWLEDGE_CONFIG, ALL_LINKED);
    for (const cut of [0, 1, 7, 30, 59]) {
      const altered = seq.map((x, j) => (j >= cut ? { ...x, correct: !x.correct, itemId: j > cut ? "q99" : x.itemId } : x));
      const t = featureTable([student(altered)], toItem, DEFAULT_KNOWLEDGE_CONFIG, ALL_LINKED);
      expect([...t.x.subarray(0, (cut + 1) * FEATURE_COUNT)]).toEqual([...base.x.subarray(0, (cut + 1) * FEATURE_COUNT)]);
      if (cut + 1 < seq.length) {
        // …and the next row does see answer `cut` (the features are not blind either).
        expect([...t.x.subarray((cut + 1) * FEATURE_COUNT, (cut + 2) * FEATURE_COUNT)]).not.toEqual([...base.x.subarray((cut + 1) * FEATURE_COUNT, (cut + 2) * FEATURE_COUNT)]);
      }
    }
  });

  it("the first answer of a learner sees nothing: empty-history values", () => {
    const t = featureTable([student(sequence(4, 3))], toItem, DEFAULT_KNOWLEDGE_CONFIG, ALL_LINKED);
    const row = t.x.subarray(0, FEATURE_COUNT);
    const get = (name: (typeof FEATURE_NAMES)[number]) => row[FEATURE_NAMES.indexOf(name)];
    for (const name of ["skill_success", "skill_failure", "skill_recent", "skill_last", "total_log", "recent_rate", "last_correct", "item_seen", "item_last", "skill_streak", "total_streak", "resid_long", "resid_short", "skill_resid", "recent_b", "link_sum", "link_mean", "link_count"] as const) {
      expect(get(name)).toBe(0);
    }
  });

  it("km_logit is the knowledge model's own prediction, and the batch equals the row writer (item links included)", () => {
    const items = sequence(5, 20).map(toItem);
    const states = new Map<string, SkillState>([["s1", { skillId: "s1", mean: 0.9, variance: 0.2, attempts: 9, correct: 7, lastAttemptAt: 0 }]]);
    const history = emptyHistory();
    items.slice(0, 8).forEach((item, k) => recordOutcome(history, item, k % 3 !== 1));
    const batch = buildFeatures((id) => states.get(id), new Map(), history, items, new Float32Array(items.length * FEATURE_COUNT), DEFAULT_KNOWLEDGE_CONFIG, FEATURE_COUNT, ALL_LINKED);
    const lookup = resolveSkills((id) => states.get(id), new Map(), DEFAULT_KNOWLEDGE_CONFIG);
    const one = new Float32Array(FEATURE_COUNT);
    expect(new Set(Array.from({ length: items.length }, (_, i) => batch[i * FEATURE_COUNT + 24])).size).toBeGreaterThan(1); // links in play
    items.forEach((item, i) => {
      writeFeatureRow(item, lookup, history, learnerPart(history), DEFAULT_KNOWLEDGE_CONFIG, one, 0, FEATURE_COUNT, ALL_LINKED);
      expect([...batch.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)]).toEqual([...one]);
      const p = predictCorrect(item, lookup, DEFAULT_KNOWLEDGE_CONFIG);
      expect(batch[i * FEATURE_COUNT]).toBeCloseTo(Math.log(p / (1 - p)), 5);
    });
  });

  it("features/1 and features/2 rows are the first 18 and 22 columns of features/3 rows (one writer serves every layout)", () => {
    expect(FEATURE_WIDTHS).toEqual({ "features/1": 18, "features/2": 22, "features/3": 25 });
    expect(featureWidth(FEATURE_VERSION)).toBe(FEATURE_COUNT);
    expect(featureWidth("features/0")).toBeUndefined();
    expect(FEATURE_NAMES.slice(0, 18)).toEqual([
      "km_logit", "km_sd", "item_b", "skill_success", "skill_failure", "skill_recent", "skill_last", "skill_gap", "total_log",
      "total_rate", "recent_rate", "last_correct", "item_seen", "item_last", "item_skills", "skill_streak", "total_streak", "skill_rate",
    ]);
    const items = sequence(8, 30).map(toItem);
    const history = emptyHistory();
    items.slice(0, 12).forEach((item, k) => recordOutcome(history, item, k % 3 !== 0));
    const lookup = (id: string) => (id === "s1" ? { skillId: "s1", mean: 0.4, variance: 0.5, attempts: 4, correct: 3, lastAttemptAt: 0 } : undefined);
    const wide = buildFeatures(lookup, new Map(), history, items, new Float32Array(items.length * FEATURE_COUNT), DEFAULT_KNOWLEDGE_CONFIG);
    for (const width of [18, 22]) {
      const narrow = buildFeatures(lookup, new Map(), history, items, new Float32Array(items.length * width), DEFAULT_KNOWLEDGE_CONFIG, width, ALL_LINKED);
      items.forEach((_, i) => expect([...narrow.subarray(i * width, (i + 1) * width)]).toEqual([...wide.subarray(i * FEATURE_COUNT, i * FEATURE_COUNT + width)]));
    }
    expect(() => buildFeatures(lookup, new Map(), history, items, new Float32Array(items.length * 20), DEFAULT_KNOWLEDGE_CONFIG, 20)).toThrow(RangeError);
  });

  it("the residual features follow their definition: EWMAs of y − σ(−b) and of b", () => {
    const a = { id: "a", skillIds: ["s"], difficulty: 1, discrimination: 1, guessing: 0 };
    const b = { id: "b", skillIds: ["t"], difficulty: -2, discrimination: 1, guessing: 0 };
    const h = emptyHistory();
    recordOutcome(h, a, true); // r1 = 1 − σ(−1)
    recordOutcome(h, b, false); // r2 = 0 − σ(2)
    const r1 = 1 - 1 / (1 + Math.exp(1));
    const r2 = 0 - 1 / (1 + Math.exp(-2));
    const long = 0.1 * r1 + 0.1 * (r2 - 0.1 * r1);
    const short = 0.3 * r1 + 0.3 * (r2 - 0.3 * r1);
    const row = buildFeatures(() => undefined, new Map(), h, [a], new Float32Array(FEATURE_COUNT), DEFAULT_KNOWLEDGE_CONFIG);
    const get = (name: (typeof FEATURE_NAMES)[number]) => row[FEATURE_NAMES.indexOf(name)] ?? Number.NaN;
    expect(get("resid_long")).toBeCloseTo(long, 6);
    expect(get("resid_short")).toBeCloseTo(short, 6);
    expect(get("skill_resid")).toBeCloseTo(0.3 * r1, 6); // skill s saw only answer 1
    expect(get("recent_b")).toBeCloseTo(1 + 0.3 * (-2 - 1), 6); // starts at the first b
  });

  it("a history stored before features/2 (no residual fields) loads with them at 0", () => {
    const stored = JSON.parse(JSON.stringify({ attempts: 7, correct: 5, streak: 2, recent: [1, 0, 1] })) as Partial<LearnerHistory>;
    expect(historyCounts(stored)).toEqual({ attempts: 7, correct: 5, streak: 2, recent: [1, 0, 1], residualLong: 0, residualShort: 0, recentDifficulty: 0, lastAnswers: [] });
    const h: LearnerHistory = { ...historyCounts(stored), skills: { s: { ewma: 0.8, last: true, streak: 2, lastIndex: 6 } }, items: {} };
    const item = { id: "q", skillIds: ["s"], difficulty: 0, discrimination: 1, guessing: 0 };
    const row = buildFeatures(() => undefined, new Map(), h, [item], new Float32Array(FEATURE_COUNT), DEFAULT_KNOWLEDGE_CONFIG);
    for (const v of row) expect(Number.isFinite(v)).toBe(true);
    expect(row[FEATURE_NAMES.indexOf("skill_resid")]).toBe(0);
    recordOutcome(h, item, true); // and it keeps learning from there
    expect(h.skills.s?.residual).toBeCloseTo(0.3 * 0.5, 12);
    expect(h.residualLong).toBeCloseTo(0.1 * 0.5, 12);
  });

  it("the link features follow their definition: w(i → j) · r_i over the last LINK_WINDOW answers other than j", () => {
    const item = (id: string, difficulty: number) => ({ id, skillIds: ["s"], difficulty, discrimination: 1, guessing: 0 });
    const [a, b, c, target] = [item("a", 1), item("b", -2), item("c", 0), item("t", 0.5)];
    const links = linksOf({ "a>t": 0.5, "b>t": -0.25, "t>t": 9, "c>a": 3 });
    const h = emptyHistory();
    recordOutcome(h, a, true); // r = 1 − σ(−1), linked to t by 0.5
    recordOutcome(h, b, false); // r = 0 − σ(2), linked by −0.25
    recordOutcome(h, c, true); // no link c → t
    recordOutcome(h, target, true); // t itself: never its own link
    const ra = 1 - 1 / (1 + Math.exp(1));
    const rb = 0 - 1 / (1 + Math.exp(-2));
    const row = buildFeatures(() => undefined, new Map(), h, [target], new Float32Array(FEATURE_COUNT), DEFAULT_KNOWLEDGE_CONFIG, FEATURE_COUNT, links);
    const get = (name: (typeof FEATURE_NAMES)[number]) => row[FEATURE_NAMES.indexOf(name)] ?? Number.NaN;
    expect(get("link_sum")).toBeCloseTo(0.5 * ra - 0.25 * rb, 6);
    expect(get("link_mean")).toBeCloseTo((0.5 * ra - 0.25 * rb) / 2, 6);
    expect(get("link_count")).toBeCloseTo(Math.log1p(2), 6);
    // No table: zeros, the rest of the row unchanged.
    const none = buildFeatures(() => undefined, new Map(), h, [target], new Float32Array(FEATURE_COUNT), DEFAULT_KNOWLEDGE_CONFIG, FEATURE_COUNT, NO_LINKS);
    expect([...none.subarray(22)]).toEqual([0, 0, 0]);
    expect([...none.subarray(0, 22)]).toEqual([...row.subarray(0, 22)]);
    // The window: after LINK_WINDOW more answers, a and b have left it.
    for (let k = 0; k < LINK_WINDOW; k++) recordOutcome(h, c, k % 2 === 0);
    expect(h.lastAnswers?.length).toBe(LINK_WINDOW);
    const later = buildFeatures(() => undefined, new Map(), h, [target], new Float32Array(FEATURE_COUNT), DEFAULT_KNOWLEDGE_CONFIG, FEATURE_COUNT, links);
    expect([...later.subarray(22)]).toEqual([0, 0, 0]);
  });

  it("history survives a JSON round trip (the Durable Object stores it as text)", () => {
    const h = emptyHistory();
    for (const x of sequence(6, 25)) recordOutcome(h, toItem(x), x.correct);
    expect(JSON.parse(JSON.stringify(h))).toEqual(h);
    expect(h.recent.length).toBe(10);
  });
});

describe("history slices", () => {
  it("recording into a slice and merging it back equals recording into the whole history", () => {
    const items = [
      { id: "i1", skillIds: ["a"], difficulty: -0.5 },
      { id: "i2", skillIds: ["a", "b"], difficulty: 0.7 },
      { id: "i3", skillIds: ["c"], difficulty: 0 },
    ];
    const direct = emptyHistory();
    const sliced = emptyHistory();
    for (let k = 0; k < 40; k++) {
      const item = items[(k * 7) % 3] ?? items[0];
      if (!item) continue;
      const correct = (k * 13) % 5 !== 0;
      recordOutcome(direct, item, correct);
      const slice = historySlice(sliced, item);
      recordOutcome(slice, item, correct);
      // The live history is untouched until the merge.
      expect(sliced.attempts).toBe(k);
      mergeHistorySlice(sliced, slice);
      expect(JSON.parse(JSON.stringify(sliced))).toEqual(JSON.parse(JSON.stringify(direct)));
    }
  });
});
