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
 */
import { DEFAULT_CAT_CONFIG, recordResponse, report, selectNextItem, shouldStop, startCat } from "../../src/core/cat";
import type { CatConfig, CatItem, CatReport, CatState } from "../../src/core/cat";
import { courseBlueprint, customBlueprint } from "../../src/core/cat-blueprint";
import type { ResolvedBlueprint } from "../../src/core/cat-blueprint";
import { decodeCalibration } from "../../src/core/calibration";
import type { PublishedCalibration } from "../../src/core/calibration";
import { mulberry32, seedFromString } from "../../src/core/random";
import type { Item, Skill } from "../../src/content/schema";
import type { MockReportRow } from "../../src/db/learners";
import type { MockTestRow } from "./store";
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

export interface MockReport extends CatReport {
  testId: string;
  course: string;
  status: "active" | "finished";
  startedAt: number;
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
  return { ...r, testId: test.id, course: test.course, status: test.status, startedAt: test.state.startedAt, uncalibratedItemIds, parameterNote: PARAMETER_NOTE };
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
