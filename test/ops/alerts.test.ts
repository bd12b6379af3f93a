import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALERT_RULES, evaluateAlerts, prometheusRulesYaml } from "../../src/ops/alerts";
import type { AlertRule, AlertStatus } from "../../src/ops/alerts";
import { emptyHistogram, record } from "../../src/ops/histogram";
import { MINUTE_MS } from "../../src/ops/snapshot";
import type { MinuteBucket } from "../../src/ops/snapshot";

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

function minute(i: number, opts: { n?: number; errors?: number; latencyMs?: number; route?: string; hit?: number; miss?: number; lagMs?: number; dbUtil?: number } = {}): MinuteBucket {
  const n = opts.n ?? 100;
  const latency = emptyHistogram();
  record(latency, opts.latencyMs ?? 30, n);
  const m = T0 + i * MINUTE_MS;
  return {
    minute: m,
    routes: { [opts.route ?? "GET /v1/items/:id"]: { status: { "2xx": n - (opts.errors ?? 0), "5xx": opts.errors ?? 0 }, latency, phases: {} } },
    caches: opts.hit === undefined ? {} : { content: { hit: opts.hit, miss: opts.miss ?? 0 } },
    outbox: opts.lagMs === undefined ? null : { reports: 1, pendingMax: 3, pendingSum: 3, lagMaxMs: opts.lagMs, failuresMax: 0 },
    gauges: opts.dbUtil === undefined ? {} : { db_connections_utilisation: { last: opts.dbUtil, max: opts.dbUtil, at: m } },
  };
}

const rule = (name: string): AlertRule => {
  const r = ALERT_RULES.find((x) => x.name === name);
  if (!r) throw new Error(`no rule ${name}`);
  return r;
};
const state = (statuses: AlertStatus[], name: string) => statuses.find((s) => s.name === name)?.state;
/** Evaluates at `seconds` after T0. */
const at = (buckets: MinuteBucket[], seconds: number, rules: readonly AlertRule[] = ALERT_RULES) => evaluateAlerts(rules, buckets, T0 + seconds * 1000);

