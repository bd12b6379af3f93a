/**
 * KV read-through cache for content. An entry stores the serialised body with its ETag, so a
 * hit costs one KV read and no hashing. Misses load from Postgres and write back without
 * delaying the response more than the put itself.
 *
 * Freshness: KV cannot expire a key sooner than 60 s, so entries carry their own `storedAt`
 * and callers may ask for a shorter freshness (search uses 30 s). Content updates become
 * visible within the content TTL; the ETag changes with the body.
 */
import type { Timing } from "./timing";

export interface CacheEntry {
  /** Serialised JSON body, or null for a cached "does not exist". */
  body: string | null;
  etag: string;
  storedAt: number;
}

export interface CacheRead {
  entry: CacheEntry;
  hit: boolean;
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
  ) {}

  /**
   * @param ttlSeconds how long the entry is served without reloading.
   * @param load returns the value to cache, or null when it does not exist.
   */
  async readThrough(key: string, ttlSeconds: number, load: () => Promise<unknown>): Promise<CacheRead> {
    const cached = await this.measure("kv", () => this.kv.get<CacheEntry>(key, { type: "json" }));
    const now = Date.now();
    if (cached && now - cached.storedAt < (cached.body === null ? NEGATIVE_TTL : ttlSeconds) * 1000) {
      return { entry: cached, hit: true };
    }
    const value = await this.measure("db", load);
    const body = value === null || value === undefined ? null : JSON.stringify(value);
    const entry: CacheEntry = { body, etag: body === null ? "" : await etagOf(body), storedAt: now };
    const ttl = Math.max(KV_MIN_TTL, body === null ? NEGATIVE_TTL : ttlSeconds);
    this.defer(this.kv.put(key, JSON.stringify(entry), { expirationTtl: ttl }));
    return { entry, hit: false };
  }

  /** Writes a value as a fresh entry (content publishing), awaiting the write. */
  async write(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const body = JSON.stringify(value);
    const entry: CacheEntry = { body, etag: await etagOf(body), storedAt: Date.now() };
    await this.kv.put(key, JSON.stringify(entry), { expirationTtl: Math.max(KV_MIN_TTL, ttlSeconds) });
  }

  private measure<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.timing ? this.timing.measure(name, fn) : fn();
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }
}
