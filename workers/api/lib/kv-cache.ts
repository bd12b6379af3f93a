/**
 * KV read-through cache for content. An entry stores the serialised body with its ETag, so a
 * hit costs one KV read and no hashing. Misses load from Postgres and write back without
 * delaying the response more than the put itself.
 *
 * Freshness: KV cannot expire a key sooner than 60 s, so entries carry their own `storedAt`
 * and callers may ask for a shorter freshness (search uses 30 s). Content updates become
 * visible within the content TTL; the ETag changes with the body.
 *
 * Optionally a MemoryCache sits in front (the API worker's hot content, ./memory-cache.ts):
 * it holds the same entry objects — body, ETag, storedAt — so a memory hit answers with the
 * very ETag KV would have, and it never keeps an entry past that entry's KV freshness.
 */
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
  source: "memory" | "kv" | "origin";
}

export interface KvContentCacheOptions {
  /** The in-isolate layer in front of KV; none when omitted. */
  memory?: MemoryCache<CacheEntry> | null;
  /** Clock for entry freshness (tests inject one); Date.now by default. */
  now?: () => number;
}

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
    private readonly kv: KVNamespace,
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
    this.options.memory?.set(key, entry, (entry.body?.length ?? 0) + key.length + 64, entry.storedAt + KvContentCache.freshMs(entry, ttlSeconds));
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
    const cached = await this.measure("kv", () => this.kv.get<CacheEntry>(storeKey, { type: "json" }));
    const now = this.now();
    if (cached && now - cached.storedAt < KvContentCache.freshMs(cached, ttlSeconds)) {
      this.remember(key, cached, ttlSeconds);
      return { entry: cached, hit: true, source: "kv" };
    }
    const value = await this.measure("db", load);
    const body = value === null || value === undefined ? null : JSON.stringify(value);
    const entry: CacheEntry = { body, etag: body === null ? "" : await etagOf(body), storedAt: now };
    const ttl = Math.max(KV_MIN_TTL, body === null ? NEGATIVE_TTL : ttlSeconds);
    this.defer(this.kv.put(storeKey, JSON.stringify(entry), { expirationTtl: ttl }));
    this.remember(key, entry, ttlSeconds);
    return { entry, hit: false, source: "origin" };
  }

  /** Writes a value as a fresh entry (content publishing), awaiting the write. */
  async write(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const body = JSON.stringify(value);
    const entry: CacheEntry = { body, etag: await etagOf(body), storedAt: this.now() };
    await this.kv.put(key, JSON.stringify(entry), { expirationTtl: Math.max(KV_MIN_TTL, ttlSeconds) });
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
