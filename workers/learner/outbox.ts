/**
 * The outbox flush: attempts recorded in the learner's SQLite go to Postgres in batches.
 *
 * Exactly once: rows leave the outbox only after the Postgres transaction that inserted
 * them committed, and Postgres ignores a row it already has (unique learner + client attempt
 * id). A crash between the two re-sends rows that are then skipped. While Postgres is
 * unreachable the outbox grows, attempts keep being accepted, and the flush retries with
 * exponential backoff (1 s, 2 s, 4 s … capped at 5 minutes).
 */
import type { SkillState } from "../../src/core/types";
import type { Database } from "../../src/db/client";
import { flushLearnerBatch } from "../../src/db/learners";
import type { AttemptRow } from "../../src/db/learners";
import type { LearnerStore } from "./store";

export const FLUSH_BATCH = 500;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;

export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
}

export interface FlushDeps {
  store: LearnerStore;
  learnerId: string;
  db: () => Database;
  states: () => ReadonlyMap<string, SkillState>;
  now: () => number;
  mastered: (s: SkillState) => boolean;
  /** Called after a failed flush (e.g. to drop a broken connection pool). */
  onFailure: () => void;
  /** Called with the attempts Postgres has just committed (derived statistics go here). */
  onFlushed?: (rows: readonly AttemptRow[]) => Promise<void>;
}

/** Flushes one batch. Returns when to run again (epoch ms, real time), or null when the outbox is empty. */
export async function flushOutbox(deps: FlushDeps): Promise<number | null> {
  const { store } = deps;
  const batch = store.peekOutbox(FLUSH_BATCH);
  const reports = store.peekReports(50);
  const last = batch[batch.length - 1];
  if (!last && reports.length === 0) return null;
  const touched = new Set(batch.flatMap((r) => r.skillIds));
  const states = deps.states();
  const snapshot = [...touched].flatMap((id) => {
    const s = states.get(id);
    return s
      ? [{ skillId: id, theta: s.mean, variance: s.variance, attempts: s.attempts, correct: s.correct, mastered: deps.mastered(s), updatedAt: s.lastAttemptAt ?? deps.now() }]
      : [];
  });
  try {
    await flushLearnerBatch(deps.db().write, deps.learnerId, batch, snapshot, reports);
  } catch (err) {
    const failures = store.getNumber("outbox_failures") + 1;
    store.setMeta("outbox_failures", String(failures));
    store.setMeta("outbox_last_error", err instanceof Error ? err.message : String(err));
    deps.onFailure();
    return Date.now() + backoffMs(failures);
  }
  if (last) store.deleteOutboxThrough(last.seq);
  if (deps.onFlushed && batch.length > 0) {
    try {
      await deps.onFlushed(batch);
    } catch (err) {
      // Derived data only: the attempts are safe in Postgres (see src/stats/item-stats.ts).
      console.error("item statistics not recorded", err);
    }
  }
  store.deleteReports(reports.map((r) => r.id));
  store.setMeta("outbox_failures", "0");
  store.setMeta("last_flush_at", String(Date.now()));
  return store.outboxStats().size > 0 || store.peekReports(1).length > 0 ? Date.now() : null;
}
