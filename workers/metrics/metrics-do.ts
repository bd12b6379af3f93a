/**
 * The MetricsDO: one SQLite-backed Durable Object (`idFromName("global")`) that merges the
 * per-minute buckets every isolate pushes, keeps them for RETENTION_MS, keeps all-time
 * totals for Prometheus counters, and answers summaries, alerts and the /metrics text.
 *
 * Load: an isolate flushes every few seconds, so the object sees (isolates ÷ 5 s) small
 * writes a second — comfortable for one object at the scale a local or staging run reaches.
 * In production the per-request sink is Workers Analytics Engine; this object is the part
 * that must answer /metrics and the alerts in one place. If it ever became hot, shard it by
 * source hash and merge on read (buckets merge in any order).
 *
 * Storage: `minutes(minute, data)` holds one JSON bucket per minute, `totals` one merged
 * bucket. Every ingest reads, merges and writes the few rows it touches in one synchronous
 * transaction, so concurrent flushes cannot lose each other's counts.
 */
import { DurableObject } from "cloudflare:workers";
import { ALERT_RULES, evaluateAlerts } from "../../src/ops/alerts";
import type { AlertStatus } from "../../src/ops/alerts";
import { renderPrometheus } from "../../src/ops/prometheus";
import { MINUTE_MS, emptyMinute, floorMinute, mergeMinute, minuteSeries, parseBatch, summarize } from "../../src/ops/snapshot";
import type { MinuteBucket, MinutePoint, WindowSummary } from "../../src/ops/snapshot";

export const METRICS_OBJECT_NAME = "global";
export const RETENTION_MS = 24 * 60 * MINUTE_MS;
/** Window of the "recent" readings (percentile gauges, the dashboard's headline numbers). */
export const RECENT_MINUTES = 5;

export interface MetricsReport {
  now: number;
  /** When collection started (first ingest ever), epoch ms. */
  since: number | null;
  recent: WindowSummary;
  series: MinutePoint[];
  alerts: AlertStatus[];
}

export type IngestResult = { ok: true; buckets: number } | { ok: false; detail: string };

export class MetricsDO extends DurableObject<Env> {
  /** Time source; tests replace it to walk an alert through its `for` duration. */
  clock: () => number = () => Date.now();
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec("CREATE TABLE IF NOT EXISTS minutes (minute INTEGER PRIMARY KEY, data TEXT NOT NULL)");
      this.sql.exec("CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 1), since INTEGER NOT NULL, data TEXT NOT NULL)");
    });
  }

  /** Merges one isolate's batch. The payload is validated: it crossed an RPC boundary. */
  async ingest(input: unknown): Promise<IngestResult> {
    let batch;
    try {
      batch = parseBatch(input);
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message.slice(0, 500) : "invalid batch" };
    }
    const now = this.clock();
    const oldest = floorMinute(now) - RETENTION_MS;
    this.ctx.storage.transactionSync(() => {
      const totalsRow = this.sql.exec<{ since: number; data: string }>("SELECT since, data FROM totals WHERE id = 1").toArray()[0];
      const totals = totalsRow ? (JSON.parse(totalsRow.data) as MinuteBucket) : emptyMinute(0);
      for (const b of batch.buckets) {
        mergeMinute(totals, b);
        if (b.minute < oldest) continue;
        const row = this.sql.exec<{ data: string }>("SELECT data FROM minutes WHERE minute = ?", b.minute).toArray()[0];
        const merged = row ? mergeMinute(JSON.parse(row.data) as MinuteBucket, b) : b;
        this.sql.exec("INSERT OR REPLACE INTO minutes (minute, data) VALUES (?, ?)", b.minute, JSON.stringify(merged));
      }
      this.sql.exec("INSERT OR REPLACE INTO totals (id, since, data) VALUES (1, ?, ?)", totalsRow?.since ?? now, JSON.stringify(totals));
      this.sql.exec("DELETE FROM minutes WHERE minute < ?", oldest);
    });
    return { ok: true, buckets: batch.buckets.length };
  }

  /** Summary of the last RECENT_MINUTES, a per-minute series of the last `minutes`, and the alerts. */
  async report(minutes = 60): Promise<MetricsReport> {
    const now = this.clock();
    const span = Math.min(Math.max(1, Math.floor(minutes)), RETENTION_MS / MINUTE_MS);
    const buckets = this.bucketsSince(floorMinute(now) - (span - 1) * MINUTE_MS);
    return {
      now,
      since: this.since(),
      recent: this.recent(buckets, now),
      series: minuteSeries(buckets, now),
      alerts: evaluateAlerts(ALERT_RULES, buckets, now),
    };
  }

  async alerts(): Promise<AlertStatus[]> {
    const now = this.clock();
    return evaluateAlerts(ALERT_RULES, this.bucketsSince(floorMinute(now) - 20 * MINUTE_MS), now);
  }

  /** The Prometheus text exposition. */
  async prometheus(): Promise<string> {
    const now = this.clock();
    const buckets = this.bucketsSince(floorMinute(now) - 20 * MINUTE_MS);
    const row = this.sql.exec<{ data: string }>("SELECT data FROM totals WHERE id = 1").toArray()[0];
    const totals = row ? (JSON.parse(row.data) as MinuteBucket) : emptyMinute(0);
    return renderPrometheus({ totals, recent: this.recent(buckets, now), alerts: evaluateAlerts(ALERT_RULES, buckets, now) });
  }

  private recent(buckets: readonly MinuteBucket[], now: number): WindowSummary {
    return summarize(buckets, now - RECENT_MINUTES * MINUTE_MS, now);
  }

  private since(): number | null {
    return this.sql.exec<{ since: number }>("SELECT since FROM totals WHERE id = 1").toArray()[0]?.since ?? null;
  }

  private bucketsSince(minute: number): MinuteBucket[] {
    return this.sql
      .exec<{ data: string }>("SELECT data FROM minutes WHERE minute >= ? ORDER BY minute", minute)
      .toArray()
      .map((r) => JSON.parse(r.data) as MinuteBucket);
  }
}
