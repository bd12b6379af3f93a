/**
 * Item links (src/ml/item-links.ts): w(i → j) = Σ r_i r_j / (Σ r_i² + shrink) over pairs at most
 * LINK_WINDOW answers apart, learnt from the students given and from nobody else.
 */
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_NAMES, LINK_WINDOW, answerResidual } from "../../src/core/features";
import { DEFAULT_KNOWLEDGE_CONFIG } from "../../src/core/knowledge";
import { DEFAULT_PUBLISH_LINKS } from "../../src/core/item-links";
import { mulberry32 } from "../../src/core/random";
import type { ItemParams } from "../../src/core/types";
import type { Interaction, StudentSequence } from "../../src/ml/dataset";
import { DEFAULT_FIT, fitItemDifficulties, itemMapper } from "../../src/ml/difficulty";
import { fitItemLinks, servedItemLinks } from "../../src/ml/item-links";
import { testTable } from "../../src/ml/pipeline";

const toItem = (x: Interaction): ItemParams => ({ id: x.itemId, skillIds: x.skillIds, difficulty: x.itemId === "hard" ? 1 : 0, discrimination: 1, guessing: 0 });
const answer = (itemId: string, correct: boolean): Interaction => ({ itemId, skillIds: ["s"], correct });
const student = (id: string, interactions: Interaction[]): StudentSequence => ({ studentId: id, fold: 1, interactions });

