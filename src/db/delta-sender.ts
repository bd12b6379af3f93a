/**
 * Carries a writer shard's item-statistics deltas from Postgres to Redis, exactly once.
 *
 *   writer transaction ── attempts + their delta row ──► Postgres   (commit: the delta exists)
 *   send ── applyDeltas(ids) ──► Redis                             (one atomic script, each delta guarded by its id)
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
 *
 * Batching (Redis commands per attempt): deltas are sent together once `batch.maxAttempts`
 * attempts wait or the oldest has waited `batch.maxWaitMs`, one script for all of them; while
 * they wait they are durable in Postgres, so a crash loses nothing (the backlog read sends
 * them). The writer sets an alarm for `dueAt()` so a quiet shard still sends.
 */
import type { Drizzle } from "./client";
import { pendingDeltas } from "./item-deltas";
import type { WrittenDelta } from "./learners";
import type { ItemStats } from "../stats/item-stats";

/** The shard's durable set of deltas Redis acknowledged but Postgres still holds. */
export interface AckStore {
  list(): string[];
  add(id: string): void;
  /** Called after the transaction that deleted them committed. */
  remove(ids: readonly string[]): void;
}

/** Test seam: throw from here to crash between two steps. */
export type SendStep = "send" | "acknowledge";

export interface SendBatching {
  /** Send once this many attempts wait … */
  readonly maxAttempts: number;
  /** … or the oldest waiting delta is this old (ms). */
  readonly maxWaitMs: number;
}

/** 30 s: global statistics are read by a job every 15 minutes; nothing needs them sooner. */
export const DEFAULT_SEND_BATCHING: SendBatching = { maxAttempts: 2_000, maxWaitMs: 30_000 };
/** Deltas per script at most (a script's arguments grow with the items it touches). */
const MAX_DELTAS_PER_SEND = 50;

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
  /** Committed deltas waiting for the next send (also in Postgres), and since when. */
  private waiting: WrittenDelta[] = [];
  private waitingSince: number | null = null;

  constructor(
    private readonly shard: string,
    private readonly stats: ItemStats,
    private readonly acks: AckStore,
    private readonly hook: (step: SendStep, deltaId: string) => void = () => {},
    private readonly batching: SendBatching = DEFAULT_SEND_BATCHING,
  ) {}

  /** When the waiting deltas must be sent (null: none wait). */
  dueAt(): number | null {
    return this.waitingSince === null ? null : this.waitingSince + this.batching.maxWaitMs;
  }

  /**
   * After a committed writer transaction (or an alarm, with `written` null): queues the delta
   * it wrote, and sends what waits once the batch is full or due (`force`: now), then the
   * backlog when one may exist. Never throws: derived data must not fail a flush.
   */
  async afterCommit(db: Drizzle, written: WrittenDelta | null, now: number = Date.now(), force = false): Promise<SendResult> {
    const result: SendResult = { applied: 0, duplicates: 0, attempts: 0, commands: 0, error: null };
    if (written) {
      this.waiting.push(written);
      this.waitingSince ??= now;
    }
    try {
      const waitingAttempts = this.waiting.reduce((s, d) => s + d.attempts, 0);
      const due = this.waitingSince !== null && now - this.waitingSince >= this.batching.maxWaitMs;
      if (this.waiting.length > 0 && (force || due || waitingAttempts >= this.batching.maxAttempts)) {
        await this.send(this.waiting, result);
        this.waiting = [];
        this.waitingSince = null;
      }
      if (this.backlog) await this.drainBacklog(db, result);
    } catch (err) {
      this.backlog = true;
      // They are in Postgres: the backlog read sends them (memory would send them twice at most, which the guards absorb).
      this.waiting = [];
      this.waitingSince = null;
      result.error = err instanceof Error ? err.message : String(err);
    }
    return result;
  }

  private async drainBacklog(db: Drizzle, result: SendResult): Promise<void> {
    const limit = 200;
    for (;;) {
      // Deltas waiting in memory go with the next batch; acknowledged ones only await their delete.
      const pending = await pendingDeltas(db, this.shard, [...this.acks.list(), ...this.waiting.map((d) => d.id)], limit);
      await this.send(pending, result);
      if (pending.length < limit) break;
    }
    this.backlog = false;
  }

  private async send(deltas: readonly WrittenDelta[], result: SendResult): Promise<void> {
    for (let i = 0; i < deltas.length; i += MAX_DELTAS_PER_SEND) {
      const chunk = deltas.slice(i, i + MAX_DELTAS_PER_SEND);
      for (const d of chunk) this.hook("send", d.id);
      result.commands += 1;
      const outcomes = await this.stats.applyDeltas(chunk);
      chunk.forEach((d, k) => {
        this.hook("acknowledge", d.id);
        this.acks.add(d.id);
        if (outcomes[k] === "applied") {
          result.applied += 1;
          result.attempts += d.attempts;
        } else result.duplicates += 1;
      });
    }
  }
}
