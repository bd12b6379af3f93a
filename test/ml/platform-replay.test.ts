import { describe, expect, it } from "vitest";
import { benchFixture } from "../../src/core/bench-fixture";
import { decideAttempt } from "../../src/core/engine";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION, emptyHistory, loggedFeatureRow, mergeHistorySlice } from "../../src/core/features";
import type { ReviewMemory, SkillState } from "../../src/core/types";
import type { Item } from "../../src/content/schema";
import { replayPlatformHistory } from "../../src/ml/platform-replay";
import type { PlatformAttempt } from "../../src/ml/platform-replay";

const f = benchFixture(30, 3, 11);
const items = new Map<string, Item>(f.items.map((it) => [it.id, { ...it, answer: { type: "choice" as const, index: 1 }, choices: ["a", "b", "c"] } as unknown as Item]));
const DAY = 86_400_000;

/** A learner served as the object serves one, logging each attempt's row (independently of the replay). */
function served(answers: number): PlatformAttempt[] {
  const skills = new Map<string, SkillState>();
  const memories = new Map<string, ReviewMemory>();
  const view = {
    ...f.view,
    skill: (id: string) => skills.get(id),
    memory: (id: string) => memories.get(id),
    history: emptyHistory(),
  };
  const ids = [...items.keys()];
  const out: PlatformAttempt[] = [];
  for (let k = 0; k < answers; k++) {
    const item = items.get(ids[(k * 7) % ids.length] ?? "") as Item;
    const response = k % 3 === 0 ? 0 : 1;
    const answeredAt = f.now + k * DAY;
    const d = decideAttempt(view, f.curriculum, item, response, 5000, answeredAt);
    if (!d.ok) throw new Error(d.reason);
    out.push({ itemId: item.id, correct: d.correct, response, responseMs: 5000, answeredAt, features: loggedFeatureRow(d.features), featureVersion: FEATURE_VERSION });
    for (const s of d.outcome.skills) skills.set(s.skillId, s);
    memories.set(item.skillIds[0] ?? "", d.outcome.memory);
    mergeHistorySlice(view.history, d.history);
  }
  return out;
}

describe("replayPlatformHistory: the platform's attempts as training rows, checked against the logged ones", () => {
  it("rebuilds every logged row exactly, and gives the rows, outcomes and folds to train on", () => {
    const attempts = served(25);
    const r = replayPlatformHistory([{ learnerId: "a", fold: 2, attempts }, { learnerId: "b", fold: 4, attempts: attempts.slice(0, 5) }], items, f.curriculum);
    expect(r.parity).toMatchObject({ logged: 30, identical: 30, unlogged: 0, otherLayout: 0 });
    expect(r.parity.columns.every((c) => c.mismatches === 0)).toBe(true);
    expect(r.table.n).toBe(30);
    expect(r.rowLearner.filter((l) => l === 1)).toHaveLength(5);
    expect(Array.from(r.table.y.subarray(0, 25))).toEqual(attempts.map((a) => (a.correct ? 1 : 0)));
    expect(Array.from(r.table.x.subarray(3 * FEATURE_COUNT, 4 * FEATURE_COUNT))).toEqual((attempts[3]?.features ?? []).map(Math.fround));
  });

  it("names the column and the row where a logged value differs", () => {
    const attempts = served(10);
    const j = FEATURE_NAMES.indexOf("skill_gap");
    const row = attempts[6];
    if (!row?.features) throw new Error("no row");
    const tampered = [...attempts];
    tampered[6] = { ...row, features: row.features.map((v, k) => (k === j ? v + 0.5 : v)) };
    const r = replayPlatformHistory([{ learnerId: "a", fold: 1, attempts: tampered }], items, f.curriculum);
    expect(r.parity.identical).toBe(9);
    expect(r.parity.columns.filter((c) => c.mismatches > 0).map((c) => [c.name, c.mismatches, c.maxAbsDiff])).toEqual([["skill_gap", 1, 0.5]]);
    expect(r.parity.examples[0]).toMatchObject({ learnerId: "a", index: 6, column: "skill_gap" });
  });

  it("shows an item's recalibration since the answers as item_b and residual differences", () => {
    const attempts = served(12);
    const moved = attempts[4]?.itemId ?? "";
    const before = items.get(moved) as Item;
    const recalibrated = new Map(items);
    recalibrated.set(moved, { ...before, difficulty: before.difficulty + 0.7 });
    const r = replayPlatformHistory([{ learnerId: "a", fold: 1, attempts }], recalibrated, f.curriculum);
    const differing = new Set(r.parity.columns.filter((c) => c.mismatches > 0).map((c) => c.name));
    expect(differing.has("item_b")).toBe(true);
    expect(differing.has("resid_long")).toBe(true);
    expect(r.parity.identical).toBeLessThan(12);
  });

  it("counts rows logged in no layout or another one apart, and skips answers whose item left the bank", () => {
    const attempts = served(6);
    const mixed = attempts.map((a, k) => (k === 1 ? { ...a, features: null, featureVersion: null } : k === 2 ? { ...a, featureVersion: "features/1", features: a.features?.slice(0, 18) ?? null } : a));
    const withoutItem = new Map(items);
    withoutItem.delete(attempts[5]?.itemId ?? "");
    const r = replayPlatformHistory([{ learnerId: "a", fold: 1, attempts: mixed }], withoutItem, f.curriculum);
    expect(r.parity).toMatchObject({ unlogged: 1, otherLayout: 1 });
    expect(r.skipped).toBeGreaterThanOrEqual(1);
    expect(r.table.n).toBe(6 - r.skipped);
  });
});
