/**
 * Prometheus text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Counters and histograms are cumulative since the MetricsDO started collecting (its
 * all-time totals), so `rate()` works as usual; latency is in seconds, as Prometheus
 * convention has it. Percentiles over the last few minutes are offered as gauges besides,
 * for people reading the page rather than a Prometheus server.
 */
import { cumulativeAt } from "./histogram";
import type { HistogramData } from "./histogram";
import { COUNTERS, STATUS_CLASSES, routeRequests } from "./snapshot";
import type { MinuteBucket, WindowSummary } from "./snapshot";
import type { AlertStatus } from "./alerts";

/** Upper bounds of the exported `le` buckets, ms. The stored buckets are far finer. */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 200, 300, 500, 1000, 2500, 5000, 10000] as const;

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

/** Numbers as Prometheus writes them (NaN, +Inf, -Inf spelled out). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(9)));
}

class Writer {
  private readonly lines: string[] = [];
  family(name: string, type: "counter" | "gauge" | "histogram", help: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`);
  }
  sample(name: string, labels: Labels, value: number): void {
    this.lines.push(`${name}${labelText(labels)} ${formatValue(value)}`);
  }
  histogram(name: string, labels: Labels, h: HistogramData): void {
    const counts = cumulativeAt(h, LATENCY_BOUNDS_MS);
    LATENCY_BOUNDS_MS.forEach((le, i) => this.sample(`${name}_bucket`, { ...labels, le: formatValue(le / 1000) }, counts[i] ?? 0));
    this.sample(`${name}_bucket`, { ...labels, le: "+Inf" }, h.n);
    this.sample(`${name}_sum`, labels, h.sum / 1000);
    this.sample(`${name}_count`, labels, h.n);
  }
  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

function splitRoute(key: string): { method: string; route: string } {
  const i = key.indexOf(" ");
  return i < 0 ? { method: "", route: key } : { method: key.slice(0, i), route: key.slice(i + 1) };
}

export interface PrometheusInput {
  /** All-time totals (cumulative counters and histograms). */
  totals: MinuteBucket;
  /** A recent window for percentile and gauge readings. */
  recent: WindowSummary;
  alerts: readonly AlertStatus[];
}

export function renderPrometheus({ totals, recent, alerts }: PrometheusInput): string {
  const w = new Writer();
  const routes = Object.entries(totals.routes).sort(([a], [b]) => a.localeCompare(b));

  w.family("learning_http_requests_total", "counter", "Requests by route pattern, method and status class.");
  for (const [key, r] of routes) {
    for (const cls of STATUS_CLASSES) {
      const n = r.status[cls];
      if (n) w.sample("learning_http_requests_total", { ...splitRoute(key), status_class: cls }, n);
    }
  }

  w.family("learning_http_request_duration_seconds", "histogram", "Whole-request latency inside the worker, by route pattern.");
  for (const [key, r] of routes) if (routeRequests(r) > 0) w.histogram("learning_http_request_duration_seconds", splitRoute(key), r.latency);

  w.family("learning_phase_duration_seconds", "histogram", "Server-side phases (Server-Timing: do, db, kv, score, model…) by route pattern.");
  for (const [key, r] of routes) {
    for (const [phase, h] of Object.entries(r.phases).sort(([a], [b]) => a.localeCompare(b))) {
      w.histogram("learning_phase_duration_seconds", { ...splitRoute(key), phase }, h);
    }
  }

  w.family("learning_cache_requests_total", "counter", "Cache lookups by cache (content, search, score) and result.");
  for (const [cache, c] of Object.entries(totals.caches).sort(([a], [b]) => a.localeCompare(b))) {
    w.sample("learning_cache_requests_total", { cache, result: "hit" }, c.hit);
    w.sample("learning_cache_requests_total", { cache, result: "miss" }, c.miss);
  }

  // Every known counter is exposed from the start (at 0), so a rule on it has a series to read.
  for (const [name, help] of Object.entries(COUNTERS)) {
    w.family(`learning_${name}_total`, "counter", help);
    w.sample(`learning_${name}_total`, {}, totals.counters?.[name] ?? 0);
  }

  const windowLabel = `${Math.round((recent.to - recent.from) / 60_000)}m`;
  w.family("learning_http_request_duration_quantile_seconds", "gauge", "Latency percentiles over the recent window, by route pattern.");
  for (const r of recent.routes) {
    for (const [q, v] of [["0.5", r.p50], ["0.95", r.p95], ["0.99", r.p99]] as const) {
      w.sample("learning_http_request_duration_quantile_seconds", { ...splitRoute(r.route), quantile: q, window: windowLabel }, v / 1000);
    }
  }
  w.family("learning_http_requests_per_second", "gauge", "Request rate over the recent window.");
  w.sample("learning_http_requests_per_second", { window: windowLabel }, recent.rps);
  w.family("learning_http_error_ratio", "gauge", "Share of requests answered with 5xx over the recent window (NaN: no requests).");
  w.sample("learning_http_error_ratio", { window: windowLabel }, recent.errorRate);
  w.family("learning_cache_hit_ratio", "gauge", "Cache hit ratio over the recent window.");
  for (const [cache, c] of Object.entries(recent.caches)) w.sample("learning_cache_hit_ratio", { cache, window: windowLabel }, c.ratio);

  if (recent.outbox) {
    w.family("learning_outbox_pending", "gauge", "Most attempts waiting in one learner's outbox (recent window).");
    w.sample("learning_outbox_pending", {}, recent.outbox.pendingMax);
    w.family("learning_outbox_lag_seconds", "gauge", "Age of the oldest attempt not yet in Postgres, worst learner (recent window).");
    w.sample("learning_outbox_lag_seconds", {}, recent.outbox.lagMaxMs / 1000);
  }
  for (const [name, g] of Object.entries(recent.gauges).sort(([a], [b]) => a.localeCompare(b))) {
    const metric = `learning_${name.replace(/[^a-zA-Z0-9_]/g, "_")}`;
    w.family(metric, "gauge", `Sampled gauge ${name} (last value).`);
    w.sample(metric, {}, g.last);
  }

  w.family("learning_alerts", "gauge", "Alert rules that are pending or firing (1), by name and severity.");
  for (const a of alerts) if (a.state !== "inactive") w.sample("learning_alerts", { alertname: a.name, severity: a.severity, alertstate: a.state }, 1);
  return w.text();
}
