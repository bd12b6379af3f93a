/**
 * The Cache API as an entry store for KvContentCache (./kv-cache.ts), for keys clients can
 * make up (search queries). Unlike KV it is bounded: the runtime evicts least-recently-used
 * entries and expires them by their Cache-Control, so a flood of unique queries costs cache
 * churn in one location, never a growing namespace. Entries are local to a data centre, which
 * is what a 30-second search cache wants anyway.
 *
 * @example
 * const store = cacheApiStore(await caches.open("search"));
 * new KvContentCache(store, timing, defer, { memory });
 */
import type { EntryStore } from "./kv-cache";

/** Never fetched: the Cache API keys entries by URL, and this host names our own namespace. */
const ORIGIN = "https://cache.internal/";

const requestOf = (key: string) => new Request(ORIGIN + encodeURIComponent(key));

export function cacheApiStore(cache: Cache): EntryStore {
  const store = {
    async get(key: string): Promise<unknown> {
      const hit = await cache.match(requestOf(key));
      return hit ? hit.json() : null;
    },
    async put(key: string, value: string, options?: KVNamespacePutOptions): Promise<void> {
      const maxAge = options?.expirationTtl ?? 60;
      await cache.put(requestOf(key), new Response(value, { headers: { "content-type": "application/json", "cache-control": `max-age=${maxAge}` } }));
    },
    async delete(key: string): Promise<void> {
      await cache.delete(requestOf(key));
    },
  };
  // Only get(key, { type: "json" }), put(key, string, { expirationTtl }) and delete(key) are used.
  return store as unknown as EntryStore;
}
