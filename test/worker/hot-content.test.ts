/**
 * Hot content from memory (workers/api/lib/memory-cache.ts in front of KV): the same ETag,
 * the same `x-cache` meaning, never staler than KV's own freshness, bounded. Time is injected.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { KvContentCache } from "../../workers/api/lib/kv-cache";
import type { CacheEntry } from "../../workers/api/lib/kv-cache";
import { parseConfig } from "../../workers/api/lib/env";
import { MemoryCache } from "../../workers/api/lib/memory-cache";
import { createServices } from "../../workers/api/lib/services";
import { Timing } from "../../workers/api/lib/timing";
import { sql } from "drizzle-orm";
import { api, json } from "./helpers";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function cacheWith(ttlMs: number, now: () => number) {
  const pending: Array<Promise<unknown>> = [];
  const memory = new MemoryCache<CacheEntry>({ ttlMs, maxEntries: 100, maxBytes: 1 << 20, now });
  const cache = new KvContentCache(env.CONTENT, null, (p) => pending.push(p), { memory, now });
  return { cache, memory, settle: () => Promise.all(pending.splice(0)) };
}

let n = 0;
const key = (label: string) => `test:hot:${label}:${Date.now().toString(36)}:${++n}`;

describe("MemoryCache", () => {
  it("expires entries at their TTL or their own deadline, whichever is first", () => {
    const c = clock();
    const m = new MemoryCache<string>({ ttlMs: 10_000, maxEntries: 10, maxBytes: 1000, now: c.now });
    m.set("a", "A", 1);
    m.set("b", "B", 1, c.now() + 3_000);
    c.advance(2_999);
    expect(m.get("a")).toBe("A");
    expect(m.get("b")).toBe("B");
    c.advance(1);
    expect(m.get("b")).toBeUndefined();
    c.advance(7_000);
    expect(m.get("a")).toBeUndefined();
    expect(m.size).toBe(0);
    expect(m.totalBytes).toBe(0);
  });

  it("evicts the least recently used beyond its entry and byte bounds", () => {
    const c = clock();
    const m = new MemoryCache<string>({ ttlMs: 10_000, maxEntries: 3, maxBytes: 100, now: c.now });
    m.set("a", "A", 10);
    m.set("b", "B", 10);
    m.set("c", "C", 10);
    expect(m.get("a")).toBe("A"); // a is now the most recent
    m.set("d", "D", 10);
    expect(m.get("b")).toBeUndefined();
    expect([m.get("a"), m.get("c"), m.get("d")]).toEqual(["A", "C", "D"]);
    m.set("big", "X", 80); // 30 + 80 > 100: the oldest go until it fits
    expect(m.totalBytes).toBeLessThanOrEqual(100);
    expect(m.get("big")).toBe("X");
    expect(m.size).toBeLessThanOrEqual(3);
    m.set("huge", "H", 101); // larger than the whole budget: not kept, nothing else lost
    expect(m.get("huge")).toBeUndefined();
    expect(m.get("big")).toBe("X");
  });
});

describe("KvContentCache with the memory layer", () => {
  it("answers a repeat from memory with the same entry, without KV or the origin", async () => {
    const c = clock(Date.now());
    const { cache, settle } = cacheWith(10_000, c.now);
    const k = key("repeat");
    let loads = 0;
    const load = async () => ({ loads: ++loads });
    const first = await cache.readThrough(k, 300, load);
    expect(first).toMatchObject({ hit: false, source: "origin" });
    await settle();
    await env.CONTENT.delete(k); // KV no longer has it: only memory can answer now
    const second = await cache.readThrough(k, 300, load);
    expect(second).toMatchObject({ hit: true, source: "memory" });
    expect(second.entry.etag).toBe(first.entry.etag);
    expect(second.entry.body).toBe(first.entry.body);
    expect(loads).toBe(1);
  });

  it("falls back to KV after the memory TTL, then refills memory", async () => {
    const c = clock(Date.now());
    const { cache, settle } = cacheWith(5_000, c.now);
    const k = key("ttl");
    const first = await cache.readThrough(k, 300, async () => ({ v: 1 }));
    await settle();
    c.advance(5_000);
    const fromKv = await cache.readThrough(k, 300, async () => ({ v: 2 }));
    expect(fromKv).toMatchObject({ hit: true, source: "kv" });
    expect(fromKv.entry.etag).toBe(first.entry.etag);
    expect((await cache.readThrough(k, 300, async () => ({ v: 3 }))).source).toBe("memory");
  });

  it("never serves an entry from memory past its KV freshness", async () => {
    const c = clock(Date.now());
    // Memory would keep it 60 s, but the caller's freshness is 2 s (search-style TTL).
    const { cache, settle } = cacheWith(60_000, c.now);
    const k = key("fresh");
    await cache.readThrough(k, 2, async () => ({ v: 1 }));
    await settle();
    c.advance(1_999);
    expect((await cache.readThrough(k, 2, async () => ({ v: 2 }))).source).toBe("memory");
    c.advance(1);
    // Stale: KV's copy answers while one background reload refreshes it.
    const stale = await cache.readThrough(k, 2, async () => ({ v: 2 }));
    expect(stale).toMatchObject({ hit: true, source: "stale" });
    expect(stale.entry.body).toBe('{"v":1}');
    await settle();
    const reloaded = await cache.readThrough(k, 2, async () => ({ v: 3 }));
    expect(reloaded).toMatchObject({ hit: true, source: "memory" });
    expect(reloaded.entry.body).toBe('{"v":2}');
  });

  it("reloads a stale entry once per isolate however many ask, and not past a second freshness period", async () => {
    const c = clock(Date.now());
    const { cache, settle } = cacheWith(1_000, c.now);
    const k = key("herd");
    let loads = 0;
    const load = async () => ({ v: ++loads });
    await cache.readThrough(k, 2, load);
    await settle();
    c.advance(2_500); // past memory and KV freshness, within the stale period
    const reads = await Promise.all(Array.from({ length: 20 }, () => cache.readThrough(k, 2, load)));
    expect(reads.every((r) => r.source === "stale" && r.entry.body === '{"v":1}')).toBe(true);
    await settle();
    expect(loads).toBe(2); // the first load, then ONE reload for all twenty
    c.advance(10_000); // past two freshness periods of the reloaded entry: the origin, synchronously
    const late = await cache.readThrough(k, 2, load);
    expect(late).toMatchObject({ hit: false, source: "origin" });
    expect(loads).toBe(3);
  });

  it("remembers a missing value like KV does, and publishing replaces what memory holds", async () => {
    const c = clock(Date.now());
    const { cache, settle } = cacheWith(10_000, c.now);
    const k = key("negative");
    expect((await cache.readThrough(k, 300, async () => null)).entry.body).toBeNull();
    await settle();
    const again = await cache.readThrough(k, 300, async () => ({ surprise: true }));
    expect(again).toMatchObject({ hit: true, source: "memory" });
    expect(again.entry.body).toBeNull();
    await cache.write(k, { published: 1 }, 300);
    const after = await cache.readThrough(k, 300, async () => null);
    expect(after.source).toBe("memory");
    expect(after.entry.body).toBe('{"published":1}');
    await cache.delete(k);
    expect((await cache.readThrough(k, 300, async () => ({ v: "origin" }))).source).toBe("origin");
  });
});

describe("content routes through the memory layer", () => {
  it("serves a repeated item from memory: HIT, same ETag, 304 on If-None-Match", async () => {
    const list = await json<{ results: Array<{ id: string }> }>(await api("/v1/search?q=ratio&limit=1"));
    const id = list.results[0]?.id ?? "";
    const first = await api(`/v1/items/${id}`);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") ?? "";
    const body = await first.text();
    // Wait for the deferred KV write, then take the key away: only memory can answer.
    for (let i = 0; i < 50 && (await env.CONTENT.get(`item:v1:${id}`)) === null; i++) await new Promise((r) => setTimeout(r, 20));
    await env.CONTENT.delete(`item:v1:${id}`);
    const second = await api(`/v1/items/${id}`);
    expect(second.status).toBe(200);
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.headers.get("etag")).toBe(etag);
    expect(await second.text()).toBe(body);
    const third = await api(`/v1/items/${id}`, { headers: { "if-none-match": etag } });
    expect(third.status).toBe(304);
    expect(third.headers.get("x-cache")).toBe("HIT");
  });

  it("serves a repeated search page from memory with the same ETag", async () => {
    const path = "/v1/search?q=percent&limit=3&offset=3";
    const first = await api(path);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag");
    const keys = async () => (await env.CONTENT.list({ prefix: "search:v1:" })).keys.map((k) => k.name);
    for (let i = 0; i < 50 && (await keys()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    for (const name of await keys()) await env.CONTENT.delete(name);
    const second = await api(path);
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.headers.get("etag")).toBe(etag);
  });
});

describe("a request's pools and its background reloads", () => {
  it("ends the pools only after a stale entry's reload, however many queries it needs, has finished", async () => {
    const deferred: Array<Promise<unknown>> = [];
    const services = createServices(env, parseConfig(env), new Timing(), (work) => deferred.push(work));
    const k = key("two-queries");
    // A stale entry (one and a half freshness periods old): answered at once, reloaded in the background.
    await env.CONTENT.put(k, JSON.stringify({ body: '{"v":"old"}', etag: '"old"', storedAt: Date.now() - 90_000 }));
    let queries = 0;
    const load = async () => {
      // Two round trips, as an empty search page's reload makes (the page, then the count).
      for (const n of [1, 2]) {
        const { rows } = await services.db().read.execute<{ n: number }>(sql`SELECT ${n}::int AS n`);
        queries += rows[0]?.n === n ? 1 : 0;
      }
      return { v: "new" };
    };
    const first = await services.cache.readThrough(k, 60, load);
    expect(first).toMatchObject({ source: "stale", hit: true });
    // The request is over: the middleware ends its pools (through waitUntil) right away.
    const closing = services.close();
    await Promise.allSettled([...deferred, closing]);
    expect(queries).toBe(2);
    const again = await services.cache.readThrough(k, 60, async () => ({ v: "unexpected" }));
    expect(again.source).toBe("memory");
    expect(again.entry.body).toBe('{"v":"new"}');
  });
});
