/**
 * The learner store's remembered open serves (workers/learner/store.ts `openServe`): an attempt
 * right after its `next` finds the serve without reading the table, and what it finds is always
 * what the table holds — after a commit, an answer, a newer serve of the same item, a
 * transaction that rolls back, and a wipe.
 */
import { describe, expect, it } from "vitest";
import type { Item } from "../../src/content/schema";
import { LearnerStore } from "../../workers/learner/store";
import { withLearnerStore } from "./helpers";

const item = (id: string): Item => ({
  id,
  skillIds: ["skill.a"],
  prompt: `What is ${id}?`,
  choices: ["1", "2"],
  answer: { type: "choice", index: 1 },
  explanation: "Because.",
  difficulty: 0,
  discrimination: 1,
  guessing: 0.5,
  calibrated: false,
  tags: [],
});

const serve = (store: LearnerStore, it: Item, servedAt: number) =>
  store.recordServed({ itemId: it.id, skillId: "skill.a", mode: "practice", session: 1, servedAt, item: it });

/** The open serve of `itemId` as the table alone says (a second store on the same storage remembers nothing). */
const fromTable = (storage: DurableObjectStorage, itemId: string) => new LearnerStore(storage).openServe(itemId);

const withStore = (fn: (store: LearnerStore, storage: DurableObjectStorage) => void) => withLearnerStore("open-serves", fn);

describe("the learner store's open serves", () => {
  it("answers from what it wrote, and agrees with the table through serves and answers", async () => {
    await withStore((store, storage) => {
      const a = item("open-a");
      const first = store.transaction(() => serve(store, a, 1_000));
      const remembered = store.openServe(a.id);
      // The very item object served, not a copy parsed back from its JSON.
      expect(remembered?.item).toBe(a);
      expect({ ...remembered, item: null }).toEqual({ ...fromTable(storage, a.id), item: null });
      expect(fromTable(storage, a.id)?.id).toBe(first);

      // Served again before being answered: the newer serve is the open one.
      const second = store.transaction(() => serve(store, a, 2_000));
      expect(store.openServe(a.id)?.id).toBe(second);
      expect(fromTable(storage, a.id)?.id).toBe(second);

      // Answering the newer serve leaves the older one open, as the table has it.
      store.transaction(() => store.markAnswered(second, "attempt-1"));
      expect(store.openServe(a.id)?.id).toBe(first);
      store.transaction(() => store.markAnswered(first, "attempt-0"));
      expect(store.openServe(a.id)).toBeNull();
      expect(fromTable(storage, a.id)).toBeNull();
    });
  });

  it("forgets a serve whose transaction rolled back", async () => {
    await withStore((store, storage) => {
      const b = item("open-b");
      expect(() =>
        store.transaction(() => {
          serve(store, b, 1_000);
          throw new Error("fails after the serve was written");
        }),
      ).toThrow("fails after the serve was written");
      expect(fromTable(storage, b.id)).toBeNull();
      expect(store.openServe(b.id)).toBeNull();
    });
  });

  it("forgets everything when the object's storage is wiped", async () => {
    await withStore((store, storage) => {
      const c = item("open-c");
      store.transaction(() => serve(store, c, 1_000));
      storage.sql.exec("DELETE FROM served");
      store.migrate();
      expect(store.openServe(c.id)).toBeNull();
    });
  });
});
