/**
 * Hydration: a Durable Object that starts empty for a learner whose history is in Postgres
 * (a new location, lost storage, a migration) rebuilds its state by replaying that history
 * through the same engine functions that built it the first time, in the same order, at the
 * same instants. Same inputs, same pure functions, same state.
 */
import { applyLearnerAttempt, DEFAULT_ENGINE_CONFIG } from "../../src/core/engine";
import { recordOutcome } from "../../src/core/features";
import { displayAnswer } from "../../src/content/schema";
import type { Item } from "../../src/content/schema";
import type { Database } from "../../src/db/client";
import { getItems } from "../../src/db/content";
import { learnerGoals, learnerHistory } from "../../src/db/learners";
import type { LearnerContent } from "./content";
import type { LearnerStore } from "./store";
import { calling } from "../dependency";
import type { GradedAttemptResult } from "./types";
import { LiveLearnerState } from "./view";

export interface HydrateDeps {
  store: LearnerStore;
  storage: DurableObjectStorage;
  learnerId: string;
  db: () => Database;
  content: LearnerContent;
  now: number;
}

/** Returns how many attempts were replayed. Throws when Postgres cannot be read (the caller answers 503). */
export async function hydrateFromHistory(deps: HydrateDeps): Promise<number> {
  const { store, storage, learnerId } = deps;
  // The primary, not a replica: a replica may lag behind the learner's latest flush.
  const [history, goals] = await calling("postgres", () => Promise.all([learnerHistory(deps.db().write, learnerId), learnerGoals(deps.db().write, learnerId)]));
  if (goals && goals.length > 0) store.setMeta("goal_skill_ids", JSON.stringify(goals));
  if (history.length === 0) {
    storage.transactionSync(() => {
      store.setMeta("learner_id", learnerId);
      store.setMeta("hydrated", String(deps.now));
    });
    return 0;
  }
  const itemIds = [...new Set(history.map((h) => h.itemId))];
  const items = new Map<string, Item>((await calling("postgres", () => getItems(deps.db().write, itemIds))).map((i) => [i.id, i]));
  const { curriculum } = await deps.content.curriculum(deps.now);

  storage.transactionSync(() => {
    const state = new LiveLearnerState(store);
    for (const h of history) {
      const item = items.get(h.itemId);
      if (!item) continue; // an item deleted from the bank: its evidence is gone with it
      const outcome = applyLearnerAttempt(state, curriculum, item, h.correct, h.responseMs, h.answeredAt, DEFAULT_ENGINE_CONFIG);
      const primary = item.skillIds[0] ?? "";
      recordOutcome(state.history, item, h.correct);
      for (const s of outcome.skills) {
        state.skills.set(s.skillId, s);
        store.putSkillState(s);
      }
      if (outcome.memoryChanged) {
        state.memories.set(primary, outcome.memory);
        store.putMemory(primary, outcome.memory);
      }
      const servedId = store.recordServed({ itemId: item.id, skillId: primary, mode: h.mode, session: 0, servedAt: h.servedAt ?? h.answeredAt, item: null });
      store.markAnswered(servedId, h.clientAttemptId);
      const result: GradedAttemptResult = {
        withheld: false,
        clientAttemptId: h.clientAttemptId,
        seq: h.seq,
        itemId: item.id,
        correct: h.correct,
        correctAnswer: displayAnswer(item),
        explanation: item.explanation,
        mastery: outcome.mastery,
        nextReviewAt: outcome.memory.phase === 0 ? null : outcome.memory.due,
        answeredAt: h.answeredAt,
        replayed: true,
      };
      store.insertAttempt({ clientAttemptId: h.clientAttemptId, seq: h.seq, itemId: item.id, mode: h.mode, correct: h.correct, responseMs: h.responseMs, answeredAt: h.answeredAt, result });
    }
    const last = history[history.length - 1];
    store.setMeta("seq", String(last?.seq ?? 0));
    store.saveFeatureHistory(state.history);
    store.setMeta("learner_id", learnerId);
    store.setMeta("hydrated", String(deps.now));
    store.setMeta("known_marked", String(deps.now)); // the marker that led here exists
  });
  return history.length;
}