describe("alert rules", () => {
  it("carry the capacity plan's critical and warning thresholds", () => {
    const expectRule = (name: string, op: string, threshold: number, forSeconds: number, severity: string) => {
      const r = rule(name);
      expect([r.op, r.threshold, r.forSeconds, r.severity]).toEqual([op, threshold, forSeconds, severity]);
    };
    expectRule("LatencyP95Critical", ">", 500, 120, "critical");
    expectRule("ErrorRateCritical", ">", 0.01, 60, "critical");
    expectRule("AvailabilityCritical", "<", 0.99, 300, "critical");
    expectRule("DatabaseConnectionsCritical", ">", 0.9, 120, "critical");
    expectRule("LatencyP95Warning", ">", 300, 300, "warning");
    expectRule("ErrorRateWarning", ">", 0.001, 300, "warning");
    expectRule("CacheHitRatioLow", "<", 0.85, 600, "warning");
    expect(new Set(ALERT_RULES.map((r) => r.name)).size).toBe(ALERT_RULES.length);
  });

  it("fires when the error rate holds above 1 % for a minute, and clears when it stops", () => {
    const healthy = [minute(-3), minute(-2), minute(-1)];
    const bad = [...healthy, minute(0, { errors: 5 }), minute(1, { errors: 3 })];
    expect(state(at(healthy, 30), "ErrorRateCritical")).toBe("inactive");
    // 30 s into the first bad minute: holding, not yet for 60 s.
    expect(state(at(bad.slice(0, 4), 30), "ErrorRateCritical")).toBe("pending");
    // One full bad minute and into the next: 90 s held.
    const firing = at(bad, 90).find((s) => s.name === "ErrorRateCritical");
    expect(firing).toMatchObject({ state: "firing", activeSince: T0, heldSeconds: 90 });
    expect(firing?.value).toBeCloseTo(0.03, 9);
    // The warning (> 0.1 % for 5 min) is only pending.
    expect(state(at(bad, 90), "ErrorRateWarning")).toBe("pending");
    // A clean minute: cleared at once.
    expect(state(at([...bad, minute(2)], 150), "ErrorRateCritical")).toBe("inactive");
  });

  it("needs the whole duration: p95 > 500 ms fires after 2 minutes, not 1", () => {
    const slow = [minute(0, { latencyMs: 800 }), minute(1, { latencyMs: 800 }), minute(2, { latencyMs: 800 })];
    expect(state(at(slow.slice(0, 2), 100), "LatencyP95Critical")).toBe("pending");
    expect(state(at(slow, 130), "LatencyP95Critical")).toBe("firing");
    // p95 > 300 for 5 min: still pending at 130 s.
    expect(state(at(slow, 130), "LatencyP95Warning")).toBe("pending");
    // A gap in the run resets it.
    expect(state(at([minute(0, { latencyMs: 800 }), minute(1), minute(2, { latencyMs: 800 })], 150), "LatencyP95Critical")).toBe("pending");
  });

  it("does not flap at a minute boundary: an empty current minute is judged by the one before", () => {
    const bad = [minute(0, { errors: 10 }), minute(1, { errors: 10 })];
    expect(state(at(bad, 121), "ErrorRateCritical")).toBe("firing");
  });

  it("treats too little traffic as no data, not as an outage", () => {
    const quiet = [minute(0, { n: 3, errors: 1 }), minute(1, { n: 3, errors: 1 })];
    expect(state(at(quiet, 100), "ErrorRateCritical")).toBe("inactive");
    expect(at(quiet, 100).find((s) => s.name === "ErrorRateCritical")?.value).toBeNull();
  });

  it("availability is judged over a 5-minute window; cache ratio over 10 minutes; per-endpoint targets by route", () => {
    const outage = Array.from({ length: 6 }, (_, i) => minute(i, { errors: 2 }));
    expect(state(at(outage, 330), "AvailabilityCritical")).toBe("firing");
    const cold = Array.from({ length: 11 }, (_, i) => minute(i, { hit: 50, miss: 50 }));
    expect(state(at(cold, 630), "CacheHitRatioLow")).toBe("firing");
    expect(state(at(cold.slice(0, 5), 300), "CacheHitRatioLow")).toBe("pending");
    const slowNext = Array.from({ length: 6 }, (_, i) => minute(i, { route: "POST /v1/learners/:id/next", latencyMs: 350 }));
    const s = at(slowNext, 330);
    expect(state(s, "EndpointLatency_next")).toBe("firing");
    expect(state(s, "EndpointLatency_content")).toBe("inactive");
  });

  it("outbox lag and database connections alert from their reports", () => {
    const stuck = Array.from({ length: 7 }, (_, i) => minute(i, { lagMs: 20 * MINUTE_MS, dbUtil: 0.95 }));
    const s = at(stuck, 400);
    expect(state(s, "OutboxLagCritical")).toBe("firing");
    expect(state(s, "OutboxLagWarning")).toBe("firing");
    expect(state(s, "DatabaseConnectionsCritical")).toBe("firing");
  });

  it("item statistics stuck outside Redis alert after 5 minutes, and clear when the backlog is sent", () => {
    const gauge = (i: number, v: number): MinuteBucket => ({ ...minute(i), gauges: { item_stats_backlog: { last: v, max: v, at: T0 + i * MINUTE_MS } } });
    const down = Array.from({ length: 7 }, (_, i) => gauge(i, 1));
    expect(state(at(down.slice(0, 2), 90), "ItemStatsBacklog")).not.toBe("firing");
    expect(state(at(down, 400), "ItemStatsBacklog")).toBe("firing");
    const back = [...down, ...Array.from({ length: 6 }, (_, i) => gauge(7 + i, 0))];
    expect(state(at(back, 770), "ItemStatsBacklog")).not.toBe("firing");
  });

  it("a calibration scale shift that stays above 0.3 for an hour of runs (every 15 minutes) alerts; one run or small shifts do not", () => {
    const runs = (v: number, count: number): MinuteBucket[] => Array.from({ length: count }, (_, k) => ({ ...minute(15 * k), gauges: { calibration_scale_shift: { last: v, max: v, at: T0 + 15 * k * MINUTE_MS } } }));
    expect(state(at(runs(0.5, 1), 60), "CalibrationScaleDrift")).not.toBe("firing");
    expect(state(at(runs(0.5, 6), 76 * 60), "CalibrationScaleDrift")).toBe("firing");
    expect(state(at(runs(0.1, 6), 76 * 60), "CalibrationScaleDrift")).not.toBe("firing");
  });
});

describe("Prometheus rules export", () => {
  const yaml = prometheusRulesYaml();

  it("writes one rule per alert, with expr, for, severity and summary", () => {
    expect(yaml.split("\n")[1]).toBe("groups:");
    for (const r of ALERT_RULES) {
      const block = yaml.slice(yaml.indexOf(`      - alert: ${r.name}\n`));
      expect(block, r.name).toMatch(new RegExp(`^      - alert: ${r.name}\\n        expr: "[^\\n]+"\\n        for: \\d+[sm]\\n        labels:\\n          severity: ${r.severity}\\n`));
    }
    expect(yaml).toContain('expr: "sum(rate(learning_http_requests_total{status_class=\\"5xx\\"}[1m])) / sum(rate(learning_http_requests_total[1m])) > 0.01"\n        for: 1m');
    expect(yaml).toContain("- alert: LatencyP95Critical\n        expr: \"histogram_quantile(0.95, sum by (le) (rate(learning_http_request_duration_seconds_bucket[1m]))) > 0.5\"\n        for: 2m");
    // Only two-space indentation, no tabs: YAML.
    expect(yaml).not.toMatch(/\t/);
  });

  it("matches config/prometheus-alerts.yml (regenerate it after changing ALERT_RULES)", () => {
    // npx tsx -e 'import { prometheusRulesYaml } from "./src/ops/alerts.ts"; import { writeFileSync } from "node:fs"; writeFileSync("config/prometheus-alerts.yml", prometheusRulesYaml());'
    expect(readFileSync("config/prometheus-alerts.yml", "utf8")).toBe(yaml);
  });
});
