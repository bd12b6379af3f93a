/**
 * Adaptive mock tests inside the learner's Durable Object: the session state (src/core/cat.ts,
 * plain JSON) lives in the learner's SQLite next to everything else, so an answer updates the
 * test, the knowledge model and the outbox in one transaction.
 *
 * Lifecycle: start (a course's default blueprint or a custom one) → next (maximum information
 * at θ̂ with randomesque exposure control and content balancing; items seen in practice
 * during the last 30 days avoided) → answers through the attempt endpoint → stops on SE, length
 * or time → report, stored in Postgres through the outbox. A test nobody finishes expires at
 * its time limit (the alarm finalises it), so abandoned tests neither linger nor get lost.
 *
 * Rebuilds: Postgres holds every answer a test's attempts carried there (`attempts.mock_test_id`)
 * and every finished test's report, but not the test's blueprint, settings or running state.
 * A rebuilt object (./hydrate.ts) therefore restores finished tests from their reports and
 * finalises each test that was still running — answers in Postgres, no report — as
 * `interrupted` with a note saying why and what the report covers (`interruptedTest`); that
 * report then goes to Postgres through the outbox like any other, once (reports are keyed by
 * the test id all the way down). Resuming such a test instead would mean guessing its blueprint
 * and settings, and answers that never left the lost storage would silently be missing from it.
 */
import { DEFAULT_CAT_CONFIG, recordResponse, report, selectNextItem, shouldStop, startCat } from "../../src/core/cat";
import type { CatConfig, CatItem, CatReport, CatState, StopReason } from "../../src/core/cat";
import { courseBlueprint, customBlueprint } from "../../src/core/cat-blueprint";
import type { ResolvedBlueprint } from "../../src/core/cat-blueprint";
import { decodeCalibration } from "../../src/core/calibration";
import type { PublishedCalibration } from "../../src/core/calibration";
import { mulberry32, seedFromString } from "../../src/core/random";
import type { Item, Skill } from "../../src/content/schema";
import type { MockReportRow } from "../../src/db/learners";
import type { GradedAttemptResult, WithheldAttemptResult } from "./types";

/** Items served in practice this recently are avoided in a mock test (they would measure recall of that item). */
export const RECENT_PRACTICE_MS = 30 * 86_400_000;

export interface MockTestRequest {
  course?: string | undefined;
  blueprint?: Array<{ skillId: string; target: number }> | undefined;
  maxItems?: number | undefined;
  seTarget?: number | undefined;
  timeLimitMinutes?: number | undefined;
}

export interface MockTestSummary {
  testId: string;
  course: string;
  status: "active" | "finished";
  blueprint: Array<{ stratum: string; target: number }>;
  config: { minItems: number; maxItems: number; seTarget: number; timeLimitMs: number | null; randomesqueK: number };
  startedAt: number;
  expiresAt: number;
  answered: number;
  theta: number;
  se: number;
}

/** A mock test as the learner's object stores it (./store.ts, table mock_tests). */
export interface MockTestRow {
  id: string;
  course: string;
  status: "active" | "finished";
  state: CatState;
  /** Item's primary skill → blueprint stratum (the skill itself, or its strand for a whole-course test). */
  strata: Record<string, string>;
  createdAt: number;
  expiresAt: number;
  report: CatReport | null;
  /** Set when the test was ended from outside (its object was rebuilt mid-test), not by a stopping rule. */
  ended: TestEnding | null;
}

/**
 * Why a test ended when none of its stopping rules ended it. `interrupted`: the learner's
 * object was rebuilt from Postgres while the test ran (see the module comment).
 */
export interface TestEnding {
  stopReason: "interrupted";
  /** For the learner: what happened and what the report covers. */
  note: string;
}

export type MockStopReason = StopReason | TestEnding["stopReason"];

/** The course recorded for a test whose course could not be recovered (an interrupted one). */
export const UNKNOWN_COURSE = "unknown";

