/**
 * Carries a writer shard's item-statistics deltas from Postgres to Redis, exactly once.
 *
 *   writer transaction ── attempts + their delta row ──► Postgres   (commit: the delta exists)
 *   send ── applyDelta(id) ──► Redis                               (one atomic script, guarded by id)
 *   acknowledge ── id ──► the shard's own durable store            (so it is never sent again)
 *   next writer transaction ── DELETE acknowledged ids ──► Postgres (no extra round trip)
 *
 * Each step can be lost (crash, timeout, lost reply) and the next one repairs it:
 * - commit lost (the writer never saw the reply): the retry inserts none of those attempts, so
 *   it writes no new delta; the committed delta is found by `drainBacklog` and sent once.
 * - send failed (Redis away): the delta stays in Postgres; `backlog` is set and the shard
 *   retries with backoff, so aggregates wait and arrive once Redis returns.
 * - reply lost after Redis applied: the resend finds the guard key and adds nothing.
 * - acknowledgement recorded, delete not yet run: backlog reads skip acknowledged ids.
 * A duplicated hand-over inserts no attempt twice, so it produces no delta at all.
 */
import type { Drizzle } from "../db/client";
import { pendingDeltas } from "../db/item-deltas";
import type { WrittenDelta } from "../db/learners";
import type { ItemStats } from "./item-stats";

/** The shard's durable set of deltas Redis acknowledged but Postgres still holds. */
export interface AckStore {
  list(): string[];
  add(id: string): void;
  /** Called after the transaction that deleted them committed. */
  remove(ids: readonly string[]): void;
}

/** Test seam: throw from here to crash between two steps. */
export type SendStep = "send" | "acknowledge";

export interface SendResult {
  applied: number;
  duplicates: number;
  /** Attempts whose aggregates reached Redis in this call (duplicates excluded). */
  attempts: number;
  /** Redis commands sent (one script per delta). */
  commands: number;
  error: string | null;
}

export class DeltaSender {
  /** True until Postgres was checked for this shard's unsent deltas (start-up) and after any failure. */
  backlog = true;

  constructor(
    private readonly shard: string,
    private readonly stats: ItemStats,
    private readonly acks: AckStore,
    private readonly hook: (step: SendStep, deltaId: string) => void = () => {},
  ) {}

  /**
   * After a committed writer transaction: sends the delta it wrote (if any), then the
   * backlog when one may exist. Never throws: derived data must not fail a flush.
   */
  async afterCommit(db: Drizzle, written: WrittenDelta | null): Promise<SendResult> {
    const result: SendResult = { applied: 0, duplicates: 0, attempts: 0, commands: 0, error: null };
    try {
      if (written) await this.sendOne(written, result);
      if (this.backlog) await this.drainBacklog(db, result);
    } catch (err) {
      this.backlog = true;
      result.error = err instanceof Error ? err.message : String(err);
    }
    return result;
  }

  private async drainBacklog(db: Drizzle, result: SendResult): Promise<void> {
    const limit = 100;
    for (;;) {
      const pending = await pendingDeltas(db, this.shard, this.acks.list(), limit);
      for (const d of pending) await this.sendOne(d, result);
      if (pending.length < limit) break;
    }
    this.backlog = false;
  }

  private async sendOne(d: WrittenDelta, result: SendResult): Promise<void> {
    this.hook("send", d.id);
    result.commands += 1;
    const outcome = await this.stats.applyDelta(d.id, d.payload);
    this.hook("acknowledge", d.id);
    this.acks.add(d.id);
    if (outcome === "applied") {
      result.applied += 1;
      result.attempts += d.attempts;
    } else result.duplicates += 1;
  }
}
