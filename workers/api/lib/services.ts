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
  /** Ends whatever was opened (null: nothing was, so nothing to wait for); the request middleware hands it to `waitUntil`. */
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
  return {
    config,
    db() {
      if (!database) {
        database = createDatabase({ url: config.DATABASE_URL, readUrl: config.DATABASE_READ_URL, wsProxy: config.NEON_WS_PROXY, max: 2 });
      }
      return database;
    },
    cache: new KvContentCache(env.CONTENT, timing, defer, { memory: hotContentCache(env.CONTENT) }),
    async searchCache() {
      return new KvContentCache(cacheApiStore(await caches.open("search:v1")), timing, defer, { memory: hotContentCache(env.CONTENT) });
    },
    close() {
      return database ? database.end() : null;
    },
  };
}
