/**
 * Global item statistics in Redis (Upstash in production): what every learner's answers say
 * about each item, added up across all learners — the counters one object could not hold
 * without becoming a bottleneck (DESIGN.md, storage roles). The calibration job
 * (src/calibration/job.ts) folds them into item parameters.
 *
 * Exactly once. A writer shard's Postgres transaction computes the aggregates of the attempts
 * it newly inserted and stores them, in the same transaction, as one `item_stat_deltas` row
 * (src/db/item-deltas.ts): committed attempts and their aggregates cannot part. Deltas are
 * then sent to Redis, several at a time, as ONE atomic script (`applyDeltas`) in which each
 * delta is guarded by its id: the script sets `stats:flush:<id>` NX and adds that delta's
 * increments only when it was absent, so a resent delta (lost reply, crash before the
 * acknowledgement was recorded) adds nothing, and a delta that never reached Redis stays in
 * Postgres and is sent later — never zero times.
 *
 * Changed items are counted in a sorted set (`stats:dirty`, score = new responses since the
 * job last refitted the item), so the calibration job reads only items with enough new
 * evidence (`claimChanged(minNew)`): its Redis reads grow with responses / minNew, not with
 * the number of items touched.
 *
 * One hash per item, `stats:item:<id>`; integer counters are HINCRBY, sums (prefix `s`)
 * HINCRBYFLOAT:
 *   n, c            responses, correct responses
 *   sr, si          Σ (observed − expected) and Σ expected·(1 − expected), at the learner's θ then
 *   n<k>, c<k>      responses and correct ones from learners whose θ fell in bin k (width 1/4)
 *   st<k>, sv<k>    Σ θ and Σ Var θ in bin k: the bin's exact mean ability and its uncertainty
 *   m<k>            response-time sketch: answers taking [250·2^k, 250·2^(k+1)) ms (k = 0 … 9)
 * The θ bins are what make the statistics re-fittable: the likelihood of any difficulty (and
 * discrimination) is a sum over at most 49 bins, whatever the number of responses.
 */
import { Redis } from "@upstash/redis/cloudflare";

/** One newly recorded answer, as the writer's transaction sees it. */
export interface ItemObservation {
  itemId: string;
  correct: boolean;
  /** The knowledge model's P(correct) before the answer. */
  expected: number;
  /** The learner's combined ability for the item before the answer (posterior mean and variance). */
  theta: number;
  thetaVariance: number;
  responseMs: number;
}

/** Per item, field → increment. JSON-serialisable: it is stored in Postgres until Redis has it. */
export type ItemDeltas = Record<string, Record<string, number>>;

/** θ bins of width 1/4 logit, k = round(4θ) ∈ [−24, 24]. */
export const THETA_BIN_WIDTH = 0.25;
const THETA_BIN_MAX = 24;
const RT_BUCKETS = 10;
/** How long Redis remembers that a delta was applied; far longer than any delta waits unacknowledged. */
export const FLUSH_GUARD_TTL_SECONDS = 30 * 86_400;

export const itemStatsKey = (itemId: string) => `stats:item:${itemId}`;
export const flushGuardKey = (deltaId: string) => `stats:flush:${deltaId}`;
/** Sorted set: item → responses added since the calibration job last claimed it. */
export const DIRTY_KEY = "stats:dirty";
/** The set a running (or crashed) calibration job claimed; re-read until the job finishes. */
export const CLAIMED_KEY = "stats:dirty:claimed";

export function thetaBin(theta: number): number {
  return Math.max(-THETA_BIN_MAX, Math.min(THETA_BIN_MAX, Math.round(theta / THETA_BIN_WIDTH)));
}

function rtBucket(ms: number): number {
  if (!(ms >= 500)) return 0;
  return Math.min(RT_BUCKETS - 1, Math.floor(Math.log2(ms / 250)));
}

const add = (h: Record<string, number>, field: string, v: number) => {
  h[field] = (h[field] ?? 0) + v;
};