export interface MockReport extends Omit<CatReport, "stopReason"> {
  testId: string;
  course: string;
  status: "active" | "finished";
  startedAt: number;
  /** The rule that ended the test, `interrupted` (see `stopNote`), or null: expired before any rule fired. */
  stopReason: MockStopReason | null;
  /** Why the test ended, in words, when no stopping rule ended it (null otherwise). */
  stopNote: string | null;
  /** Items answered with default parameters (uncalibrated), in answer order. */
  uncalibratedItemIds: string[];
  /** How items without calibrated parameters were scored. */
  parameterNote: string;
}

export const PARAMETER_NOTE =
  "Items with calibrated IRT parameters (fitted on learners' responses by the calibration job; `calibratedUsed` counts them) use their fitted a, b, c. " +
  "The others use a = 1, b = the current difficulty estimate (authored, or the job's provisional one), c = 1/choices for multiple choice (0 otherwise); `defaultsUsed` counts them. " +
  "The score's interval includes the difficulty uncertainty of the items given (`parameterSe`), so it is wider when fewer items were calibrated.";

export function resolveBlueprint(request: MockTestRequest, skills: readonly Skill[]): { ok: true; value: ResolvedBlueprint } | { ok: false; reason: string } {
  if (request.blueprint && request.blueprint.length > 0) return customBlueprint(request.blueprint, skills);
  return courseBlueprint(request.course ?? "all", skills);
}

export function catConfigFor(request: MockTestRequest, sympsonHetter = false): Partial<CatConfig> {
  return {
    // With a calibrated pool the job's exposure table applies (randomesque stays: it also varies forms).
    exposure: { ...DEFAULT_CAT_CONFIG.exposure, sympsonHetter },
    maxItems: request.maxItems ?? DEFAULT_CAT_CONFIG.maxItems,
    minItems: Math.min(DEFAULT_CAT_CONFIG.minItems, request.maxItems ?? DEFAULT_CAT_CONFIG.maxItems),
    seTarget: request.seTarget ?? DEFAULT_CAT_CONFIG.seTarget,
    timeLimitMs: (request.timeLimitMinutes ?? 40) * 60_000,
  };
}

export function newMockTest(id: string, resolved: ResolvedBlueprint, request: MockTestRequest, now: number, sympsonHetter = false): MockTestRow {
  const state = startCat(catConfigFor(request, sympsonHetter), resolved.blueprint, now);
  return {
    id,
    course: resolved.course,
    status: "active",
    state,
    strata: resolved.strata,
    createdAt: now,
    expiresAt: now + (state.config.timeLimitMs ?? 40 * 60_000),
    report: null,
    ended: null,
  };
}

/** What a pool needs of an item (content items, and the calibration job's view of them). */
export type PoolItem = Pick<Item, "id" | "skillIds" | "difficulty" | "discrimination" | "guessing" | "calibrated"> & { readonly choices?: readonly unknown[] | undefined };

/**
 * The pool for one test: every item of the blueprint's skills, tagged with its stratum.
 * `calibration` (the published one) gives each item's difficulty SE, which widens the
 * report's interval; items it does not know count as authored (src/core/cat.ts).
 */
export function buildPool(items: readonly PoolItem[], strata: Readonly<Record<string, string>>, calibration: PublishedCalibration | null = null): CatItem[] {
  const pool: CatItem[] = [];
  for (const it of items) {
    const stratum = strata[it.skillIds[0] ?? ""];
    if (stratum === undefined) continue;
    const c = decodeCalibration(calibration, it.id);
    const se = c && c.status !== "authored" ? { difficultySe: c.seDifficulty } : {};
    const entry: CatItem = it.calibrated
      ? { id: it.id, skillId: stratum, difficulty: it.difficulty, discrimination: it.discrimination, guessing: it.guessing, calibrated: true, ...se }
      : { id: it.id, skillId: stratum, difficulty: it.difficulty, calibrated: false, ...(it.choices ? { choiceCount: it.choices.length } : {}), ...se };
    pool.push(entry);
  }
  return pool;
}

