/**
 * The platform's own history as training data, rebuilt the way the learner's Durable Object
 * lived it, and checked against what the object logged.
 *
 * Each learner's attempts (Postgres `attempts`, in `seq` order) are replayed from an empty
 * learner through `decideAttempt` — the object's own decision on an answer: grade the stored
 * response, build the correctness model's input row for the item, learn — with the items'
 * parameters as the object serves them (the bank with the published calibration), the item
 * links published with it, the skill graph's neighbour priors and the real answer times. Row i is the model's input before answer
 * i: what `npm run train -- --from-postgres` fits on.
 *
 * The object logged the row it built when the answer arrived (`attempts.features`, since
 * migration 0004). `replayPlatformHistory` compares the two row for row, column by column,
 * exactly in float32: the same code on the same inputs gives the same bits, so any difference
 * is train/serve skew — a parameter that changed between the answer and the replay (a new
 * calibration version moves `item_b` and the residual columns, new item links the link
 * columns), a skill graph that changed, or code that drifted.
 *
 * Unlike the public datasets' pipeline (./pipeline.ts: no clock, no skill graph, item
 * difficulties fitted from the outcomes), nothing here is estimated from the outcomes: the
 * served parameters are the platform's, so no cross-fitting is needed.
 */
import type { Item } from "../content/schema";
import { DEFAULT_ENGINE_CONFIG, decideAttempt } from "../core/engine";
import type { Curriculum, EngineConfig } from "../core/engine";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION, NO_LINKS, mergeHistorySlice } from "../core/features";
import type { ItemLinks } from "../core/features";
import { SimLearnerView } from "../core/sim-view";

/**
 * Rows, outcomes and the knowledge model's P(correct), as ./pipeline.ts's FeatureTable (the same
 * shape, declared here: this module also runs inside workerd, where the public datasets' loader
 * behind ./pipeline.ts, which reads files, cannot be type-checked).
 */
export interface ReplayTable {
  readonly x: Float32Array;
  readonly y: Uint8Array;
  readonly n: number;
  readonly knowledge: Float64Array;
}

/** One stored attempt, as the replay needs it. */
export interface PlatformAttempt {
  readonly itemId: string;
  readonly correct: boolean;
  readonly response: unknown;
  readonly responseMs: number;
  /** Epoch ms: the object's clock when the answer arrived. */
  readonly answeredAt: number;
  /** The row the object logged (null: recorded before rows were logged). */
  readonly features: readonly number[] | null;
  readonly featureVersion: string | null;
  /** What the correctness model and the knowledge model predicted for the item when served (null: not both; absent: not read). */
  readonly predictions?: { readonly model: number; readonly knowledge: number } | null;
}

export interface PlatformLearner {
  readonly learnerId: string;
  /** 1–5, from a hash of the id: the held-out folds of `npm run train -- --from-postgres`. */
  readonly fold: number;
  /** In `seq` order. */
  readonly attempts: readonly PlatformAttempt[];
}

export interface ColumnParity {
  readonly name: string;
  /** Logged rows whose value in this column differs from the replay's (as float32). */
  readonly mismatches: number;
  readonly maxAbsDiff: number;
}

export interface ParityExample {
  readonly learnerId: string;
  readonly index: number;
  readonly itemId: string;
  readonly column: string;
  readonly logged: number;
  readonly replayed: number;
}

export interface ReplayResult {
  /** Every replayed answer's row, outcome and the knowledge model's P(correct). */
  readonly table: ReplayTable;
  /** Learner of each row (`table` order), for folds. */
  readonly rowLearner: readonly number[];
  readonly learners: number;
  /** Answers left out: their item is no longer in the bank, or the stored response no longer grades. */
  readonly skipped: number;
  readonly skippedExamples: readonly { readonly learnerId: string; readonly index: number; readonly itemId: string; readonly reason: string }[];
  readonly parity: {
    /** Rows the object logged in the current layout, and how many equal the replay's in every column. */
    readonly logged: number;
    readonly identical: number;
    /** Rows logged in another layout, or not at all. */
    readonly otherLayout: number;
    readonly unlogged: number;
    readonly columns: readonly ColumnParity[];
    readonly examples: readonly ParityExample[];
  };
}

