/**
 * The learner store's meta rows held in memory (workers/learner/store.ts `getMeta`): read in one
 * statement, and always what the table holds — after writes, a transaction that rolls back, a
 * wipe, and for the saved rankings, which are read from the table every time.
 */
import { describe, expect, it } from "vitest";
import { LearnerStore } from "../../workers/learner/store";
import { watchStatements, withLearnerStore } from "./helpers";

/** What the table alone says (a second store on the same storage holds nothing yet). */
const fromTable = (storage: DurableObjectStorage, key: string) => {
  const other = new LearnerStore(storage);
  other.open();
  return other.getMeta(key);
};

const withStore = (fn: (store: LearnerStore, storage: DurableObjectStorage) => void) => withLearnerStore("store-meta", fn);

describe("the learner store's meta rows", () => {
  it("reads every key in one statement, then from memory, and agrees with the table after writes and a rollback", async () => {
    await withStore((store, storage) => {
      store.transaction(() => {
        store.setMeta("session", "3");
        store.setMeta("goal_skill_ids", '["a"]');
      });
      // A fresh store on the same storage: its first read loads the keys; later reads run no statement.
      const woken = new LearnerStore(storage);
      woken.open();
      const watch = watchStatements(storage);
      try {
        expect([woken.getMeta("session"), woken.getMeta("goal_skill_ids"), woken.getMeta("no such key"), woken.getNumber("session")]).toEqual(["3", '["a"]', null, 3]);
        expect(watch.statements).toHaveLength(0);
      } finally {
        watch.restore();
      }

      // A write is seen at once, by this store and by the table.
      woken.setMeta("session", "4");
      expect(woken.getMeta("session")).toBe("4");
      expect(fromTable(storage, "session")).toBe("4");

      // A transaction that throws: neither the table nor the store keeps its write.
      expect(() =>
        woken.transaction(() => {
          woken.setMeta("session", "99");
          woken.setMeta("new_key", "x");
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect([woken.getMeta("session"), woken.getMeta("new_key")]).toEqual(["4", null]);
      expect([fromTable(storage, "session"), fromTable(storage, "new_key")]).toEqual(["4", null]);
    });
  });

  it("reads saved rankings from the table, and forgets everything with a wipe", async () => {
    await withStore((store, storage) => {
      store.setMeta("session", "7");
      expect(store.getMeta("session")).toBe("7");
      store.setMeta("ranking:practice", '{"seq":1}');
      // Another writer of the same row (the table is the truth for rankings): seen at once.
      storage.sql.exec("UPDATE meta SET value = ? WHERE key = ?", '{"seq":2}', "ranking:practice");
      expect(store.getMeta("ranking:practice")).toBe('{"seq":2}');
      store.forgetSavedRankings();
      expect(store.getMeta("ranking:practice")).toBeNull();

      // A wipe (a learner's data deleted) and the tables made again: nothing of before is read back.
      storage.sql.exec("DROP TABLE meta");
      store.migrate();
      expect(store.getMeta("session")).toBeNull();
      expect(store.getMeta("schema_version")).not.toBeNull();
    });
  });
});
