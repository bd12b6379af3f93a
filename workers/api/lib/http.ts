import type { Context, TypedResponse } from "hono";
import type { AppEnv } from "./context";
import type { CacheEntry, CacheRead } from "./kv-cache";
import type { JsonText } from "../../learner/types";

/** True when an If-None-Match header names this ETag (or is `*`). Weak comparison, RFC 9110 §13.1.2. */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((t) => t.trim().replace(/^W\//, "") === bare);
}

/**
 * Sends a cached JSON body with its ETag and Cache-Control, or 304 when the client already
 * has it. `x-cache` says whether KV answered (HIT) or Postgres did (MISS).
 */
export function sendCachedJson(c: Context<AppEnv>, read: CacheRead, cacheControl: string): Response {
  const { entry } = read;
  const headers = {
    etag: entry.etag,
    "cache-control": cacheControl,
    "x-cache": read.hit ? "HIT" : "MISS",
    "x-request-id": c.get("requestId"),
    "server-timing": c.get("timing").header(),
  };
  if (matchesEtag(c.req.header("if-none-match"), entry.etag)) return new Response(null, { status: 304, headers });
  return new Response(encodedBody(entry), { status: 200, headers: { ...headers, "content-type": "application/json; charset=utf-8" } });
}

/**
 * A cached entry's body as UTF-8 bytes, encoded once per entry object: an entry from the
 * isolate's memory cache is the same object on every hit, so a hot body (the 24 KB skill
 * graph) is not re-encoded for every response.
 */
const encoded = new WeakMap<CacheEntry, Uint8Array>();
const encoder = new TextEncoder();
function encodedBody(entry: CacheEntry): Uint8Array | null {
  if (entry.body === null) return null;
  let bytes = encoded.get(entry);
  if (!bytes) {
    bytes = encoder.encode(entry.body);
    encoded.set(entry, bytes);
  }
  return bytes;
}

/**
 * A 200 whose body is already JSON of type `T` (serialised by a Durable Object, so the object's
 * answer crosses the RPC boundary as one string): sent as it is, with the headers `c.json`
 * would set, and typed for the route as `c.json(value, 200)` would be.
 */
export function sendJsonText<T>(c: Context<AppEnv>, json: JsonText<T>): TypedResponse<T, 200, "json"> {
  return c.body(json, 200, { "content-type": "application/json" }) as unknown as TypedResponse<T, 200, "json">;
}
