/**
 * KV read-through cache for content. An entry stores the serialised body with its ETag, so a
 * hit costs one KV read and no hashing. Misses load from Postgres and write back without
 * delaying the response more than the put itself.
 *
 * Freshness: KV cannot expire a key sooner than 60 s, so entries carry their own `storedAt`
 * and callers may ask for a shorter freshness (search uses 30 s). A stale entry is still
 * served for one more freshness period while a single background reload per key and isolate
 * refreshes it (stale-while-revalidate), so content updates become visible within about two
 * content TTLs; the ETag changes with the body.
 *
 * Optionally a MemoryCache sits in front (the API worker's hot content, ./memory-cache.ts):
 * it holds the same entry objects — body, ETag, storedAt — so a memory hit answers with the
 * very ETag KV would have, and it never keeps an entry past that entry's KV freshness.
 */
import { calling, countFailure } from "../../dependency";
import type { MemoryCache } from "./memory-cache";
import type { Timing } from "./timing";

export interface CacheEntry {
  /** Serialised JSON body, or null for a cached "does not exist". */
  body: string | null;
  etag: string;
  storedAt: number;
}

export interface CacheRead {
  entry: CacheEntry;
  /** Answered without Postgres (from memory or KV): the `x-cache: HIT` of the response. */
  hit: boolean;
  /** Which layer answered. */
  source: "memory" | "kv" | "stale" | "origin";
}

/**
 * Where entries live beyond the isolate: a KV namespace, or the Cache API through
 * ./cache-api-store.ts (search: its keys are whatever clients type, so they must not fill KV).
 */
export type EntryStore = Pick<KVNamespace, "get" | "put" | "delete">;

export interface KvContentCacheOptions {
  /** The in-isolate layer in front of KV; none when omitted. */
  memory?: MemoryCache<CacheEntry> | null;
  /** Clock for entry freshness (tests inject one); Date.now by default. */
  now?: () => number;
}

/** Stale keys this isolate reloads in the background (stale-while-revalidate) → no other reload before this time. */
const reloading = new Map<string, number>();

/** KV's smallest expiration. */
const KV_MIN_TTL = 60;
/** How long a "does not exist" is remembered, so scans of bad ids do not all reach Postgres. */
const NEGATIVE_TTL = 60;

export async function etagOf(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const bytes = new Uint8Array(digest).subarray(0, 12);
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return `"${hex}"`;
}

export class KvContentCache {
  constructor(
    private readonly kv: EntryStore,
    private readonly timing: Timing | null,
    /** Runs work after the response (ctx.waitUntil), so a miss does not wait on the KV write. */
    private readonly defer: (work: Promise<unknown>) => void,
    private readonly options: KvContentCacheOptions = {},
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** How long an entry is fresh for, in ms since it was stored. */
  private static freshMs(entry: CacheEntry, ttlSeconds: number): number {
    return (entry.body === null ? NEGATIVE_TTL : ttlSeconds) * 1000;
  }

  private remember(key: string, entry: CacheEntry, ttlSeconds: number): void {
    // Twice the body: the string, and its UTF-8 bytes kept beside it once served (../lib/http.ts).
    this.options.memory?.set(key, entry, 2 * (entry.body?.length ?? 0) + key.length + 64, entry.storedAt + KvContentCache.freshMs(entry, ttlSeconds));
  }

  /**
   * @param ttlSeconds how long the entry is served without reloading.
   * @param load returns the value to cache, or null when it does not exist.
   * @param kvKey the KV key when it differs from `key` (the memory key) and costs work to
   *   derive — search hashes its query into one — so a memory hit never pays for it.
   */
  async readThrough(key: string, ttlSeconds: number, load: () => Promise<unknown>, kvKey?: () => Promise<string>): Promise<CacheRead> {
    // The memory layer enforces freshness itself (expiry ≤ storedAt + fresh time).
    const remembered = this.options.memory?.get(key);
    if (remembered) return { entry: remembered, hit: true, source: "memory" };
    const storeKey = kvKey ? await kvKey() : key;
    // KV failing is not an outage while the origin answers: read through to it (counted).
    const cached = await this.measure("kv", () => this.kv.get<CacheEntry>(storeKey, { type: "json" })).catch(() => {
      countFailure("kv");
      return null;
    });
    const now = this.now();
    if (cached) {
      const fresh = KvContentCache.freshMs(cached, ttlSeconds);
      const age = now - cached.storedAt;
      if (age < fresh) {
        this.remember(key, cached, ttlSeconds);
        return { entry: cached, hit: true, source: "kv" };
      }
      // Stale, but within one more freshness period: answer with it and let ONE request of
      // this isolate reload it in the background. Without this, every request (and every
      // learner object) that found the entry stale loaded it from Postgres at once, each on a
      // connection of its own: a content TTL expiring under load exhausted the database's
      // connections (seen in a 10,000-learner run).
      if (age < 2 * fresh) {
        if ((reloading.get(storeKey) ?? 0) <= now) {
          // One reload per key and freshness period (the reloaded entry reaches KV only after
          // its put; until then other requests still read the stale copy and must not reload).
          if (reloading.size >= 10_000) for (const [k, until] of reloading) if (until <= now) reloading.delete(k);
          reloading.set(storeKey, now + fresh);
          this.defer(this.reload(key, storeKey, ttlSeconds, load).catch(() => reloading.delete(storeKey)));
        }
        return { entry: cached, hit: true, source: "stale" };
      }
    }
    return this.reload(key, storeKey, ttlSeconds, load);
  }

  /** Loads from the origin and writes the entry back to KV (deferred) and memory. */
  private async reload(key: string, storeKey: string, ttlSeconds: number, load: () => Promise<unknown>): Promise<CacheRead> {
    const now = this.now();
    const value = await this.measure("db", () => calling("postgres", load));
    const body = value === null || value === undefined ? null : JSON.stringify(value);
    const entry: CacheEntry = { body, etag: body === null ? "" : await etagOf(body), storedAt: now };
    // KV keeps the entry through its stale period too (two freshness periods). A "does not
    // exist" stays in memory only: ids anyone can make up must not add keys to KV.
    if (body !== null) {
      const ttl = Math.max(KV_MIN_TTL, 2 * ttlSeconds);
      this.defer(this.kv.put(storeKey, JSON.stringify(entry), { expirationTtl: ttl }).catch(() => countFailure("kv")));
    }
    this.remember(key, entry, ttlSeconds);
    return { entry, hit: false, source: "origin" };
  }

  /** Writes a value as a fresh entry (content publishing), awaiting the write. */
  async write(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const body = JSON.stringify(value);
    const entry: CacheEntry = { body, etag: await etagOf(body), storedAt: this.now() };
    await this.kv.put(key, JSON.stringify(entry), { expirationTtl: Math.max(KV_MIN_TTL, 2 * ttlSeconds) });
    this.remember(key, entry, ttlSeconds);
  }

  private measure<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.timing ? this.timing.measure(name, fn) : fn();
  }

  async delete(key: string): Promise<void> {
    this.options.memory?.delete(key);
    await this.kv.delete(key);
  }
}
