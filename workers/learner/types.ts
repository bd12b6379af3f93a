/**
 * What crosses the boundary between the API worker and a learner's Durable Object. RPC
 * results are values, never thrown errors: a thrown error loses its class across RPC, and
 * the handler must map every failure to the right problem+json status.
 */
import type { ItemParameterSource } from "../../src/core/calibration";
import type { ScoreTerm } from "../../src/core/scoring";
import type { Progress } from "../../src/core/progress";
import type { PublicItem } from "../../src/content/schema";
import type { ErrorCode } from "../api/lib/problem";
import type { MockReport } from "./mock-tests";

export type LearnerMode = "practice" | "review";

export type RpcResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; detail: string; retryAfterSeconds?: number };

/**
 * JSON text of a `T`. The object's learner-facing answers cross the RPC boundary as one string
 * rather than as objects: the object serialises once (`JSON.stringify`), and the route sends
 * the text as the response body (workers/api/lib/http.ts `sendJsonText`) instead of the runtime
 * cloning the graph out of the object, into the worker, and the route stringifying it again.
 */
export type JsonText<T> = string & { readonly __json?: T };

/** A result's value as JSON text (errors pass through: the route maps them to problem+json). */
export function asJsonText<T>(result: RpcResult<T>): RpcResult<JsonText<T>> {
  return result.ok ? { ok: true, value: JSON.stringify(result.value) as JsonText<T> } : result;
}

export interface Why {
  /** Total score and each term's weighted contribution (they sum to it). */
  score: number;
  terms: Record<ScoreTerm, number>;
  /** P(correct) the scorer used (with `mix`: the mixture). */
  prediction: number;
  /**
   * Set when the correctness model's prediction was mixed with the knowledge model's: each
   * one's P(correct) for this item and the model's weight for this learner, from how well each
   * predicted their earlier answers (src/core/predictor-mix.ts).
   */
  mix?: { model: number; knowledge: number; modelWeight: number };
  /** Which predictor produced it: the model version (e.g. "correctness-v1") or "knowledge-model/1". */
  predictor: string;
  /** Set when the configured model could not be used and the knowledge model stood in: why. */
  fallbackReason?: string;
  targetBand: [number, number];
  skillId: string;
  /** P(mastered) of that skill before this item. */
  mastery: number;
  /** How many candidates were ranked. */
  candidates: number;
  /** Whose item parameters the prediction used: the calibration job's (which version, how many responses) or the authored ones. */
  parameters?: ItemParameterSource;
}


export interface NextResult {
  mode: LearnerMode;
  item: PublicItem | null;
  why: Why | null;
  /** Where the choice came from: the shared starting ranking, this learner's cached ranking, or fresh scoring. */
  source: "start-ranking" | "cache" | "scored" | "none";
  servedAt: number | null;
  session: number;
  /** When nothing is available (review mode with nothing due): why, and when the next review is due. */
  message?: string;
  nextReviewAt?: number | null;
  /**
   * Score-cache use of this choice (./score-cache.ts): candidates ranked; how many of their
   * predictions this request did not compute (a cached ranking, one ranked ahead after the last
   * attempt, the shared starting one, or entries the score cache held); and how many predictions
   * the ranking took when it was computed, on this request or ahead of it (0 for the shared
   * starting ranking). The route turns it into the `x-score-cache` header.
   */
  scoreCache?: { reused: number; candidates: number; predicted: number };
}

/**
 * What the object's `next` returns to the route: the response body already serialised, so one
 * string crosses the RPC boundary instead of the item and its reasons as objects (and the
 * item's JSON is serialised once per item, ./content.ts `publicItemJson`), plus what the
 * route's headers need.
 */
export interface NextReply {
  /** `NextResult` without `scoreCache`, as JSON. */
  body: JsonText<Omit<NextResult, "scoreCache">>;
  source: NextResult["source"];
  scoreCache?: NextResult["scoreCache"];
}

export interface AttemptInput {
  learnerId: string;
  clientAttemptId: string;
  itemId: string;
  response: unknown;
  responseMs: number;
}

export interface SkillMasteryView {
  skillId: string;
  before: number;
  after: number;
  mastered: boolean;
  newlyMastered: boolean;
}

export interface MockProgress {
  testId: string;
  answered: number;
  theta: number;
  se: number;
  done: boolean;
  stopReason: string | null;
}

/**
 * A mock test's next step. While the test runs, `theta` and `se` are null: the estimate moves
 * with every answer and would tell the learner whether the last one was right.
 */
export interface MockNextResult {
  testId: string;
  item: PublicItem | null;
  done: boolean;
  answered: number;
  theta: number | null;
  se: number | null;
  report: MockReport | null;
}

/** A graded answer: feedback, the answer key and the learning it caused. */
export interface GradedAttemptResult {
  withheld: false;
  clientAttemptId: string;
  seq: number;
  itemId: string;
  correct: boolean;
  /** The answer in display form, e.g. "3/4" or the text of the right choice. */
  correctAnswer: string;
  explanation: string;
  mastery: SkillMasteryView[];
  nextReviewAt: number | null;
  answeredAt: number;
  /** True when this is a retry of an attempt already recorded: nothing changed. */
  replayed: boolean;
  /** Present when the item belonged to an adaptive mock test (then the test has ended). */
  mockTest?: MockProgress;
}

/**
 * An answer to an item of a mock test that is still running: recorded, and nothing revealed —
 * no correctness, answer key, explanation, mastery change or moving estimate — until the test
 * ends (a retry after the end returns the graded result).
 */
export interface WithheldAttemptResult {
  withheld: true;
  clientAttemptId: string;
  seq: number;
  itemId: string;
  answeredAt: number;
  replayed: boolean;
  mockTest: { testId: string; answered: number; done: false };
}

export type AttemptResult = GradedAttemptResult | WithheldAttemptResult;

/**
 * An attempt that also asks for the learner's next item (`next` on POST /attempts: one round
 * trip per practice step instead of two). `next` is the next item exactly as POST /next would
 * have answered (null when the answered item belonged to a mock test, whose own next step
 * picks its item); `nextProblem` says why it is missing when choosing it failed after the
 * attempt was recorded (the attempt stands; ask POST /next).
 */
export type AttemptWithNext = AttemptResult & {
  next: Omit<NextResult, "scoreCache"> | null;
  nextProblem?: { status: number; code: ErrorCode; detail: string };
};

/** The object's answer to `attemptThenNext`: the body as JSON, and what the route's score-cache headers need. */
export interface AttemptNextReply {
  body: JsonText<AttemptWithNext>;
  source?: NextResult["source"];
  scoreCache?: NextResult["scoreCache"];
}

/** A learner's data export: progress, goals and every row their object holds. */
export interface LearnerExport {
  learnerId: string;
  exportedAt: number;
  goalSkillIds: string[];
  progress: ProgressResult;
  [table: string]: unknown;
}

export interface ProgressResult extends Progress {
  learnerId: string;
  /** The goal skills the learner set (PUT …/goals); empty when none. */
  goalSkillIds: string[];
  outbox: { pending: number; oldestAt: number | null; lastFlushAt: number | null; failures: number };
}
