import { describe, expect, it } from "vitest";
import { DEFAULT_KNOWLEDGE_CONFIG } from "../../src/core/knowledge";
import type { Interaction, StudentSequence } from "../../src/ml/dataset";
import { fitItemDifficulties, itemMapper } from "../../src/ml/difficulty";
import { replaySequence } from "../../src/ml/replay";

const seq: Interaction[] = [
  { itemId: "a", skillIds: ["s1"], correct: true },
  { itemId: "b", skillIds: ["s1", "s2"], correct: false },
  { itemId: "c", skillIds: ["s2"], correct: true },
  { itemId: "a", skillIds: ["s1"], correct: true },
  { itemId: "d", skillIds: ["s1"], correct: false },
  { itemId: "e", skillIds: ["s2"], correct: true },
];
const toItem = itemMapper({ difficulty: new Map([["a", -0.5], ["b", 0.3], ["c", 0], ["d", 1], ["e", -1]]), skillCentre: new Map(), globalCentre: 0 }, (x) => x.skillIds);

describe("online replay never uses the future", () => {
  it("prediction i is unchanged when any later outcome, item or skill changes", () => {
    const base = replaySequence(seq, toItem, DEFAULT_KNOWLEDGE_CONFIG);
    for (let cut = 0; cut < seq.length; cut++) {
      const altered = seq.map((x, i) => (i < cut ? x : { itemId: i % 2 ? "c" : "d", skillIds: ["s2", "s1"], correct: !x.correct }));
      // Predictions before the cut depend only on rows before it; row `cut` itself may change
      // (its own item changed), but never because of its own or a later outcome.
      const p = replaySequence(altered, toItem, DEFAULT_KNOWLEDGE_CONFIG);
      for (let i = 0; i < cut; i++) expect(p[i]).toBe(base[i]);
      const sameItemOnly = seq.map((x, i) => (i < cut ? x : { ...x, correct: !x.correct }));
      const q = replaySequence(sameItemOnly, toItem, DEFAULT_KNOWLEDGE_CONFIG);
      for (let i = 0; i <= cut; i++) expect(q[i]).toBe(base[i]);
    }
  });

  it("reports each prediction before learning its outcome, in order", () => {
    const seen: number[] = [];
    replaySequence(seq, toItem, DEFAULT_KNOWLEDGE_CONFIG, (i) => seen.push(i));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("learns: a run of correct answers raises the next prediction", () => {
    const run: Interaction[] = Array.from({ length: 8 }, () => ({ itemId: "c", skillIds: ["s2"], correct: true }));
    const p = replaySequence(run, toItem, DEFAULT_KNOWLEDGE_CONFIG);
    for (let i = 1; i < p.length; i++) expect(p[i] ?? 0).toBeGreaterThan(p[i - 1] ?? 1);
  });
});

describe("item fit", () => {
  it("makes an item everyone fails harder than one everyone solves, and uses only the students given", () => {
    const students: StudentSequence[] = Array.from({ length: 30 }, (_, k) => ({
      studentId: `u${k}`,
      fold: 1,
      interactions: [
        { itemId: "easy", skillIds: ["s"], correct: true },
        { itemId: "hard", skillIds: ["s"], correct: k % 10 === 0 },
      ],
    }));
    const fit = fitItemDifficulties(students, (x) => x.skillIds, DEFAULT_KNOWLEDGE_CONFIG);
    expect(fit.difficulty.get("hard") ?? 0).toBeGreaterThan((fit.difficulty.get("easy") ?? 0) + 1);
    expect(fit.difficulty.has("unseen")).toBe(false);
    // An unseen item falls back to its skill's centre.
    const item = itemMapper(fit, (x) => x.skillIds)({ itemId: "unseen", skillIds: ["s"], correct: true });
    expect(item.difficulty).toBeCloseTo(fit.skillCentre.get("s") ?? Number.NaN, 12);
  });
});
