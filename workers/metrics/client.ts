/**
 * How isolates reach the MetricsDO: the isolate's buffer, and flushing it through
 * `waitUntil` so no request waits for metrics.
 *
 * The buffer is module state on purpose — one per isolate is the point of per-isolate
 * aggregation — and it holds no environment binding: every flush is handed the namespace
 * of the request (or Durable Object) that triggers it.
 */
import { DEFAULT_FLUSH_POLICY, MetricsBuffer } from "./buffer";
import type { FlushPolicy, OutboxReport } from "./buffer";
import { METRICS_OBJECT_NAME } from "./metrics-do";
import type { MetricsDO } from "./metrics-do";

export type MetricsNamespace = DurableObjectNamespace<MetricsDO>;

/** This isolate's buffer. */
export const isolateMetrics = new MetricsBuffer();

export function metricsObject(ns: MetricsNamespace): DurableObjectStub<MetricsDO> {
  return ns.get(ns.idFromName(METRICS_OBJECT_NAME));
}

/** Reads the flush policy from vars (METRICS_FLUSH_INTERVAL_MS, METRICS_FLUSH_REQUESTS), with defaults. */
export function flushPolicyOf(env: { METRICS_FLUSH_INTERVAL_MS?: string; METRICS_FLUSH_REQUESTS?: string }): FlushPolicy {
  const num = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v !== undefined && Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  return {
    intervalMs: num(env.METRICS_FLUSH_INTERVAL_MS, DEFAULT_FLUSH_POLICY.intervalMs),
    maxRecords: Math.max(1, num(env.METRICS_FLUSH_REQUESTS, DEFAULT_FLUSH_POLICY.maxRecords)),
  };
}

/** Sends whatever the buffer holds; never throws (metrics must not fail a request). */
export async function flushMetrics(ns: MetricsNamespace, buffer: MetricsBuffer = isolateMetrics, now: number = Date.now()): Promise<void> {
  const batch = buffer.take(now);
  if (!batch) return;
  try {
    const result = await metricsObject(ns).ingest(batch);
    if (!result.ok) console.warn(`metrics batch rejected: ${result.detail}`);
  } catch (err) {
    console.warn("metrics flush failed (batch dropped)", err instanceof Error ? err.message : err);
  }
}

/** Flushes in the background when the policy says it is time. */
export function flushIfDue(ns: MetricsNamespace, waitUntil: (p: Promise<unknown>) => void, policy: FlushPolicy, buffer: MetricsBuffer = isolateMetrics): void {
  const now = Date.now();
  if (buffer.due(now, policy)) waitUntil(flushMetrics(ns, buffer, now));
}

/**
 * For the learner Durable Object, after each outbox flush (successful or not): records how
 * many attempts still wait and how old the oldest is, so the outbox's size and lag reach
 * /metrics and the OutboxLag alerts.
 *
 * @example
 * // in LearnerDO.alarm(), after flushOutbox(...):
 * const stats = this.store.outboxStats();
 * reportOutbox(this.env, this.ctx, { pending: stats.size, oldestAt: stats.oldestAt, failures: this.store.getNumber("outbox_failures") });
 */
export function reportOutbox(
  env: { METRICS: MetricsNamespace; METRICS_FLUSH_INTERVAL_MS?: string; METRICS_FLUSH_REQUESTS?: string },
  ctx: { waitUntil(p: Promise<unknown>): void },
  report: OutboxReport,
  buffer: MetricsBuffer = isolateMetrics,
): void {
  buffer.outbox(Date.now(), report);
  flushIfDue(env.METRICS, (p) => ctx.waitUntil(p), flushPolicyOf(env), buffer);
}

/** Records a sampled gauge (e.g. `db_connections_utilisation`, 0–1) from any isolate. */
export function reportGauge(
  env: { METRICS: MetricsNamespace; METRICS_FLUSH_INTERVAL_MS?: string; METRICS_FLUSH_REQUESTS?: string },
  ctx: { waitUntil(p: Promise<unknown>): void },
  name: string,
  value: number,
  buffer: MetricsBuffer = isolateMetrics,
): void {
  buffer.gauge(Date.now(), name, value);
  flushIfDue(env.METRICS, (p) => ctx.waitUntil(p), flushPolicyOf(env), buffer);
}
