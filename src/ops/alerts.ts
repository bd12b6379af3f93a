/**
 * Alert rules from the capacity plan, as configuration, and a pure evaluator over per-minute
 * metric buckets with Prometheus-style `for` durations.
 *
 * Semantics (kept close to Prometheus so the exported rules mean the same thing):
 * - A rule's value at minute m is computed over the `windowMinutes` buckets ending at m
 *   (e.g. availability over 5 minutes, error rate over 1).
 * - The condition must hold in every minute of an unbroken run ending now. The run's length
 *   counts real time: a run that started at minute s has held for min(now, last + 1 min) − s.
 *   So "error rate > 1 % for 1 min" fires one full bad minute after it started, not at the
 *   first bad request.
 * - A minute without enough data (fewer than `minSamples` requests or lookups) breaks the
 *   run: no traffic is not an outage signal here (a separate absence alert would be). The
 *   minute now in progress is skipped while it has no data yet, so an alert does not flap
 *   at every minute boundary.
 * - firing: held ≥ for; pending: holding but not yet for long enough; inactive otherwise.
 *   An alert clears as soon as the latest minute with data no longer meets the condition.
 */
import { emptyHistogram, mergeInto, quantile } from "./histogram";
import { MINUTE_MS, emptyMinute, floorMinute, mergeMinute, routeRequests } from "./snapshot";
import type { CounterName, MinuteBucket } from "./snapshot";
import { AVAILABILITY_TARGET, CACHE_HIT_TARGET, ENDPOINT_TARGETS, ERROR_RATE_TARGET } from "./targets";
import type { EndpointName } from "./targets";

export type Severity = "critical" | "warning";

export type AlertMetric =
  /** p95 of whole-request latency (ms), all routes or one endpoint. */
  | { kind: "latency_p95_ms"; endpoint?: EndpointName }
  /** p95 of one server-side phase (ms), e.g. "db". */
  | { kind: "phase_p95_ms"; phase: string }
  /** 5xx share of requests. */
  | { kind: "error_rate" }
  /** 4xx share of requests. */
  | { kind: "client_error_rate" }
  /** 1 − 5xx share. */
  | { kind: "availability" }
  /** hits ÷ lookups, all caches or the named ones. */
  | { kind: "cache_hit_ratio"; caches?: string[] }
  /** Oldest unflushed attempt in any learner outbox, ms. */
  | { kind: "outbox_lag_ms" }
  /** A sampled gauge's largest value in the minute (e.g. db_connections_utilisation). */
  | { kind: "gauge_max"; gauge: string }
  /** Events of named counters (snapshot.ts COUNTERS) in the window, summed. */
  | { kind: "counter_sum"; counters: CounterName[] };

export interface AlertRule {
  name: string;
  severity: Severity;
  summary: string;
  metric: AlertMetric;
  op: ">" | "<";
  threshold: number;
  /** How long the condition must hold before the alert fires, seconds. */
  forSeconds: number;
  /** Buckets each evaluation covers (a rolling window), minutes. */
  windowMinutes: number;
  /** Fewer requests or lookups than this in the window: no data. */
  minSamples: number;
  /** The same rule in PromQL over the names /metrics exposes. */
  promql: string;
}

const routeSelector = (endpoint: EndpointName): string => {
  const routes: Record<EndpointName, string> = {
    next: 'route=~"/v1/learners/:id/(mock-tests/:testId/)?next",method="POST"',
    attempt: 'route=~"/v1/learners/:id/(mock-tests/:testId/)?attempts",method="POST"',
    progress: 'route="/v1/learners/:id/progress",method="GET"',
    content: 'route=~"/v1/items/:id|/v1/skills",method="GET"',
    search: 'route="/v1/search",method="GET"',
  };
  return routes[endpoint];
};
const p95 = (selector: string, window: string) =>
  `histogram_quantile(0.95, sum by (le) (rate(learning_http_request_duration_seconds_bucket${selector ? `{${selector}}` : ""}[${window}])))`;
const share5xx = (window: string) =>
  `sum(rate(learning_http_requests_total{status_class="5xx"}[${window}])) / sum(rate(learning_http_requests_total[${window}]))`;

/**
 * The capacity plan's alert list. Critical: p95 > 500 ms for 2 min, error rate > 1 % for
 * 1 min, availability < 99 % for 5 min, database connections > 90 % for 2 min. Warning:
 * p95 > 300 ms for 5 min, error rate > 0.1 % for 5 min, cache hit ratio < 80 % for 10 min,
 * and the rest: every endpoint over its own target, a slow database, a growing outbox,
 * database connections filling up, client errors rising.
 */
