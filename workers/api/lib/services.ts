/**
 * Everything a handler talks to, built once per request and handed down (never a
 * module-level client bound to the environment). The database is opened lazily: most
 * requests are answered from KV and never need it.
 */
import { createDatabase } from "../../../src/db/client";
import type { Database } from "../../../src/db/client";
import type { Config } from "./env";
import { cacheApiStore } from "./cache-api-store";
import { KvContentCache } from "./kv-cache";
import type { CacheEntry } from "./kv-cache";
import { MemoryCache } from "./memory-cache";
import type { Timing } from "./timing";

export interface Services {
  readonly config: Config;
  /** Opens the pools on first use; `close()` ends them once the handler is done. */
  db(): Database;
  readonly cache: KvContentCache;
  /** Search results: memory, then the Cache API (never KV: queries are unbounded). */
  searchCache(): Promise<KvContentCache>;
  /**
   * Ends whatever was opened, after the work deferred through this request's caches has
   * settled (null: nothing was opened or deferred, so nothing to wait for); the request
   * middleware hands it to `waitUntil`.
   */
  close(): Promise<void> | null;
}

/**
 * Hot content in the isolate's memory (./memory-cache.ts), one cache per KV binding so tests
 * or workers with different bindings never share entries. Ten seconds bounds how stale a
 * published change can be in an isolate beyond KV's own TTL; 8 MiB holds the whole demo bank
 * (≈ 7,000 items, ≈ 3.5 MB) with room for the skill graph and search pages, well inside an
 * isolate's 128 MB.
 */
export const HOT_CONTENT = { ttlMs: 10_000, maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 } as const;
const hotContent = new WeakMap<KVNamespace, MemoryCache<CacheEntry>>();

export function hotContentCache(kv: KVNamespace): MemoryCache<CacheEntry> {
  let cache = hotContent.get(kv);
  if (!cache) {
    cache = new MemoryCache<CacheEntry>(HOT_CONTENT);
    hotContent.set(kv, cache);
  }
  return cache;
}

export function createServices(env: Env, config: Config, timing: Timing, defer: (work: Promise<unknown>) => void): Services {
  let database: Database | undefined;
  // Work handed to `defer` runs on after the response (a stale cache entry's reload, a KV
  // write) and may still query through this request's pools: they end only once it settled.
  // Ended before, a reload that needs a second query (an empty search page counts its
  // matches) failed every time, so every request for that key retried it, each on a new
  // connection, until the entry was too stale to serve.
  const background: Promise<unknown>[] = [];
  const track = (work: Promise<unknown>) => {
    background.push(work);
    defer(work);
  };
  const settled = async () => {
    // Work deferred while waiting is waited for too.
    for (let waited = 0; waited < background.length; ) {
      const batch = background.slice(waited);
      waited = background.length;
      await Promise.allSettled(batch);
    }
  };
  return {
    config,
    db() {
      if (!database) {
        database = createDatabase({ url: config.DATABASE_URL, readUrl: config.DATABASE_READ_URL, wsProxy: config.NEON_WS_PROXY, max: 2 });
      }
      return database;
    },
    cache: new KvContentCache(env.CONTENT, timing, track, { memory: hotContentCache(env.CONTENT) }),
    async searchCache() {
      return new KvContentCache(cacheApiStore(await caches.open("search:v1")), timing, track, { memory: hotContentCache(env.CONTENT) });
    },
    close() {
      if (background.length === 0) return database ? database.end() : null;
      return settled().then(() => database?.end());
    },
  };
}
