/**
 * Per-isolate metric buffer. Each isolate (of the API worker, or of a learner Durable
 * Object) adds to its own minute buckets in memory — no I/O per request — and hands them to
 * the MetricsDO every few seconds or every N records, whichever comes first.
 *
 * Lossy by design: if the MetricsDO cannot be reached the batch is dropped (with a warning),
 * never retried inside a request; an isolate evicted between flushes loses at most its last
 * few seconds. The production sink, Workers Analytics Engine (see workers/api/lib/metrics.ts),
 * does not have that gap.
 */
import { emptyHistogram, record } from "../../src/ops/histogram";
import { emptyMinute, emptyRoute, floorMinute, mergeOutbox, statusClassOf } from "../../src/ops/snapshot";
import type { CounterName, MetricBatch, MinuteBucket, StatusClass } from "../../src/ops/snapshot";

export interface FlushPolicy {
  /** Flush at least this often while records arrive, ms. */
  intervalMs: number;
  /** …or once this many records are buffered. */
  maxRecords: number;
}

export const DEFAULT_FLUSH_POLICY: FlushPolicy = { intervalMs: 5_000, maxRecords: 200 };

export interface RequestRecord {
  /** "METHOD /route/:pattern". */
  route: string;
  status: number;
  latencyMs: number;
  /** Server-Timing phases, ms (several of one name are added up). */
  phases: Record<string, number>;
  cache?: { name: string; hit: boolean } | undefined;
}

export interface OutboxReport {
  /** Attempts still waiting in this learner's outbox. */
  pending: number;
  /** When the oldest of them was recorded (epoch ms), null when none. */
  oldestAt: number | null;
  /** Consecutive failed flushes. */
  failures?: number;
}

export class MetricsBuffer {
  private buckets = new Map<number, MinuteBucket>();
  private records = 0;
  /** Set at the first record: workerd forbids clocks and randomness in global scope, where the isolate's buffer is made. */
  private lastFlush: number | null = null;
  private sourceId: string | null;

  constructor(source?: string) {
    this.sourceId = source ?? null;
  }

  get source(): string {
    this.sourceId ??= crypto.randomUUID();
    return this.sourceId;
  }

  private bucket(now: number): MinuteBucket {
    this.lastFlush ??= now;
    const minute = floorMinute(now);
    let b = this.buckets.get(minute);
    if (!b) {
      b = emptyMinute(minute);
      this.buckets.set(minute, b);
    }
    this.records += 1;
    return b;
  }

  request(now: number, r: RequestRecord): void {
    const b = this.bucket(now);
    const route = (b.routes[r.route] ??= emptyRoute());
    const cls: StatusClass = statusClassOf(r.status);
    route.status[cls] = (route.status[cls] ?? 0) + 1;
    record(route.latency, r.latencyMs);
    for (const [name, ms] of Object.entries(r.phases)) record((route.phases[name] ??= emptyHistogram()), ms);
    if (r.cache) this.addCache(b, r.cache.name, r.cache.hit);
  }

  /** One event of a named counter (src/ops/snapshot.ts COUNTERS). */
  count(now: number, name: CounterName, n = 1): void {
    const b = this.bucket(now);
    const counters = (b.counters ??= {});
    counters[name] = (counters[name] ?? 0) + n;
  }

  cache(now: number, name: string, hit: boolean): void {
    this.addCache(this.bucket(now), name, hit);
  }

  private addCache(b: MinuteBucket, name: string, hit: boolean): void {
    const c = (b.caches[name] ??= { hit: 0, miss: 0 });
    if (hit) c.hit += 1;
    else c.miss += 1;
  }

  outbox(now: number, report: OutboxReport): void {
    const b = this.bucket(now);
    const pending = Math.max(0, report.pending);
    const lag = pending > 0 && report.oldestAt !== null ? Math.max(0, now - report.oldestAt) : 0;
    b.outbox = mergeOutbox(b.outbox, { reports: 1, pendingMax: pending, pendingSum: pending, lagMaxMs: lag, failuresMax: report.failures ?? 0 });
  }

  gauge(now: number, name: string, value: number): void {
    const b = this.bucket(now);
    const g = b.gauges[name];
    b.gauges[name] = g ? { last: value, max: Math.max(g.max, value), at: now } : { last: value, max: value, at: now };
  }

  get size(): number {
    return this.records;
  }

  due(now: number, policy: FlushPolicy): boolean {
    return this.records > 0 && (this.records >= policy.maxRecords || now - (this.lastFlush ?? now) >= policy.intervalMs);
  }

  /** Empties the buffer into one batch (null when there is nothing to send). */
  take(now: number): MetricBatch | null {
    this.lastFlush = now;
    if (this.records === 0) return null;
    const buckets = [...this.buckets.values()].sort((a, b) => a.minute - b.minute);
    this.buckets = new Map();
    this.records = 0;
    return { source: this.source, sentAt: now, buckets };
  }
}