/** The increments a set of answers adds, per item (pure; the writer's transaction calls it). */
export function aggregateObservations(observations: readonly ItemObservation[]): ItemDeltas {
  const out: ItemDeltas = {};
  for (const o of observations) {
    const h = (out[o.itemId] ??= {});
    const y = o.correct ? 1 : 0;
    const k = thetaBin(o.theta);
    add(h, "n", 1);
    add(h, "c", y);
    add(h, "sr", y - o.expected);
    add(h, "si", o.expected * (1 - o.expected));
    add(h, `n${k}`, 1);
    add(h, `c${k}`, y);
    add(h, `st${k}`, o.theta);
    add(h, `sv${k}`, o.thetaVariance);
    add(h, `m${rtBucket(o.responseMs)}`, 1);
  }
  // Zero counters cost a command each and change nothing.
  for (const h of Object.values(out)) for (const [f, v] of Object.entries(h)) if (v === 0 && !f.startsWith("s")) delete h[f];
  return out;
}

/** Adds `b` into `a` (deltas of several flushes merged before one send). */
export function mergeDeltas(a: ItemDeltas, b: ItemDeltas): ItemDeltas {
  for (const [id, h] of Object.entries(b)) {
    const t = (a[id] ??= {});
    for (const [f, v] of Object.entries(h)) add(t, f, v);
  }
  return a;
}

/** One θ bin of an item's statistics. */
export interface ThetaBin {
  /** Mean ability of the learners in the bin. */
  theta: number;
  /** Mean posterior variance of that ability. */
  variance: number;
  n: number;
  correct: number;
}

export interface ItemStat {
  itemId: string;
  attempts: number;
  correct: number;
  /** Mean of (observed − expected); null before any attempt. */
  meanResidual: number | null;
  /** Σ expected·(1 − expected): the Fisher information the responses carried about b (Rasch, a = 1). */
  information: number;
  bins: ThetaBin[];
  /** Answers per response-time bucket [250·2^k, 250·2^(k+1)) ms. */
  responseTime: number[];
}

export interface ItemStats {
  readonly enabled: boolean;
  /**
   * Applies flushes' aggregates in one atomic script, each once per id: "applied" the first
   * time, "duplicate" when Redis had already applied that id (nothing is added), in input
   * order. Throws when Redis cannot be reached; then all or none of them were applied.
   */
  applyDeltas(deltas: ReadonlyArray<{ id: string; payload: ItemDeltas }>): Promise<Array<"applied" | "duplicate">>;
  read(itemIds: readonly string[]): Promise<ItemStat[]>;
  /**
   * Claims, atomically, the items with at least `minNew` responses since they were last
   * claimed (their counts restart), adds them to the standing claim and returns the whole
   * claim: a crashed job's claim is included again until `releaseChanged`.
   */
  claimChanged(minNew?: number): Promise<string[]>;
  /** The job is done with what it claimed (its results are in Postgres and KV). */
  releaseChanged(): Promise<void>;
}

/**
 * KEYS[1] the changed-items sorted set, then per delta its guard key followed by its item
 * hashes. ARGV[1] the guards' TTL, ARGV[2] the number of deltas, then per delta its item count
 * and per item: id, responses, field count m, m (field, increment) pairs. Returns one flag per
 * delta (1 applied, 0 duplicate). Atomic: Redis runs a script to completion before any other
 * command, so a guard and its increments cannot part.
 */
const APPLY_SCRIPT = `
local a, k, out = 3, 2, {}
for d = 1, tonumber(ARGV[2]) do
  local items = tonumber(ARGV[a]); a = a + 1
  local fresh = redis.call('SET', KEYS[k], '1', 'NX', 'EX', ARGV[1])
  k = k + 1
  out[d] = fresh and 1 or 0
  for i = 1, items do
    local id, n, m = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]); a = a + 3
    if fresh then redis.call('ZINCRBY', KEYS[1], n, id) end
    for j = 1, m do
      local f = ARGV[a]
      if fresh then
        if string.byte(f, 1) == 115 then redis.call('HINCRBYFLOAT', KEYS[k], f, ARGV[a + 1])
        else redis.call('HINCRBY', KEYS[k], f, ARGV[a + 1]) end
      end
      a = a + 2
    end
    k = k + 1
  end
end
return out
`;

/**
 * KEYS[1] the changed-items sorted set, KEYS[2] the standing claim; ARGV[1] the minimum new
 * responses. Moves the items at or above it into the claim and returns the claim.
 */
const CLAIM_SCRIPT = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
for i = 1, #ids do
  redis.call('SADD', KEYS[2], ids[i])
  redis.call('ZREM', KEYS[1], ids[i])
