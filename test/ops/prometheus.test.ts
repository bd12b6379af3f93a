import { describe, expect, it } from "vitest";
import { ALERT_RULES, evaluateAlerts } from "../../src/ops/alerts";
import { emptyHistogram, record } from "../../src/ops/histogram";
import { LATENCY_BOUNDS_MS, escapeLabelValue, formatValue, renderPrometheus } from "../../src/ops/prometheus";
import { MINUTE_MS, emptyMinute, mergeMinute, minuteSeries, summarize } from "../../src/ops/snapshot";
import type { MinuteBucket } from "../../src/ops/snapshot";

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

function bucket(i: number): MinuteBucket {
  const a = emptyHistogram();
  for (const v of [4, 8, 12, 30, 45, 90, 250, 700]) record(a, v, 10);
  const kv = emptyHistogram();
  record(kv, 2, 80);
  const b = emptyHistogram();
  record(b, 20, 30);
  return {
    minute: T0 + i * MINUTE_MS,
    routes: {
      "GET /v1/items/:id": { status: { "2xx": 78, "4xx": 2 }, latency: a, phases: { kv } },
      "POST /v1/learners/:id/next": { status: { "2xx": 29, "5xx": 1 }, latency: b, phases: {} },
    },
    caches: { content: { hit: 70, miss: 8 }, 'we"ird\\name\n': { hit: 1, miss: 0 } },
    outbox: { reports: 4, pendingMax: 7, pendingSum: 12, lagMaxMs: 2500, failuresMax: 0 },
    gauges: {},
  };
}

/** The text-format grammar: comments, or `name{labels} value`. */
const LINE = /^(?:# (?:HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"(?:,(?!\}))?)*\})? (?:NaN|[+-]Inf|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?))$/;

describe("Prometheus text format", () => {
  const buckets = [bucket(0), bucket(1)];
  const totals = buckets.reduce((t, b) => mergeMinute(t, b), emptyMinute(0));
  const now = T0 + 2 * MINUTE_MS - 1;
  const text = renderPrometheus({ totals, recent: summarize(buckets, now - 5 * MINUTE_MS, now), alerts: evaluateAlerts(ALERT_RULES, buckets, now) });
  const lines = text.trimEnd().split("\n");

  it("every line is a HELP/TYPE comment or a well-formed sample, and ends with a newline", () => {
    expect(text.endsWith("\n")).toBe(true);
    for (const l of lines) expect(l).toMatch(LINE);
  });

  it("declares each family once, before its samples", () => {
    const types = lines.filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]);
    expect(new Set(types).size).toBe(types.length);
    for (const l of lines.filter((x) => !x.startsWith("#"))) {
      const name = l.split(/[{ ]/)[0] ?? "";
      const family = name.replace(/_(bucket|sum|count)$/, "");
      const typeLine = lines.findIndex((x) => x === `# TYPE ${family} histogram` || x.startsWith(`# TYPE ${name} `));
      expect(typeLine, name).toBeGreaterThanOrEqual(0);
      expect(typeLine).toBeLessThan(lines.indexOf(l));
    }
  });

  it("counts requests by route, method and status class, cumulatively", () => {
    expect(lines).toContain('learning_http_requests_total{method="GET",route="/v1/items/:id",status_class="2xx"} 156');
    expect(lines).toContain('learning_http_requests_total{method="POST",route="/v1/learners/:id/next",status_class="5xx"} 2');
  });

  it("writes histograms in seconds with cumulative le buckets ending at +Inf = count", () => {
    const prefix = 'learning_http_request_duration_seconds_bucket{method="GET",route="/v1/items/:id",le="';
    const values = lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.split(" ").pop()));
    expect(values).toHaveLength(LATENCY_BOUNDS_MS.length + 1);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1] ?? 0);
    expect(lines).toContain(`${prefix}+Inf"} 160`);
    expect(lines).toContain(`${prefix}0.01"} 40`);
    expect(lines).toContain('learning_http_request_duration_seconds_count{method="GET",route="/v1/items/:id"} 160');
    expect(lines.find((l) => l.startsWith('learning_http_request_duration_seconds_sum{method="GET"'))).toBe(
      `learning_http_request_duration_seconds_sum{method="GET",route="/v1/items/:id"} ${formatValue((2 * 10 * (4 + 8 + 12 + 30 + 45 + 90 + 250 + 700)) / 1000)}`,
    );
    expect(lines).toContain('learning_phase_duration_seconds_count{method="GET",route="/v1/items/:id",phase="kv"} 160');
  });

  it("escapes label values and spells out special numbers", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(lines).toContain('learning_cache_requests_total{cache="we\\"ird\\\\name\\n",result="hit"} 2');
    expect([formatValue(Number.NaN), formatValue(Number.POSITIVE_INFINITY), formatValue(0.1 + 0.2), formatValue(3)]).toEqual(["NaN", "+Inf", "0.3", "3"]);
  });

  it("adds recent percentiles, rates, cache ratio, outbox and alerts as gauges", () => {
    expect(text).toMatch(/^learning_http_request_duration_quantile_seconds\{method="POST",route="\/v1\/learners\/:id\/next",quantile="0.95",window="5m"\} 0\.0\d+$/m);
    expect(text).toMatch(/^learning_cache_hit_ratio\{cache="content",window="5m"\} 0\.897\d*$/m);
    expect(lines).toContain("learning_outbox_lag_seconds 2.5");
    expect(lines).toContain("learning_outbox_pending 7");
    expect(text).toMatch(/^learning_alerts\{alertname="ErrorRateWarning",severity="warning",alertstate="(pending|firing)"\} 1$/m);
  });
});

describe("summaries", () => {
  it("give per-minute points and window rates", () => {
    const buckets = [bucket(0), bucket(1)];
    const s = summarize(buckets, T0, T0 + 2 * MINUTE_MS);
    expect(s.requests).toBe(220);
    expect(s.rps).toBeCloseTo(220 / 120, 9);
    expect(s.errorRate).toBeCloseTo(2 / 220, 9);
    expect(s.clientErrorRate).toBeCloseTo(4 / 220, 9);
    expect(s.caches.content?.ratio).toBeCloseTo(140 / 156, 9);
    // The hit-ratio target covers content and search only.
    expect(s.cacheHitRatio).toBeCloseTo(140 / 156, 9);
    const series = minuteSeries(buckets, T0 + 2 * MINUTE_MS);
    expect(series.map((p) => p.minute)).toEqual([T0, T0 + MINUTE_MS]);
    expect(series[0]?.routes["POST /v1/learners/:id/next"]?.[3]).toBe(30);
  });
});
