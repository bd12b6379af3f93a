/**
 * Hydration: a Durable Object that starts empty for a learner whose history is in Postgres
 * (a new location, lost storage, a migration) rebuilds its state by replaying that history
 * through the same engine functions that built it the first time, in the same order, at the
 * same instants. Same inputs, same pure functions, same state.
 *
 * Mock tests: finished ones come back from their reports; one that was running (answers in
 * Postgres, no report) is finalised as `interrupted` and its report queued for Postgres in the
 * same transaction as the rebuilt state (./mock-tests.ts, `interruptedTest`).
 */
import { applyLearnerAttempt, DEFAULT_ENGINE_CONFIG } from "../../src/core/engine";
import { recordOutcome } from "../../src/core/features";
import { EMPTY_PREDICTOR_MIX, observeAnswer } from "../../src/core/predictor-mix";
import { withCalibration } from "../../src/core/calibration";
import type { PublishedCalibration } from "../../src/core/calibration";
import { displayAnswer } from "../../src/content/schema";
import type { Item } from "../../src/content/schema";
import type { Database } from "../../src/db/client";
import { getItems } from "../../src/db/content";
import { learnerGoals, learnerHistory, learnerMockReports } from "../../src/db/learners";
import type { AttemptRow, MockReportRow } from "../../src/db/learners";
import type { LearnerContent } from "./content";
import { buildPool, interruptedTest, restoredTest } from "./mock-tests";
import type { MockTestRow, RecoveredAnswer, StoredTestReport } from "./mock-tests";
import type { LearnerStore } from "./store";
import { calling } from "../dependency";
import type { GradedAttemptResult } from "./types";
import { LiveLearnerState } from "./view";

export interface HydrateDeps {
  store: LearnerStore;
  learnerId: string;
  db: () => Database;
  content: LearnerContent;
  now: number;
}

/** Returns how many attempts were replayed. Throws when Postgres cannot be read (the caller answers 503). */
export async function hydrateFromHistory(deps: HydrateDeps): Promise<number> {
  const { store, learnerId } = deps;
  // The primary, not a replica: a replica may lag behind the learner's latest flush.
  const [history, goals, reports] = await calling("postgres", () =>
    Promise.all([learnerHistory(deps.db().write, learnerId), learnerGoals(deps.db().write, learnerId), learnerMockReports(deps.db().write, learnerId)]),
  );
  if (goals && goals.length > 0) store.setMeta("goal_skill_ids", JSON.stringify(goals));
  if (history.length === 0) {
    // A test that expired unanswered leaves a report and no attempt.
    const tests = rebuildMockTests(history, new Map(), reports, null, deps.now);
    store.transaction(() => {
      writeMockTests(store, tests, deps.now);
      store.setMeta("learner_id", learnerId);
      store.setMeta("hydrated", String(deps.now));
    });
    return 0;
  }
  const itemIds = [...new Set(history.map((h) => h.itemId))];
  const items = new Map<string, Item>((await calling("postgres", () => getItems(deps.db().write, itemIds))).map((i) => [i.id, i]));
  const { curriculum } = await deps.content.curriculum(deps.now);
  // The parameters a running test's items are scored with: the published calibration, as live.
  const calibration = history.some((h) => h.mockTestId !== null) ? await deps.content.calibration(deps.now) : null;
  const tests = rebuildMockTests(history, items, reports, calibration, deps.now);

  store.transaction(() => {
    writeMockTests(store, tests, deps.now);
    const state = new LiveLearnerState(store);
    // The predictor weights, from what both predictors said of each item when it was served.
    let mix = EMPTY_PREDICTOR_MIX;
    for (const h of history) {
      const item = items.get(h.itemId);
      if (!item) continue; // an item deleted from the bank: its evidence is gone with it
      const outcome = applyLearnerAttempt(state, curriculum, item, h.correct, h.responseMs, h.answeredAt, DEFAULT_ENGINE_CONFIG);
      if (h.predictions) mix = observeAnswer(mix, h.predictions.model, h.predictions.knowledge, h.correct, DEFAULT_ENGINE_CONFIG.predictorMix);
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
    if (mix.answers > 0) store.savePredictorMix(mix);
    store.setMeta("learner_id", learnerId);
    store.setMeta("hydrated", String(deps.now));
    store.setMeta("known_marked", String(deps.now)); // the marker that led here exists
  });
  return history.length;
}

interface RebuiltMockTests {
  restored: MockTestRow[];
  interrupted: Array<{ test: MockTestRow; row: MockReportRow }>;
}

/**
 * The learner's mock tests as Postgres knows them: each test with a report is restored from it;
 * each test with answers and no report was running when this object's storage was lost, and is
 * finalised as interrupted from the answers whose item is still in the bank.
 */
function rebuildMockTests(
  history: readonly AttemptRow[],
  items: ReadonlyMap<string, Item>,
  reports: readonly StoredTestReport[],
  calibration: PublishedCalibration | null,
  now: number,
): RebuiltMockTests {
  const answers = new Map<string, { recovered: RecoveredAnswer[]; missing: number }>();
  for (const h of history) {
    if (h.mockTestId === null) continue;
    const entry = answers.get(h.mockTestId) ?? { recovered: [], missing: 0 };
    answers.set(h.mockTestId, entry);
    const raw = items.get(h.itemId);
    const primary = raw?.skillIds[0];
    // Tagged with its primary skill: the test's own strata (strand or skill) are not known.
    const item = raw && primary !== undefined ? buildPool([withCalibration(raw, calibration)], { [primary]: primary }, calibration)[0] : undefined;
    if (item) entry.recovered.push({ item, correct: h.correct, servedAt: h.servedAt, answeredAt: h.answeredAt });
    else entry.missing += 1;
  }
  const reported = new Set(reports.map((r) => r.id));
  return {
    restored: reports.map((r) => restoredTest(r, answers.get(r.id)?.recovered ?? [])),
    interrupted: [...answers].filter(([id]) => !reported.has(id)).map(([id, a]) => interruptedTest(id, a.recovered, a.missing, now)),
  };
}

/** Inside the hydration transaction: the report of an interrupted test leaves with the next hand-over. */
function writeMockTests(store: LearnerStore, tests: RebuiltMockTests, now: number): void {
  for (const t of tests.restored) store.insertMockTest(t);
  for (const { test, row } of tests.interrupted) {
    store.insertMockTest(test);
    store.enqueueReport(row, now);
  }
}