/** One selection step, seeded by test id and position so a retried step picks the same item. */
export function selectFor(
  test: MockTestRow,
  pool: readonly CatItem[],
  recentlySeen: ReadonlySet<string>,
  exposureParams?: ReadonlyMap<string, number>,
): { state: CatState; itemId: string | null } {
  const rng = mulberry32(seedFromString(`${test.id}:${test.state.responses.length}`));
  const selection = selectNextItem(test.state, pool, { recentlySeen, ...(exposureParams ? { exposureParams } : {}) }, rng);
  return { state: selection.state, itemId: selection.item?.id ?? null };
}

export function answerStep(test: MockTestRow, itemId: string, correct: boolean, now: number): { state: CatState; finished: boolean } {
  const state = recordResponse(test.state, itemId, correct, now);
  return { state, finished: shouldStop(state, now) !== null };
}

export function summary(test: MockTestRow): MockTestSummary {
  const c = test.state.config;
  return {
    testId: test.id,
    course: test.course,
    status: test.status,
    blueprint: test.state.blueprint.map((b) => ({ stratum: b.skillId, target: b.target })),
    config: { minItems: c.minItems, maxItems: c.maxItems, seTarget: c.seTarget, timeLimitMs: c.timeLimitMs, randomesqueK: c.exposure.randomesqueK },
    startedAt: test.state.startedAt,
    expiresAt: test.expiresAt,
    answered: test.state.responses.length,
    theta: test.state.theta,
    se: test.state.se,
  };
}

export function fullReport(test: MockTestRow, now: number): MockReport {
  const r = test.report ?? report(test.state, now);
  const uncalibratedItemIds = test.state.responses.filter((x) => x.defaulted).map((x) => x.itemId);
  const stopReason = test.ended?.stopReason ?? r.stopReason;
  return { ...r, testId: test.id, course: test.course, status: test.status, startedAt: test.state.startedAt, stopReason, stopNote: test.ended?.note ?? null, uncalibratedItemIds, parameterNote: PARAMETER_NOTE };
}

/** The final report, and the row the outbox carries to Postgres. */
export function finish(test: MockTestRow, now: number): { report: CatReport; row: MockReportRow } {
  const r = report(test.state, now);
  return {
    report: r,
    row: {
      id: test.id,
      course: test.course,
      startedAt: test.state.startedAt,
      finishedAt: now,
      // A test closed by expiry before any rule fired was abandoned.
      stopReason: r.stopReason ?? "abandoned",
      theta: r.theta,
      se: r.se,
      score: r.score.value,
      itemsAnswered: r.itemsAnswered,
      report: { ...r, parameterNote: PARAMETER_NOTE },
    },
  };
}

/** One of a test's answers as Postgres holds it, with the item as a pool would give it (`buildPool`). */
export interface RecoveredAnswer {
  item: CatItem;
  correct: boolean;
  servedAt: number | null;
  answeredAt: number;
}

/**
 * A test's state rebuilt from its answers, in answer order: each item goes through the same
 * selection and scoring steps as live (`selectNextItem` freezes its parameters, `recordResponse`
 * re-estimates θ by EAP), so θ̂ and SE are what the live test computed when the items'
 * parameters have not changed since. The blueprint is not known (no content balancing; the
 * breakdown is by stratum as the caller tagged the items), nor are the settings that only
 * decide when to stop: untimed, and long enough for every answer.
 */
export function replayAnswers(answers: readonly RecoveredAnswer[], startedAt: number): CatState {
  let state = startCat({ maxItems: Math.max(DEFAULT_CAT_CONFIG.maxItems, answers.length), timeLimitMs: null }, [], startedAt);
  const rng = mulberry32(0); // a pool of one item draws nothing
  for (const a of answers) {
    const pick = selectNextItem(state, [a.item], {}, rng);
    if (!pick.item) continue; // the same item twice: a test never repeats one
    state = recordResponse(pick.state, a.item.id, a.correct, a.answeredAt);
  }
  return state;
}

