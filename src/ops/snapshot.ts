/**
 * What is measured, as plain JSON: per-minute buckets that many isolates fill independently
 * and the MetricsDO merges (every field is a count, a max or a mergeable histogram, so the
 * order of merging never matters).
 */
import { z } from "zod";
import { emptyHistogram, mergeInto, percentiles } from "./histogram";
import type { HistogramData, Percentiles } from "./histogram";
import { endpointOf } from "./targets";

export const MINUTE_MS = 60_000;
export type StatusClass = "1xx" | "2xx" | "3xx" | "4xx" | "5xx";
export const STATUS_CLASSES: readonly StatusClass[] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

export interface RouteBucket {
  /** Requests by status class. */
  status: Partial<Record<StatusClass, number>>;
  /** Whole-request latency, ms. */
  latency: HistogramData;
  /** Server-side phases (Server-Timing names: do, db, kv, score, model…), ms. */
  phases: Record<string, HistogramData>;
}

export interface CacheCounts {
  hit: number;
  miss: number;
}

/** Learner outbox reports (one per flush of one learner's outbox). */
export interface OutboxStats {
  reports: number;
  /** Largest number of attempts waiting in one learner's outbox. */
  pendingMax: number;
  /** Sum of the pending counts reported (÷ reports = mean). */
  pendingSum: number;
  /** Age of the oldest unflushed attempt, worst learner, ms. */
  lagMaxMs: number;
  /** Most consecutive flush failures seen. */
  failuresMax: number;
}

/** A sampled value (e.g. database connections in use): last and largest in the minute. */
export interface GaugeSample {
  last: number;
  max: number;
  at: number;
}

export interface MinuteBucket {
  /** Start of the minute, epoch ms. */
  minute: number;
  /** Keyed "METHOD /route/:pattern". */
  routes: Record<string, RouteBucket>;
  caches: Record<string, CacheCounts>;
  outbox: OutboxStats | null;
  gauges: Record<string, GaugeSample>;
  /**
   * Event counts in the minute, by name (`COUNTERS`): bugs answered 500, failed calls to a
   * dependency, requests refused by a rate limit. Absent in batches from older isolates.
   */
  counters?: Record<string, number>;
}

/** The counters isolates report; /metrics exposes each as `learning_<name>_total`. */
export const COUNTERS = {
  internal_errors: "Requests answered 500: a bug, logged with its request id.",
  dependency_failures_postgres: "Failed calls to Postgres (answered 503 or served from a cache).",
  dependency_failures_kv: "Failed KV reads or writes (the origin or memory answered instead where it could).",
  dependency_failures_redis: "Failed calls to Redis.",
  dependency_failures_model: "Correctness model failures (the knowledge model answered instead).",
  rate_limited: "Requests refused with 429 by a rate limit.",
  outbox_rewritten_attempts:
    "Attempts a writer shard wrote again that Postgres already held (a lost acknowledgement, a learner or shard reset mid-flush): ignored there, never counted twice.",
} as const;
export type CounterName = keyof typeof COUNTERS;

/** One isolate's flush. */
export interface MetricBatch {
  /** Who sent it (isolate id), for debugging only. */
  source: string;
  sentAt: number;
  buckets: MinuteBucket[];
}

export function floorMinute(t: number): number {
  return Math.floor(t / MINUTE_MS) * MINUTE_MS;
}

export function emptyMinute(minute: number): MinuteBucket {
  return { minute, routes: {}, caches: {}, outbox: null, gauges: {} };
}

export function emptyRoute(): RouteBucket {
  return { status: {}, latency: emptyHistogram(), phases: {} };
}

export function routeRequests(r: RouteBucket): number {
  let n = 0;
  for (const c of STATUS_CLASSES) n += r.status[c] ?? 0;
  return n;
}

export function statusClassOf(status: number): StatusClass {
  const c = Math.floor(status / 100);
  return c <= 1 ? "1xx" : c === 2 ? "2xx" : c === 3 ? "3xx" : c === 4 ? "4xx" : "5xx";
}