export const ALERT_RULES: readonly AlertRule[] = [
  {
    // A 500 is a bug (dependency failures are 503s): one is enough to page.
    name: "InternalError",
    severity: "critical",
    summary: "a request failed with a bug (500); find it in the logs by its request id",
    metric: { kind: "counter_sum", counters: ["internal_errors"] },
    op: ">",
    threshold: 0,
    forSeconds: 0,
    windowMinutes: 5,
    minSamples: 0,
    promql: "increase(learning_internal_errors_total[5m]) > 0",
  },
  {
    name: "DependencyFailing",
    severity: "warning",
    summary: "calls to Postgres, KV, Redis or the model are failing",
    metric: { kind: "counter_sum", counters: ["dependency_failures_postgres", "dependency_failures_kv", "dependency_failures_redis", "dependency_failures_model"] },
    op: ">",
    threshold: 0,
    forSeconds: 60,
    windowMinutes: 1,
    minSamples: 0,
    promql:
      "increase(learning_dependency_failures_postgres_total[1m]) + increase(learning_dependency_failures_kv_total[1m]) + increase(learning_dependency_failures_redis_total[1m]) + increase(learning_dependency_failures_model_total[1m]) > 0",
  },
  {
    name: "LatencyP95Critical",
    severity: "critical",
    summary: "p95 latency above 500 ms",
    metric: { kind: "latency_p95_ms" },
    op: ">",
    threshold: 500,
    forSeconds: 120,
    windowMinutes: 1,
    minSamples: 20,
    promql: `${p95("", "1m")} > 0.5`,
  },
  {
    name: "ErrorRateCritical",
    severity: "critical",
    summary: "more than 1 % of requests fail with a server error",
    metric: { kind: "error_rate" },
    op: ">",
    threshold: 0.01,
    forSeconds: 60,
    windowMinutes: 1,
    minSamples: 20,
    promql: `${share5xx("1m")} > 0.01`,
  },
  {
    name: "AvailabilityCritical",
    severity: "critical",
    summary: `availability below ${AVAILABILITY_TARGET * 100} % over 5 minutes`,
    metric: { kind: "availability" },
    op: "<",
    threshold: AVAILABILITY_TARGET,
    forSeconds: 300,
    windowMinutes: 5,
    minSamples: 20,
    promql: `1 - (${share5xx("5m")}) < ${AVAILABILITY_TARGET}`,
  },
  {
    name: "DatabaseConnectionsCritical",
    severity: "critical",
    summary: "database connections above 90 % of the limit",
    metric: { kind: "gauge_max", gauge: "db_connections_utilisation" },
    op: ">",
    threshold: 0.9,
    forSeconds: 120,
    windowMinutes: 1,
    minSamples: 0,
    promql: "max(learning_db_connections_utilisation) > 0.9",
  },
  {
    name: "OutboxLagCritical",
    severity: "critical",
    summary: "attempts have waited more than 15 minutes to reach Postgres",
    metric: { kind: "outbox_lag_ms" },
    op: ">",
    threshold: 15 * MINUTE_MS,
    forSeconds: 300,
    windowMinutes: 5, // reports arrive at each flush retry, up to 5 min apart while Postgres is down
    minSamples: 0,
    promql: "max(learning_outbox_lag_seconds) > 900",
  },
  {
    name: "LatencyP95Warning",
    severity: "warning",
    summary: "p95 latency above 300 ms",
    metric: { kind: "latency_p95_ms" },
    op: ">",
    threshold: 300,
    forSeconds: 300,
    windowMinutes: 1,
    minSamples: 20,
    promql: `${p95("", "1m")} > 0.3`,
  },
  {
    name: "ErrorRateWarning",
    severity: "warning",
    summary: "more than 0.1 % of requests fail with a server error",
    metric: { kind: "error_rate" },
    op: ">",
    threshold: ERROR_RATE_TARGET,
    forSeconds: 300,
    windowMinutes: 1,
    minSamples: 20,
    promql: `${share5xx("1m")} > ${ERROR_RATE_TARGET}`,
  },
  {
    name: "CacheHitRatioLow",
    severity: "warning",
    summary: `content and search cache hit ratio below ${CACHE_HIT_TARGET * 100} %`,
    // The learner score cache is left out on purpose: every attempt invalidates it by design
    // (the next item after an answer is always freshly scored), so its ratio says little.
    metric: { kind: "cache_hit_ratio", caches: ["content", "search"] },
    op: "<",
    threshold: CACHE_HIT_TARGET,
    forSeconds: 600,
    windowMinutes: 1,
    minSamples: 20,
    promql: `sum(rate(learning_cache_requests_total{cache=~"content|search",result="hit"}[5m])) / sum(rate(learning_cache_requests_total{cache=~"content|search"}[5m])) < ${CACHE_HIT_TARGET}`,
  },
  ...ENDPOINT_TARGETS.map(
    (t): AlertRule => ({
      name: `EndpointLatency_${t.name}`,
      severity: "warning",
      summary: `${t.label} p95 above its ${t.p95Ms} ms target`,
      metric: { kind: "latency_p95_ms", endpoint: t.name },
      op: ">",
      threshold: t.p95Ms,
      forSeconds: 300,
      windowMinutes: 1,
      minSamples: 20,
      promql: `${p95(routeSelector(t.name), "5m")} > ${t.p95Ms / 1000}`,
    }),
  ),
  {
    name: "DatabaseSlow",
    severity: "warning",
    summary: "database phase p95 above 200 ms",
    metric: { kind: "phase_p95_ms", phase: "db" },
    op: ">",
    threshold: 200,
    forSeconds: 300,
    windowMinutes: 1,
    minSamples: 20,
    promql: 'histogram_quantile(0.95, sum by (le) (rate(learning_phase_duration_seconds_bucket{phase="db"}[5m]))) > 0.2',
  },
  {
    name: "DatabaseConnectionsHigh",
    severity: "warning",
    summary: "database connections above 75 % of the limit",
    metric: { kind: "gauge_max", gauge: "db_connections_utilisation" },
    op: ">",
    threshold: 0.75,
    forSeconds: 300,
    windowMinutes: 1,
    minSamples: 0,
    promql: "max(learning_db_connections_utilisation) > 0.75",
  },
  {
    name: "OutboxLagWarning",
    severity: "warning",
    summary: "attempts have waited more than 60 s to reach Postgres",
    metric: { kind: "outbox_lag_ms" },
    op: ">",
    threshold: MINUTE_MS,
    forSeconds: 300,
    windowMinutes: 5, // reports arrive at each flush retry, up to 5 min apart while Postgres is down
    minSamples: 0,
    promql: "max(learning_outbox_lag_seconds) > 60",
  },
  {
    // Learners are served as before (last published item parameters); only calibration stalls.
    name: "ItemStatsBacklog",
    severity: "warning",
    summary: "item statistics cannot reach Redis: flush aggregates wait in Postgres, calibration stalls",
    metric: { kind: "gauge_max", gauge: "item_stats_backlog" },
    op: ">",
    threshold: 0,
    forSeconds: 300,
    windowMinutes: 5, // writers report at each flush or retry, up to 5 min apart while Redis is down
    minSamples: 0,
    promql: "max(learning_item_stats_backlog) > 0",
  },
  {
    // Learners are served as before; the calibration job keeps the scale (anchorScale) but a
    // shift this large run after run means the knowledge model's dynamics do not fit the learners.
    name: "CalibrationScaleDrift",
    severity: "warning",
    summary: "the calibration job takes more than 0.3 logit of common shift out of its fits, run after run: learners' anchors disagree with the authored scale",
    metric: { kind: "gauge_max", gauge: "calibration_scale_shift" },
    op: ">",
    threshold: 0.3,
    forSeconds: 3600,
    windowMinutes: 30, // the cron runs every 15 minutes and reports only when it refitted items
    minSamples: 0,
    promql: "max(learning_calibration_scale_shift) > 0.3",
  },
  {
    name: "ClientErrorRateHigh",
    severity: "warning",
    summary: "more than 5 % of requests are rejected (4xx): a client or auth problem",
    metric: { kind: "client_error_rate" },
    op: ">",
    threshold: 0.05,
    forSeconds: 600,
    windowMinutes: 5,
    minSamples: 50,
    promql: 'sum(rate(learning_http_requests_total{status_class="4xx"}[5m])) / sum(rate(learning_http_requests_total[5m])) > 0.05',
  },
];

