import type { Context, TypedResponse } from "hono";
import type { AppEnv } from "./context";
import type { CacheRead } from "./kv-cache";
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
  return new Response(entry.body, { status: 200, headers: { ...headers, "content-type": "application/json; charset=utf-8" } });
}

/**
 * A 200 whose body is already JSON of type `T` (serialised by a Durable Object, so the object's
 * answer crosses the RPC boundary as one string): sent as it is, with the headers `c.json`
 * would set, and typed for the route as `c.json(value, 200)` would be.
 */
export function sendJsonText<T>(c: Context<AppEnv>, json: JsonText<T>): TypedResponse<T, 200, "json"> {
  return c.body(json, 200, { "content-type": "application/json" }) as unknown as TypedResponse<T, 200, "json">;
}
