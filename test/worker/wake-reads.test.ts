/**
 * What an evicted learner object reads when it wakes and takes an attempt (workers/learner
 * view.ts, store.ts): nothing may pass over the learner's whole history of attempts or serves,
 * which grows with every answer they ever gave. Measured in rows SQLite read (the cursors'
 * `rowsRead`) on a learner with a long history written straight into the tables.
 */
import { describe, expect, it } from "vitest";
import { LearnerStore } from "../../workers/learner/store";
import { LiveLearnerState } from "../../workers/learner/view";
import { watchStatements, withLearnerStore } from "./helpers";

const ATTEMPTS = 1200;
const DISTINCT_ITEMS = 300;

describe("a woken learner object", () => {
  it("loads what an attempt needs without a pass over every attempt or serve, and progress still counts each attempt once", async () => {
    await withLearnerStore("wake-reads", (store, storage) => {
      store.transaction(() => {
        const t0 = 1_700_000_000_000;
        for (let k = 0; k < ATTEMPTS; k++) {
          const itemId = `item-${k % DISTINCT_ITEMS}`;
          const servedId = store.recordServed({ itemId, skillId: `skill-${k % 10}`, mode: "practice", session: k < ATTEMPTS - 12 ? 1 : 2, servedAt: t0 + k * 60_000, item: null });
          store.markAnswered(servedId, `a-${k}`);
          store.insertAttempt({ clientAttemptId: `a-${k}`, seq: k + 1, itemId, mode: "practice", correct: k % 3 !== 0, responseMs: 5000, answeredAt: t0 + k * 60_000 + 5000, result: {} });
        }
        store.setMeta("session", "2");
      });

      // The object wakes: a new store and state on the same storage, every cursor counted.
      const watch = watchStatements(storage);
      const cursors = watch.statements;
      let woken: LiveLearnerState;
      try {
        const woke = new LearnerStore(storage);
        woke.open();
        woken = new LiveLearnerState(woke);
        woken.loadAll(); // what an attempt loads before its commit
        woken.answered(true, 4000, 1_800_000_000_000); // its commit's follow-up in memory
      } finally {
        watch.restore();
      }
      const rows = cursors.reduce((s, c) => s + c.cursor.rowsRead, 0);
      const heaviest = cursors.map((c) => `${c.cursor.rowsRead} ${c.query}`).sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10));
      // Each item's last serve is one index entry per serve of it (the scorer's exposure
      // history); everything else reads a handful of rows. A pass over all 1,200 attempts or
      // serves, let alone several, breaks the bound.
      expect(rows, heaviest.slice(0, 4).join("\n")).toBeLessThan(ATTEMPTS + 200);
      expect(cursors.some((c) => /FROM attempts/.test(c.query) && c.cursor.rowsRead > 10)).toBe(false);
      expect(woken.seq).toBe(ATTEMPTS);
      expect(woken.sessionItemIds.size).toBe(12);
      expect(woken.recentSkillIds).toEqual([9, 8, 7, 6, 5].map((k) => `skill-${(ATTEMPTS - 10 + k) % 10}`));
      expect(woken.lastActivityAt).toBe(1_700_000_000_000 + (ATTEMPTS - 1) * 60_000);
      expect(woken.lastSeen(`item-${(ATTEMPTS - 1) % DISTINCT_ITEMS}`)).toBe(1_700_000_000_000 + (ATTEMPTS - 1) * 60_000);

      // Progress, read later, counts every stored attempt exactly once, the new one included
      // once the attempt's commit stored it.
      store.insertAttempt({ clientAttemptId: "a-new", seq: ATTEMPTS + 1, itemId: "item-0", mode: "practice", correct: true, responseMs: 4000, answeredAt: 1_800_000_000_000, result: {} });
      const summary = woken.summary(0);
      expect(summary.total).toBe(ATTEMPTS + 1);
      expect(summary.correct).toBe(ATTEMPTS - Math.ceil(ATTEMPTS / 3) + 1);
    });
  });
});
