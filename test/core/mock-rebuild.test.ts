import { describe, expect, it } from "vitest";
import type { CatItem } from "../../src/core/cat";
import { recordResponse, selectNextItem, startCat } from "../../src/core/cat";
import { mulberry32 } from "../../src/core/random";
import { fullReport, interruptedTest, restoredTest } from "../../workers/learner/mock-tests";
import type { RecoveredAnswer } from "../../workers/learner/mock-tests";

const pool: CatItem[] = [-1.2, -0.4, 0, 0.5, 1.1, 1.8].map((b, i) => ({ id: `item-${i}`, skillId: i % 2 === 0 ? "even" : "odd", difficulty: b, calibrated: false, choiceCount: 4 }));
const calibrated: CatItem = { id: "item-cal", skillId: "odd", difficulty: 0.3, discrimination: 1.4, guessing: 0.1, calibrated: true };

/** A live test over a two-skill blueprint: four answers (right, wrong, right, right), a minute apart. */
function liveAnswers() {
  let state = startCat({ timeLimitMs: null }, [{ skillId: "even", target: 1 }, { skillId: "odd", target: 1 }], 0);
  const rng = mulberry32(3);
  const given: RecoveredAnswer[] = [];
  for (const [n, correct] of [true, false, true, true].entries()) {
    const pick = selectNextItem(state, [...pool, calibrated], {}, rng);
    if (!pick.item) throw new Error("pool ran dry");
    state = recordResponse(pick.state, pick.item.id, correct, (n + 1) * 60_000);
    given.push({ item: pick.item, correct, servedAt: n * 60_000 + 1_000, answeredAt: (n + 1) * 60_000 });
  }
  return { state, given };
}

describe("a mock test finalised after its object was rebuilt", () => {
  it("estimates θ and SE from the answers exactly as the live test did, and says why it ended", () => {
    const { state, given } = liveAnswers();
    const { test, row } = interruptedTest("t-1", given, 1, 10 * 60_000);
    expect(test.state.theta).toBeCloseTo(state.theta, 12);
    expect(test.state.se).toBeCloseTo(state.se, 12);
    expect(test.status).toBe("finished");
    expect(test.course).toBe("unknown");
    const shown = fullReport(test, 10 * 60_000);
    expect(shown.stopReason).toBe("interrupted");
    expect(shown.stopNote).toContain("rebuilt");
    expect(shown.stopNote).toContain("4 items answered");
    expect(shown.stopNote).toContain("1 more answered item is no longer in the item bank");
    expect(shown).toMatchObject({ itemsAnswered: 4, correct: 3, startedAt: 1_000, elapsedMs: 4 * 60_000 - 1_000, defaultsUsed: state.responses.filter((r) => r.defaulted).length });
    expect(shown.skills.map((s) => [s.skillId, s.items])).toEqual([...new Set(given.map((g) => g.item.skillId))].map((k) => [k, given.filter((g) => g.item.skillId === k).length]));
    // The row for Postgres: finished when it was finalised, and its report carries the reason.
    expect(row).toMatchObject({ id: "t-1", course: "unknown", startedAt: 1_000, finishedAt: 10 * 60_000, stopReason: "interrupted", itemsAnswered: 4, theta: state.theta });
    expect(row.report).toMatchObject({ stopReason: "interrupted", stopNote: shown.stopNote });
  });

  it("comes back unchanged from its Postgres report on a later rebuild", () => {
    const { given } = liveAnswers();
    const { test, row } = interruptedTest("t-2", given, 0, 10 * 60_000);
    const stored = { id: row.id, course: row.course, startedAt: row.startedAt, finishedAt: row.finishedAt, report: JSON.parse(JSON.stringify(row.report)) as unknown };
    expect(fullReport(restoredTest(stored, given), 20 * 60_000)).toEqual(fullReport(test, 10 * 60_000));
  });

  it("still reports a test none of whose answered items remain in the bank", () => {
    const { test } = interruptedTest("t-3", [], 2, 5_000);
    expect(fullReport(test, 5_000)).toMatchObject({ itemsAnswered: 0, stopReason: "interrupted" });
    expect(test.ended?.note).toContain("covers the 0 items answered before that (2 more answered items are no longer in the item bank");
  });
});
