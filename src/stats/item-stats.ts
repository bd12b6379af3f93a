/**
 * Global item statistics in Redis (Upstash in production): how often each item was
 * answered, how often correctly, and how far outcomes strayed from what the knowledge model
 * expected. They are counters every learner's object adds to, which is exactly what one
 * object cannot hold without becoming a bottleneck (DESIGN.md, storage roles).
 *
 * They are derived data: Postgres' attempts table is the record, and the stats are added
 * once per flushed outbox batch, after Postgres committed it. If Redis is down the batch's
 * increments are dropped (logged), never the attempts; the counters can be rebuilt from
 * Postgres. Σ(observed − expected) / n is the calibration signal: a clearly positive value
 * means the item is easier than its difficulty says.
 */
import { Redis } from "@upstash/redis/cloudflare";

export interface ItemOutcome {
  itemId: string;
  correct: boolean;
  /** The knowledge model's P(correct) for this learner and item just before the answer was learned from. */
  expected: number;
}

export interface ItemStat {
  itemId: string;
  attempts: number;
  correct: number;
  /** Mean of (observed − expected); null before any attempt. */
  meanResidual: number | null;
}

export interface ItemStats {
  readonly enabled: boolean;
  record(outcomes: readonly ItemOutcome[]): Promise<void>;
  read(itemIds: readonly string[]): Promise<ItemStat[]>;
}

export const itemStatsKey = (itemId: string) => `stats:item:${itemId}`;

/** Redis hashes `stats:item:<id>` with fields n (attempts), c (correct), r (Σ residual). */
export class RedisItemStats implements ItemStats {
  readonly enabled = true;
  constructor(private readonly redis: Redis) {}

  async record(outcomes: readonly ItemOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    // Aggregate first: one HINCRBY per field per item, whatever the batch size.
    const agg = new Map<string, { n: number; c: number; r: number }>();
    for (const o of outcomes) {
      const a = agg.get(o.itemId) ?? { n: 0, c: 0, r: 0 };
      a.n += 1;
      a.c += o.correct ? 1 : 0;
      a.r += (o.correct ? 1 : 0) - o.expected;
      agg.set(o.itemId, a);
    }
    const p = this.redis.pipeline();
    for (const [id, a] of agg) {
      const key = itemStatsKey(id);
      p.hincrby(key, "n", a.n);
      if (a.c > 0) p.hincrby(key, "c", a.c);
      p.hincrbyfloat(key, "r", a.r);
    }
    await p.exec();
  }

  async read(itemIds: readonly string[]): Promise<ItemStat[]> {
    if (itemIds.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of itemIds) p.hgetall(itemStatsKey(id));
    const rows = await p.exec<Array<Record<string, unknown> | null>>();
    return itemIds.map((itemId, i) => {
      const h = rows[i] ?? null;
      const n = Number(h?.n ?? 0);
      return { itemId, attempts: n, correct: Number(h?.c ?? 0), meanResidual: n > 0 ? Number(h?.r ?? 0) / n : null };
    });
  }
}

/** When no Redis is configured: nothing is counted, and reads say so. */
export class DisabledItemStats implements ItemStats {
  readonly enabled = false;
  async record(): Promise<void> {}
  async read(itemIds: readonly string[]): Promise<ItemStat[]> {
    return itemIds.map((itemId) => ({ itemId, attempts: 0, correct: 0, meanResidual: null }));
  }
}

/** The configured implementation: Redis when both Upstash settings are given, else disabled. */
export function createItemStats(upstash: { url?: string | undefined; token?: string | undefined }): ItemStats {
  if (!upstash.url || !upstash.token) return new DisabledItemStats();
  // No automatic retries: the caller decides (a flush never waits long on derived data).
  return new RedisItemStats(new Redis({ url: upstash.url, token: upstash.token, retry: false, enableTelemetry: false }));
}