/**
 * Replays every learner's attempts as described in the module comment. `items`: the bank with
 * the published calibration applied (`withCalibration`), as the object serves it.
 */
export function replayPlatformHistory(
  learners: readonly PlatformLearner[],
  items: ReadonlyMap<string, Item>,
  curriculum: Curriculum,
  config: EngineConfig = DEFAULT_ENGINE_CONFIG,
  maxExamples = 10,
  links: ItemLinks = NO_LINKS,
): ReplayResult {
  const n = learners.reduce((a, l) => a + l.attempts.length, 0);
  const x = new Float32Array(n * FEATURE_COUNT);
  const y = new Uint8Array(n);
  const knowledge = new Float64Array(n);
  const rowLearner: number[] = [];
  const mismatches = new Array<number>(FEATURE_COUNT).fill(0);
  const maxAbs = new Array<number>(FEATURE_COUNT).fill(0);
  const examples: ParityExample[] = [];
  const skippedExamples: ReplayResult["skippedExamples"][number][] = [];
  let row = 0;
  let skipped = 0;
  let logged = 0;
  let identical = 0;
  let otherLayout = 0;
  let unlogged = 0;
  learners.forEach((learner, li) => {
    const view = new SimLearnerView();
    learner.attempts.forEach((a, index) => {
      const item = items.get(a.itemId);
      const decision = item ? decideAttempt(view, curriculum, item, a.response, a.responseMs, a.answeredAt, config, links) : null;
      if (!item || !decision || !decision.ok) {
        skipped++;
        const reason = !item ? "the item is not in the bank" : decision && !decision.ok ? decision.reason : "not graded";
        if (skippedExamples.length < maxExamples) skippedExamples.push({ learnerId: learner.learnerId, index, itemId: a.itemId, reason });
        return;
      }
      x.set(decision.features, row * FEATURE_COUNT);
      y[row] = decision.correct ? 1 : 0;
      knowledge[row] = decision.expected;
      rowLearner.push(li);
      row++;
      if (a.features === null) unlogged++;
      else if (a.featureVersion !== FEATURE_VERSION || a.features.length !== FEATURE_COUNT) otherLayout++;
      else {
        logged++;
        let same = true;
        for (let j = 0; j < FEATURE_COUNT; j++) {
          const replayed = decision.features[j] ?? Number.NaN;
          const mine = Math.fround(a.features[j] ?? Number.NaN);
          if (mine === replayed || (Number.isNaN(mine) && Number.isNaN(replayed))) continue;
          same = false;
          mismatches[j] = (mismatches[j] ?? 0) + 1;
          maxAbs[j] = Math.max(maxAbs[j] ?? 0, Math.abs(mine - replayed));
          if (examples.length < maxExamples) examples.push({ learnerId: learner.learnerId, index, itemId: a.itemId, column: FEATURE_NAMES[j] ?? String(j), logged: mine, replayed });
        }
        if (same) identical++;
      }
      // What the object keeps of the decision (workers/learner/learner-do.ts attemptInner): the
      // skill beliefs and the feature history are what the next row is built from.
      view.apply(decision.outcome);
      mergeHistorySlice(view.history, decision.history);
    });
  });
  return {
    table: { x: x.subarray(0, row * FEATURE_COUNT), y: y.subarray(0, row), n: row, knowledge: knowledge.subarray(0, row) },
    rowLearner,
    learners: learners.length,
    skipped,
    skippedExamples,
    parity: {
      logged,
      identical,
      otherLayout,
      unlogged,
      columns: FEATURE_NAMES.map((name, j) => ({ name, mismatches: mismatches[j] ?? 0, maxAbsDiff: maxAbs[j] ?? 0 })),
      examples,
    },
  };
}