/**
 * A test that was running when its object lost its storage, finalised from the answers Postgres
 * holds (`missing`: answers whose item is no longer in the bank, so they cannot be scored).
 * The report is as of the last answer; the row for Postgres is `interrupted`, finished `now`.
 */
export function interruptedTest(id: string, answers: readonly RecoveredAnswer[], missing: number, now: number): { test: MockTestRow; row: MockReportRow } {
  const startedAt = Math.min(now, ...answers.map((a) => a.servedAt ?? a.answeredAt));
  const state = replayAnswers(answers, startedAt);
  const lastAnswer = answers.reduce((t, a) => Math.max(t, a.answeredAt), startedAt);
  // No stopping rule ended it (the settings that would say are lost): the note says what did.
  const r: CatReport = { ...report(state, lastAnswer), stopReason: null };
  const n = state.responses.length;
  const note =
    `This test was still running when the learner's storage was rebuilt from the system of record; ` +
    `this report covers the ${n} ${n === 1 ? "item" : "items"} answered before that` +
    (missing > 0 ? ` (${missing} more answered ${missing === 1 ? "item is" : "items are"} no longer in the item bank and could not be scored)` : "") +
    `, every answer that had been saved there. The test's course, blueprint and settings could not be recovered: items are grouped by their primary skill, ` +
    `scored with the item parameters in force when the report was made, and the test started no later than its first item was served.`;
  const ended: TestEnding = { stopReason: "interrupted", note };
  const test: MockTestRow = { id, course: UNKNOWN_COURSE, status: "finished", state, strata: {}, createdAt: startedAt, expiresAt: lastAnswer, report: r, ended };
  return {
    test,
    row: {
      id,
      course: UNKNOWN_COURSE,
      startedAt,
      finishedAt: now,
      stopReason: ended.stopReason,
      theta: r.theta,
      se: r.se,
      score: r.score.value,
      itemsAnswered: r.itemsAnswered,
      report: { ...r, stopReason: ended.stopReason, stopNote: note, parameterNote: PARAMETER_NOTE },
    },
  };
}

/** A finished test as Postgres holds it (`mock_test_reports`), with its answers. */
export interface StoredTestReport {
  id: string;
  course: string;
  startedAt: number;
  finishedAt: number;
  /** The row's `report`: the CatReport with `parameterNote`, and `stopNote` for an interrupted test. */
  report: unknown;
}

/** A finished test restored from its Postgres report (the report as it was; the answers give the item list). */
export function restoredTest(stored: StoredTestReport, answers: readonly RecoveredAnswer[]): MockTestRow {
  const { stopReason, stopNote, parameterNote: _note, ...rest } = stored.report as Omit<CatReport, "stopReason"> & { stopReason: MockStopReason | null; stopNote?: string; parameterNote?: string };
  const ended: TestEnding | null = stopReason === "interrupted" ? { stopReason, note: stopNote ?? "" } : null;
  const r: CatReport = { ...rest, stopReason: stopReason === "interrupted" ? null : stopReason };
  return { id: stored.id, course: stored.course, status: "finished", state: replayAnswers(answers, stored.startedAt), strata: {}, createdAt: stored.startedAt, expiresAt: stored.finishedAt, report: r, ended };
}

/**
 * What an answer to a running test's item shows: that it was recorded and how far the test
 * has come. Correctness, the key, the explanation, mastery changes and the moving estimate
 * all wait for the end of the test (they would let the learner steer or learn mid-test).
 */
export function withheldAttempt(result: GradedAttemptResult, testId: string): WithheldAttemptResult {
  return {
    withheld: true,
    clientAttemptId: result.clientAttemptId,
    seq: result.seq,
    itemId: result.itemId,
    answeredAt: result.answeredAt,
    replayed: result.replayed,
    mockTest: { testId, answered: result.mockTest?.answered ?? 0, done: false },
  };
}