export function mergeRoute(into: RouteBucket, from: RouteBucket): RouteBucket {
  for (const c of STATUS_CLASSES) {
    const v = from.status[c];
    if (v) into.status[c] = (into.status[c] ?? 0) + v;
  }
  mergeInto(into.latency, from.latency);
  for (const [name, h] of Object.entries(from.phases)) mergeInto((into.phases[name] ??= emptyHistogram()), h);
  return into;
}

export function mergeOutbox(a: OutboxStats | null, b: OutboxStats | null): OutboxStats | null {
  if (!a) return b ? { ...b } : null;
  if (!b) return a;
  return {
    reports: a.reports + b.reports,
    pendingMax: Math.max(a.pendingMax, b.pendingMax),
    pendingSum: a.pendingSum + b.pendingSum,
    lagMaxMs: Math.max(a.lagMaxMs, b.lagMaxMs),
    failuresMax: Math.max(a.failuresMax, b.failuresMax),
  };
}

/** Adds `from` into `into` (same minute or not: totals merge every minute into one). */
export function mergeMinute(into: MinuteBucket, from: MinuteBucket): MinuteBucket {
  for (const [key, r] of Object.entries(from.routes)) mergeRoute((into.routes[key] ??= emptyRoute()), r);
  for (const [name, c] of Object.entries(from.caches)) {
    const t = (into.caches[name] ??= { hit: 0, miss: 0 });
    t.hit += c.hit;
    t.miss += c.miss;
  }
  into.outbox = mergeOutbox(into.outbox, from.outbox);
  for (const [name, g] of Object.entries(from.gauges)) {
    const t = into.gauges[name];
    if (!t) into.gauges[name] = { ...g };
    else into.gauges[name] = { last: g.at >= t.at ? g.last : t.last, max: Math.max(t.max, g.max), at: Math.max(t.at, g.at) };
  }
  for (const [name, n] of Object.entries(from.counters ?? {})) {
    const counters = (into.counters ??= {});
    counters[name] = (counters[name] ?? 0) + n;
  }
  return into;
}

// --- validation (a batch crosses the RPC boundary into the MetricsDO) ----------------------

const count = z.number().finite().min(0);
const histogramSchema = z.object({ b: z.record(z.string().regex(/^-?\d+$/), count), n: count, sum: z.number().finite(), min: z.number().finite(), max: z.number().finite() });
const routeSchema = z.object({
  status: z.object({ "1xx": count.optional(), "2xx": count.optional(), "3xx": count.optional(), "4xx": count.optional(), "5xx": count.optional() }),
  latency: histogramSchema,
  phases: z.record(z.string().max(32), histogramSchema),
});
const minuteSchema = z.object({
  minute: z.number().int().refine((m) => m % MINUTE_MS === 0, "minute must be a minute boundary"),
  routes: z.record(z.string().max(200), routeSchema),
  caches: z.record(z.string().max(32), z.object({ hit: count, miss: count })),
  outbox: z.object({ reports: count, pendingMax: count, pendingSum: count, lagMaxMs: count, failuresMax: count }).nullable(),
  gauges: z.record(z.string().max(64), z.object({ last: z.number().finite(), max: z.number().finite(), at: z.number().finite() })),
  counters: z.record(z.string().max(64), count).optional(),
});
export const metricBatchSchema = z.object({ source: z.string().max(100), sentAt: z.number().finite(), buckets: z.array(minuteSchema).max(120) });

export function parseBatch(input: unknown): MetricBatch {
  return metricBatchSchema.parse(input) as MetricBatch;
}

// --- summaries (JSON, dashboard, alerts) ---------------------------------------------------

export interface RouteSummary extends Percentiles {
  route: string;
  endpoint: string | null;
  rps: number;
  errors5xx: number;
  errors4xx: number;
  errorRate: number;
  phases: Record<string, Percentiles>;
}

export interface WindowSummary {
  from: number;
  to: number;
  requests: number;
  rps: number;
  /** 5xx share. */
  errorRate: number;
  /** 4xx share. */
  clientErrorRate: number;
  /** 1 − 5xx share. */
  availability: number;
  latency: Percentiles;
  routes: RouteSummary[];
  phases: Record<string, Percentiles>;
  caches: Record<string, CacheCounts & { ratio: number }>;
  /** Content and search caches together (TARGET_CACHES). */
  cacheHitRatio: number;
  outbox: OutboxStats | null;
  gauges: Record<string, GaugeSample>;
  counters: Record<string, number>;
}

