/**
 * The outbox hand-over: attempts recorded in the learner's SQLite go to the learner's writer
 * shard (workers/writer), which carries many learners' rows to Postgres in one transaction
 * over a warm connection. The learner object itself never opens a database connection to
 * flush.
 *
 * Exactly once: rows leave the outbox only after the writer committed them to its own
 * durable storage, and the writer ignores rows it already has (then Postgres ignores rows it
 * already has). A crash between the two re-sends rows that are then skipped. While the writer
 * is unreachable the outbox grows, attempts keep being accepted, and the hand-over retries
 * with exponential backoff (1 s, 2 s, 4 s … capped at 5 minutes), by alarm. The routine
 * hand-over runs on the learner object's in-memory timer, the alarm only as a safety net
 * (workers/learner/learner-do.ts `scheduleFlush`). While Postgres is
 * unreachable the writer holds the rows and retries on its own.
 *
 * The first hand-over of a learner also writes their "known" marker to KV (before any of
 * their rows can reach Postgres): a Durable Object that starts empty looks there to decide
 * whether a history exists to rebuild, so a brand-new learner costs no database round trip.
 */
import type { SkillState } from "../../src/core/types";
import { backoffMs } from "../writer/writer-do";
import type { HandOver } from "../writer/writer-do";
import type { LearnerStore } from "./store";

export const FLUSH_BATCH = 500;

/** KV key of the marker that says "this learner may have history in Postgres". */
export const knownLearnerKey = (learnerId: string): string => `learner-known:v1:${learnerId}`;

export interface FlushDeps {
  store: LearnerStore;
  learnerId: string;
  /** The writer shard's `accept`. */
  handOver: (batch: HandOver) => Promise<unknown>;
  /** Writes the learner's "known" marker (KV). */
  markKnown: () => Promise<void>;
  states: () => ReadonlyMap<string, SkillState>;
  now: () => number;
  mastered: (s: SkillState) => boolean;
  /** Runs in the hand-over's own commit, after its bookkeeping: more state that may ride along. */
  alsoCommit?: () => void;
}

/** Hands one batch over. Returns when to run again (epoch ms, real time), or null when the outbox is empty. */
export async function flushOutbox(deps: FlushDeps): Promise<number | null> {
  const { store } = deps;
  const batch = store.peekOutbox(FLUSH_BATCH);
  const reports = store.peekReports(50);
  const last = batch[batch.length - 1];
  // Goals changed since the last hand-over (setGoals marks them): they go to Postgres too.
  const goalsChanged = store.getMeta("goals_changed_at");
  const goals = goalsChanged ? { skillIds: JSON.parse(store.getMeta("goal_skill_ids") ?? "[]") as string[], updatedAt: Number(goalsChanged) } : undefined;
  if (!last && reports.length === 0 && !goals) return null;
  const touched = new Set(batch.flatMap((r) => r.skillIds));
  const states = deps.states();
  const snapshot = [...touched].flatMap((id) => {
    const s = states.get(id);
    return s
      ? [{ skillId: id, theta: s.mean, variance: s.variance, attempts: s.attempts, correct: s.correct, mastered: deps.mastered(s), updatedAt: s.lastAttemptAt ?? deps.now() }]
      : [];
  });
  // Recorded with the hand-over's own bookkeeping below (one commit, not one more of its own).
  let markedAt: number | null = null;
  try {
    if (store.getMeta("known_marked") === null) {
      await deps.markKnown();
      markedAt = Date.now();
    }
    await deps.handOver({ learnerId: deps.learnerId, attempts: batch, states: snapshot, reports, ...(goals ? { goals } : {}) });
  } catch (err) {
    if (markedAt !== null) store.setMeta("known_marked", String(markedAt));
    const failures = store.getNumber("outbox_failures") + 1;
    store.setMeta("outbox_failures", String(failures));
    store.setMeta("outbox_last_error", err instanceof Error ? err.message : String(err));
    return Date.now() + backoffMs(failures);
  }
  if (markedAt !== null) store.setMeta("known_marked", String(markedAt));
  if (last) store.deleteOutboxThrough(last.seq);
  if (reports.length > 0) store.deleteReports(reports.map((r) => r.id));
  // Set again during the hand-over: the newer goals go next time.
  if (goalsChanged && store.getMeta("goals_changed_at") === goalsChanged) store.setMeta("goals_changed_at", "");
  if (store.getNumber("outbox_failures") !== 0) store.setMeta("outbox_failures", "0");
  store.setMeta("last_flush_at", String(Date.now()));
  deps.alsoCommit?.();
  // More may be waiting: a full batch left some behind, or attempts arrived during the hand-over.
  return store.outboxStats().size > 0 || store.peekReports(1).length > 0 ? Date.now() : null;
}