end
return redis.call('SMEMBERS', KEYS[2])
`;

const n0 = (v: unknown) => (v === undefined || v === null ? 0 : Number(v));

/** Parses one item hash (field → value) into its statistics. */
export function parseItemStat(itemId: string, h: Record<string, unknown> | null): ItemStat {
  const n = n0(h?.n);
  const bins: ThetaBin[] = [];
  for (let k = -THETA_BIN_MAX; k <= THETA_BIN_MAX; k++) {
    const nk = n0(h?.[`n${k}`]);
    if (nk <= 0) continue;
    bins.push({ theta: n0(h?.[`st${k}`]) / nk, variance: n0(h?.[`sv${k}`]) / nk, n: nk, correct: n0(h?.[`c${k}`]) });
  }
  return {
    itemId,
    attempts: n,
    correct: n0(h?.c),
    meanResidual: n > 0 ? n0(h?.sr) / n : null,
    information: n0(h?.si),
    bins,
    responseTime: Array.from({ length: RT_BUCKETS }, (_, k) => n0(h?.[`m${k}`])),
  };
}

export class RedisItemStats implements ItemStats {
  readonly enabled = true;
  /** `prefix` namespaces every key (tests sharing one Redis). */
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "",
  ) {}

  async applyDeltas(deltas: ReadonlyArray<{ id: string; payload: ItemDeltas }>): Promise<Array<"applied" | "duplicate">> {
    if (deltas.length === 0) return [];
    const keys = [this.prefix + DIRTY_KEY];
    const args: (string | number)[] = [FLUSH_GUARD_TTL_SECONDS, deltas.length];
    for (const d of deltas) {
      keys.push(this.prefix + flushGuardKey(d.id));
      const items = Object.entries(d.payload).filter(([, h]) => Object.keys(h).length > 0);
      args.push(items.length);
      for (const [itemId, h] of items) {
        const fields = Object.entries(h);
        keys.push(this.prefix + itemStatsKey(itemId));
        args.push(itemId, h.n ?? 0, fields.length);
        for (const [f, v] of fields) args.push(f, String(v));
      }
    }
    const flags = await this.redis.eval<(string | number)[], number[]>(APPLY_SCRIPT, keys, args);
    return deltas.map((_, i) => (Number(flags[i]) === 1 ? "applied" : "duplicate"));
  }

  async read(itemIds: readonly string[]): Promise<ItemStat[]> {
    if (itemIds.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of itemIds) p.hgetall(this.prefix + itemStatsKey(id));
    const rows = await p.exec<Array<Record<string, unknown> | null>>();
    return itemIds.map((itemId, i) => parseItemStat(itemId, rows[i] ?? null));
  }

  async claimChanged(minNew = 1): Promise<string[]> {
    // One script: a change lands either in this claim or in a later one, never in neither.
    const members = await this.redis.eval<[number], string[]>(CLAIM_SCRIPT, [this.prefix + DIRTY_KEY, this.prefix + CLAIMED_KEY], [Math.max(1, minNew)]);
    return [...members].map(String).sort();
  }

  async releaseChanged(): Promise<void> {
    await this.redis.del(this.prefix + CLAIMED_KEY);
  }
}

/** When no Redis is configured: nothing is counted (writers do not even store deltas), and reads say so. */
export class DisabledItemStats implements ItemStats {
  readonly enabled = false;
  async applyDeltas(): Promise<Array<"applied" | "duplicate">> {
    throw new Error("item statistics are disabled (no Redis configured)");
  }
  async read(itemIds: readonly string[]): Promise<ItemStat[]> {
    return itemIds.map((itemId) => parseItemStat(itemId, null));
  }
  async claimChanged(): Promise<string[]> {
    return [];
  }
  async releaseChanged(): Promise<void> {}
}

/** The configured implementation: Redis when both Upstash settings are given, else disabled. */
export function createItemStats(upstash: { url?: string | undefined; token?: string | undefined; prefix?: string | undefined }): ItemStats {
  if (!upstash.url || !upstash.token) return new DisabledItemStats();
  // No automatic retries: the caller decides (a flush never waits long on derived data).
  return new RedisItemStats(new Redis({ url: upstash.url, token: upstash.token, retry: false, enableTelemetry: false }), upstash.prefix ?? "");
}
