import { describe, expect, it } from "vitest";
import { benchFixture } from "../../src/core/bench-fixture";
import { applyLearnerAttempt, decideAttempt } from "../../src/core/engine";
import { emptyHistory, recordOutcome } from "../../src/core/features";

const f = benchFixture(20, 2, 3);
const base = f.items[0];
if (!base) throw new Error("fixture has no items");
const item = { ...base, answer: { type: "choice" as const, index: 2 }, choices: ["a", "b", "c", "d"] };
const view = { ...f.view, history: emptyHistory() };

describe("decideAttempt: the whole decision on one answer", () => {
  it("grades, learns and updates the history slice without touching the view", () => {
    const right = decideAttempt(view, f.curriculum, item, 2, 4000, f.now);
    const wrong = decideAttempt(view, f.curriculum, item, 1, 4000, f.now);
    if (!right.ok || !wrong.ok) throw new Error("both are valid answers");
    expect([right.correct, wrong.correct]).toEqual([true, false]);
    expect(right.expected).toBeCloseTo(wrong.expected, 12); // what was expected does not depend on the answer
    expect(right.outcome).toEqual(applyLearnerAttempt(view, f.curriculum, item, true, 4000, f.now));
    const expectedHistory = emptyHistory();
    recordOutcome(expectedHistory, item, true);
    expect(right.history.attempts).toBe(1);
    expect(right.history.skills).toEqual(expectedHistory.skills);
    expect(view.history).toEqual(emptyHistory());
  });

  it("refuses a malformed response with the grader's reason", () => {
    const bad = decideAttempt(view, f.curriculum, item, 7, 4000, f.now);
    expect(bad).toEqual({ ok: false, reason: expect.stringContaining("response:") });
  });
});
