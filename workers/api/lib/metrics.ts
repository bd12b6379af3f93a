/**
 * Request metrics. After every request: its route pattern, status class, latency, the
 * Server-Timing phases the handler measured (do, db, kv, score, model, redis…) and, where a
 * cache answered or missed (the `x-cache` header: content, search, learner score cache),
 * one hit or miss. Two sinks:
 *
 * - **This isolate's buffer → the MetricsDO** (workers/metrics), flushed through
 *   `waitUntil` every few seconds or N requests (vars METRICS_FLUSH_INTERVAL_MS, default
 *   5000, and METRICS_FLUSH_REQUESTS, default 200). Readable everywhere, locally too:
 *   `/metrics`, `/v1/ops/alerts`, `/ops/dashboard`.
 * - **Workers Analytics Engine**, when a dataset is bound as ANALYTICS (staging and
 *   production in wrangler.toml): one data point per request, no aggregation loss.
 *   Schema — index1: route key; blob1 method, blob2 route pattern, blob3 status class,
 *   blob4 cache name, blob5 HIT/MISS/"", blob6 environment; double1 latency ms, double2
 *   status, double3 do ms, double4 db ms, double5 kv ms, double6 score ms, double7 model ms.
 *   Query it with the SQL API, e.g.
 *   `SELECT blob2, quantileWeighted(0.95)(double1, _sample_interval) AS p95
 *    FROM learning_api_requests_production WHERE timestamp > NOW() - INTERVAL '5' MINUTE GROUP BY blob2`.
 *
 * workerd advances its clock only at I/O, so time spent computing (scoring, inference)
 * inside one request shows as 0 in any in-isolate timer; `scripts/bench.ts` measures it
 * from outside instead, and production CPU time comes from Workers' own metrics.
 *
 * Operator routes (/metrics, /ops/*, /v1/ops/*) are not counted: they are not user traffic
 * and the scoring benchmark would distort every latency reading.
 *
 * @example
 * app.use("*", collectMetrics); // after the app shell (it needs `timing`)
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { RequestRecord } from "../../metrics/buffer";
import { flushIfDue, flushPolicyOf, isolateMetrics } from "../../metrics/client";
import type { AppEnv } from "./context";

export { reportOutbox, reportGauge } from "../../metrics/client";

const OPERATOR_PATH = /^\/(?:metrics$|ops\/|v1\/ops\/)/;
const PHASES_KEPT = /^[a-z][a-z0-9_-]{0,31}$/;

/** Which cache a route's `x-cache` header speaks for. */
export function cacheNameOf(routeKey: string): string | null {
  if (routeKey === "GET /v1/items/:id" || routeKey === "GET /v1/skills") return "content";
  if (routeKey === "GET /v1/search") return "search";
  // An attempt that asked for the next item (`next` in its body) says how that item was ranked.
  if (/^POST \/v1\/learners\/:id\/(?:(?:mock-tests\/:[A-Za-z]+\/)?next|attempts)$/.test(routeKey)) return "score";
  return null;
}

/** "METHOD /pattern", or "METHOD (unmatched)" when no route handled it (bounded cardinality). */
export function routeKeyOf(c: Context<AppEnv>): string {
  const path = routePath(c, -1);
  return `${c.req.method} ${!path || path.includes("*") ? "(unmatched)" : path}`;
}

export const collectMetrics: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (OPERATOR_PATH.test(c.req.path)) return;
  const timing = c.get("timing");
  const route = routeKeyOf(c);
  const status = c.res.status;
  const phases = timing.totals((name) => PHASES_KEPT.test(name));
  const cacheName = cacheNameOf(route);
  const xCache = cacheName ? c.res.headers.get("x-cache")?.toUpperCase() : undefined;
  const cache = cacheName && (xCache === "HIT" || xCache === "MISS") ? { name: cacheName, hit: xCache === "HIT" } : undefined;
  const rec: RequestRecord = { route, status, latencyMs: timing.elapsed(), phases, cache };
  isolateMetrics.request(Date.now(), rec);
  writeAnalytics(c, rec);
  flushIfDue(c.env.METRICS, (p) => c.executionCtx.waitUntil(p), flushPolicyOf(c.env));
};

function writeAnalytics(c: Context<AppEnv>, r: RequestRecord): void {
  const dataset = c.env.ANALYTICS;
  if (!dataset) return;
  const space = r.route.indexOf(" ");
  try {
    dataset.writeDataPoint({
      indexes: [r.route.slice(0, 96)],
      blobs: [r.route.slice(0, space), r.route.slice(space + 1), `${Math.floor(r.status / 100)}xx`, r.cache?.name ?? "", r.cache ? (r.cache.hit ? "HIT" : "MISS") : "", c.get("config").ENVIRONMENT],
      doubles: [r.latencyMs, r.status, r.phases.do ?? 0, r.phases.db ?? 0, r.phases.kv ?? 0, r.phases.score ?? 0, r.phases.model ?? 0],
    });
  } catch (err) {
    console.warn("analytics engine write failed", err instanceof Error ? err.message : err);
  }
}