describe("item links", () => {
  it("is the shrunk slope of the later residual on the earlier one, summed over students", () => {
    const students = [
      student("a", [answer("hard", true), answer("x", true)]),
      student("b", [answer("hard", false), answer("x", false)]),
      student("c", [answer("x", true), answer("hard", false)]),
    ];
    const links = fitItemLinks(students, toItem, { shrink: 5 });
    const rh1 = answerResidual(1, true);
    const rh0 = answerResidual(1, false);
    const r1 = answerResidual(0, true);
    const r0 = answerResidual(0, false);
    expect(links.weight("hard", "x")).toBeCloseTo((rh1 * r1 + rh0 * r0) / (rh1 * rh1 + rh0 * rh0 + 5), 12);
    expect(links.weight("x", "hard")).toBeCloseTo((r1 * rh0) / (r1 * r1 + 5), 12);
    expect(links.pairs).toBe(2);
    // Students who agree (right after right, wrong after wrong) make the link positive.
    expect(links.weight("hard", "x")).toBeGreaterThan(0);
    expect(links.weight("hard", "hard")).toBeUndefined();
    expect(links.weight("hard", "unknown")).toBeUndefined();
    // The batch view lists the same links.
    expect([...links.outgoing("hard")]).toEqual([["x", links.weight("hard", "x")]]);
    expect([...links.outgoing("x")]).toEqual([["hard", links.weight("x", "hard")]]);
    expect([...links.outgoing("unknown")]).toEqual([]);
  });

  it("links only answers at most LINK_WINDOW apart, and never an item to itself", () => {
    const filler = Array.from({ length: LINK_WINDOW - 1 }, (_, k) => answer(`f${k}`, k % 2 === 0));
    const near = fitItemLinks([student("a", [answer("first", true), ...filler, answer("last", true)])], toItem);
    expect(near.weight("first", "last")).toBeDefined(); // LINK_WINDOW answers apart
    const far = fitItemLinks([student("a", [answer("first", true), ...filler, answer("f0", true), answer("last", true)])], toItem);
    expect(far.weight("first", "last")).toBeUndefined(); // one more in between
    const repeat = fitItemLinks([student("a", [answer("q", true), answer("q", false)])], toItem);
    expect(repeat.weight("q", "q")).toBeUndefined();
  });

  it("an answer moves only the links of the pairs it is in", () => {
    const rng = mulberry32(4);
    const seq = (n: number) => Array.from({ length: n }, () => answer(`q${Math.floor(rng() * 8)}`, rng() < 0.5));
    const others = [student("a", seq(40)), student("b", seq(40))];
    // The last answer of c is on an item c answers nowhere else: flipping it can only move links into it.
    const c = student("c", [...seq(30), answer("only", true)]);
    const flipped = student("c", [...c.interactions.slice(0, -1), answer("only", false)]);
    const before = fitItemLinks([...others, c], toItem);
    const after = fitItemLinks([...others, flipped], toItem);
    const ids = [...Array.from({ length: 8 }, (_, k) => `q${k}`), "only"];
    let moved = 0;
    for (const i of ids) {
      for (const j of ids) {
        if (j === "only") {
          if (before.weight(i, j) !== after.weight(i, j)) moved++;
        } else expect(after.weight(i, j)).toBe(before.weight(i, j));
      }
    }
    expect(moved).toBeGreaterThan(0);
  });

  describe("as served: cut as the calibration job publishes them", () => {
    // Every student answers LINK_WINDOW sources, then "target": each source links into the target.
    const rng = mulberry32(9);
    const sources = Array.from({ length: LINK_WINDOW }, (_, k) => `s${k}`);
    const students = Array.from({ length: 40 }, (_, i) => {
      const target = rng() < 0.5;
      // Source k agrees with the target's outcome with a probability growing with k: stronger links further on.
      return student(`p${i}`, [...sources.map((id, k) => answer(id, rng() < 0.5 + (k / sources.length) * 0.45 ? target : !target)), answer("target", target)]);
    });

    it("keeps the strongest maxPerItem links into each item, weights rounded as published; null keeps the whole fit", () => {
      const fitted = fitItemLinks(students, toItem);
      const strongest = sources.map((id) => [id, fitted.weight(id, "target") ?? 0] as const).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
      const served = servedItemLinks(students, toItem, { maxPerItem: 4, minSupport: 1 });
      const kept = sources.filter((id) => served.weight(id, "target") !== undefined);
      expect(kept.sort()).toEqual(strongest.slice(0, 4).map(([id]) => id).sort());
      for (const id of kept) expect(served.weight(id, "target")).toBe(Math.round((fitted.weight(id, "target") ?? 0) * 1e4) / 1e4);
      const every = servedItemLinks(students, toItem, null);
      expect(sources.filter((id) => every.weight(id, "target") !== undefined)).toHaveLength(LINK_WINDOW);
    });

    it("the pipeline's test rows read the published cut by default (what learners are served), every link only when asked", () => {
      // Students answer LINK_WINDOW of many more sources than the cut keeps, then "pivot": more sources link into it than are published.
      const pool = Array.from({ length: DEFAULT_PUBLISH_LINKS.maxPerItem * 2 }, (_, k) => `p${k}`);
      const draw = mulberry32(21);
      const many = Array.from({ length: 120 }, (_, i) => {
        const right = draw() < 0.5;
        const window = Array.from({ length: LINK_WINDOW }, () => pool[Math.floor(draw() * pool.length)] ?? "");
        return student(`m${i}`, [...window.map((id) => answer(id, draw() < 0.7 ? right : !right)), answer("pivot", right)]);
      });
      const mapping = (x: Interaction) => x.skillIds;
      const test = [student("t", pool.slice(0, LINK_WINDOW).map((id, k) => answer(id, k % 2 === 0)).concat(answer("pivot", true)))];
      const count = FEATURE_NAMES.indexOf("link_count");
      const pivotRow = LINK_WINDOW * FEATURE_COUNT + count;
      const fitted = fitItemLinks(many, itemMapper(fitItemDifficulties(many, mapping, DEFAULT_KNOWLEDGE_CONFIG, DEFAULT_FIT), mapping));
      const sources = pool.filter((id) => fitted.weight(id, "pivot") !== undefined);
      expect(sources.length).toBeGreaterThan(DEFAULT_PUBLISH_LINKS.maxPerItem);
      // The published cut: the strongest maxPerItem sources; the test window's items among them are what link_count counts.
      const kept = new Set(sources.sort((a, b) => Math.abs(fitted.weight(b, "pivot") ?? 0) - Math.abs(fitted.weight(a, "pivot") ?? 0) || (a < b ? -1 : 1)).slice(0, DEFAULT_PUBLISH_LINKS.maxPerItem));
      const inWindow = pool.slice(0, LINK_WINDOW).filter((id) => kept.has(id)).length;
      expect(inWindow).toBeLessThan(LINK_WINDOW);
      const published = testTable(many, test, mapping, DEFAULT_KNOWLEDGE_CONFIG, DEFAULT_FIT);
      expect(published.x[pivotRow]).toBeCloseTo(Math.log1p(inWindow), 6);
      const whole = testTable(many, test, mapping, DEFAULT_KNOWLEDGE_CONFIG, DEFAULT_FIT, null);
      expect(whole.x[pivotRow]).toBeCloseTo(Math.log1p(pool.slice(0, LINK_WINDOW).filter((id) => fitted.weight(id, "pivot") !== undefined).length), 6);
      expect(whole.x[pivotRow]).toBeGreaterThan(published.x[pivotRow] ?? Number.POSITIVE_INFINITY);
    });
  });
});