const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b);

/**
 * The caches the 80 % hit-ratio target is about: content and search (KV). The learner score
 * cache is reported on its own; every attempt invalidates it by design.
 */
export const TARGET_CACHES: readonly string[] = ["content", "search"];

/** Summarises buckets covering [from, to) (ms): rates are per second over that span. */
export function summarize(buckets: readonly MinuteBucket[], from: number, to: number): WindowSummary {
  const start = floorMinute(from);
  const all = emptyMinute(start);
  for (const b of buckets) if (b.minute >= start && b.minute < to) mergeMinute(all, b);
  // Whole buckets are counted, so the rate is over the span they cover (up to `to`).
  const seconds = Math.max(1, (to - start) / 1000);
  const latency = emptyHistogram();
  const phases: Record<string, HistogramData> = {};
  let requests = 0;
  let e5 = 0;
  let e4 = 0;
  const routes: RouteSummary[] = [];
  for (const [key, r] of Object.entries(all.routes).sort(([a], [b]) => a.localeCompare(b))) {
    const n = routeRequests(r);
    const r5 = r.status["5xx"] ?? 0;
    const r4 = r.status["4xx"] ?? 0;
    requests += n;
    e5 += r5;
    e4 += r4;
    mergeInto(latency, r.latency);
    for (const [p, h] of Object.entries(r.phases)) mergeInto((phases[p] ??= emptyHistogram()), h);
    routes.push({
      route: key,
      endpoint: endpointOf(key)?.name ?? null,
      ...percentiles(r.latency),
      count: n,
      rps: n / seconds,
      errors5xx: r5,
      errors4xx: r4,
      errorRate: ratio(r5, n),
      phases: Object.fromEntries(Object.entries(r.phases).map(([p, h]) => [p, percentiles(h)])),
    });
  }
  let hits = 0;
  let lookups = 0;
  const caches: WindowSummary["caches"] = {};
  for (const [name, c] of Object.entries(all.caches)) {
    if (TARGET_CACHES.includes(name)) {
      hits += c.hit;
      lookups += c.hit + c.miss;
    }
    caches[name] = { ...c, ratio: ratio(c.hit, c.hit + c.miss) };
  }
  return {
    from,
    to,
    requests,
    rps: requests / seconds,
    errorRate: ratio(e5, requests),
    clientErrorRate: ratio(e4, requests),
    availability: requests === 0 ? Number.NaN : 1 - e5 / requests,
    latency: percentiles(latency),
    routes,
    phases: Object.fromEntries(Object.entries(phases).map(([p, h]) => [p, percentiles(h)])),
    caches,
    cacheHitRatio: ratio(hits, lookups),
    outbox: all.outbox,
    gauges: all.gauges,
    counters: all.counters ?? {},
  };
}

/** One point per minute for the dashboard: compact, no histograms. */
export interface MinutePoint {
  minute: number;
  requests: number;
  rps: number;
  errorRate: number;
  clientErrorRate: number;
  cacheHitRatio: number;
  caches: Record<string, number>;
  outboxLagMs: number | null;
  /** route → [p50, p95, p99, count]. */
  routes: Record<string, [number, number, number, number]>;
}

export function minuteSeries(buckets: readonly MinuteBucket[], now: number): MinutePoint[] {
  return [...buckets]
    .sort((a, b) => a.minute - b.minute)
    .map((b) => {
      const end = Math.min(now, b.minute + MINUTE_MS);
      const s = summarize([b], b.minute, end > b.minute ? end : b.minute + MINUTE_MS);
      return {
        minute: b.minute,
        requests: s.requests,
        rps: s.rps,
        errorRate: s.errorRate,
        clientErrorRate: s.clientErrorRate,
        cacheHitRatio: s.cacheHitRatio,
        caches: Object.fromEntries(Object.entries(s.caches).map(([k, c]) => [k, c.ratio])),
        outboxLagMs: s.outbox ? s.outbox.lagMaxMs : null,
        routes: Object.fromEntries(s.routes.map((r) => [r.route, [r.p50, r.p95, r.p99, r.count] as [number, number, number, number]])),
      };
    });
}