/** The rule's value over one merged window, or null when there is not enough data. */
export function metricValue(metric: AlertMetric, window: MinuteBucket, minSamples: number): number | null {
  switch (metric.kind) {
    case "latency_p95_ms":
    case "phase_p95_ms": {
      const h = emptyHistogram();
      for (const [key, r] of Object.entries(window.routes)) {
        if (metric.kind === "phase_p95_ms") {
          const p = r.phases[metric.phase];
          if (p) mergeInto(h, p);
        } else if (!metric.endpoint || ENDPOINT_TARGETS.find((t) => t.name === metric.endpoint)?.matches.test(key)) {
          mergeInto(h, r.latency);
        }
      }
      return h.n === 0 || h.n < minSamples ? null : quantile(h, 0.95);
    }
    case "error_rate":
    case "client_error_rate":
    case "availability": {
      let n = 0;
      let bad = 0;
      const cls = metric.kind === "client_error_rate" ? "4xx" : "5xx";
      for (const r of Object.values(window.routes)) {
        n += routeRequests(r);
        bad += r.status[cls] ?? 0;
      }
      if (n === 0 || n < minSamples) return null;
      return metric.kind === "availability" ? 1 - bad / n : bad / n;
    }
    case "cache_hit_ratio": {
      let hit = 0;
      let all = 0;
      for (const [name, c] of Object.entries(window.caches)) {
        if (metric.caches && !metric.caches.includes(name)) continue;
        hit += c.hit;
        all += c.hit + c.miss;
      }
      return all === 0 || all < minSamples ? null : hit / all;
    }
    case "outbox_lag_ms":
      return window.outbox ? window.outbox.lagMaxMs : null;
    case "gauge_max": {
      const g = window.gauges[metric.gauge];
      return g ? g.max : null;
    }
    case "counter_sum":
      return metric.counters.reduce((sum, name) => sum + (window.counters?.[name] ?? 0), 0);
  }
}

export type AlertState = "firing" | "pending" | "inactive";

export interface AlertStatus {
  name: string;
  severity: Severity;
  summary: string;
  state: AlertState;
  /** The rule's latest value (null: no data). */
  value: number | null;
  threshold: number;
  op: ">" | "<";
  forSeconds: number;
  /** Since when the condition has held (epoch ms), while pending or firing. */
  activeSince: number | null;
  /** How long it has held, seconds. */
  heldSeconds: number;
}

/**
 * Evaluates every rule at `now` over per-minute buckets (any order, gaps allowed).
 */
export function evaluateAlerts(rules: readonly AlertRule[], buckets: readonly MinuteBucket[], now: number): AlertStatus[] {
  const byMinute = new Map<number, MinuteBucket>();
  for (const b of buckets) {
    const existing = byMinute.get(b.minute);
    byMinute.set(b.minute, existing ? mergeMinute(structuredClone(existing), b) : b);
  }
  const windowAt = (minute: number, size: number): MinuteBucket => {
    if (size <= 1) return byMinute.get(minute) ?? emptyMinute(minute);
    const w = emptyMinute(minute);
    for (let m = minute - (size - 1) * MINUTE_MS; m <= minute; m += MINUTE_MS) {
      const b = byMinute.get(m);
      if (b) mergeMinute(w, b);
    }
    return w;
  };
  const current = floorMinute(now);
  return rules.map((rule) => {
    const holds = (v: number | null) => v !== null && (rule.op === ">" ? v > rule.threshold : v < rule.threshold);
    let latest = current;
    let value = metricValue(rule.metric, windowAt(latest, rule.windowMinutes), rule.minSamples);
    if (value === null) {
      // The minute in progress has no data yet: judge by the one before.
      latest = current - MINUTE_MS;
      value = metricValue(rule.metric, windowAt(latest, rule.windowMinutes), rule.minSamples);
    }
    let start: number | null = null;
    // The longest run we need to see is `for` plus one minute; stop looking further back.
    const horizon = latest - (Math.ceil(rule.forSeconds / 60) + 1) * MINUTE_MS;
    for (let m = latest; m >= horizon; m -= MINUTE_MS) {
      const v = m === latest ? value : metricValue(rule.metric, windowAt(m, rule.windowMinutes), rule.minSamples);
      if (!holds(v)) break;
      start = m;
    }
    const heldMs = start === null ? 0 : Math.max(0, Math.min(now, latest + MINUTE_MS) - start);
    const state: AlertState = start === null ? "inactive" : heldMs >= rule.forSeconds * 1000 ? "firing" : "pending";
    return {
      name: rule.name,
      severity: rule.severity,
      summary: rule.summary,
      state,
      value,
      threshold: rule.threshold,
      op: rule.op,
      forSeconds: rule.forSeconds,
      activeSince: start,
      heldSeconds: Math.round(heldMs / 1000),
    };
  });
}

// --- Prometheus alerting-rules file ------------------------------------------------------

const yamlString = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

function duration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** The rules as a Prometheus alerting-rules file (rule_files: in prometheus.yml). */
export function prometheusRulesYaml(rules: readonly AlertRule[] = ALERT_RULES): string {
  const lines = ["# Generated from src/ops/alerts.ts (ALERT_RULES): edit there, not here.", "groups:"];
  for (const severity of ["critical", "warning"] as const) {
    lines.push(`  - name: learning-platform-${severity}`, "    rules:");
    for (const r of rules.filter((x) => x.severity === severity)) {
      lines.push(
        `      - alert: ${r.name}`,
        `        expr: ${yamlString(r.promql)}`,
        `        for: ${duration(r.forSeconds)}`,
        "        labels:",
        `          severity: ${severity}`,
        "        annotations:",
        `          summary: ${yamlString(r.summary)}`,
        `          description: ${yamlString(`${r.summary} (threshold ${r.op} ${r.threshold}, for ${duration(r.forSeconds)}); value {{ $value }}`)}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
