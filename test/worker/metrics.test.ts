/**
 * Metrics end to end inside workerd: requests reach the MetricsDO and /metrics, the operator
 * token guards it, Server-Timing is on responses, and an alert fires while its condition
 * holds for its duration and clears when it stops.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { emptyHistogram, record } from "../../src/ops/histogram";
import { MINUTE_MS, floorMinute } from "../../src/ops/snapshot";
import type { MetricBatch, MinuteBucket } from "../../src/ops/snapshot";
import { METRICS_OBJECT_NAME } from "../../workers/metrics/metrics-do";
import type { MetricsDO } from "../../workers/metrics/metrics-do";
import { api, json, problem, testEnv } from "./helpers";

const ops = () => ({ authorization: `Bearer ${testEnv.OPS_TOKEN}` });

interface AlertsBody {
  firing: Array<{ name: string; severity: string; value: number | null }>;
  pending: Array<{ name: string; heldSeconds: number }>;
  rules: number;
}

/** A synthetic minute: `n` requests to one route, `errors` of them 5xx, 40 ms each. */
function minuteWith(minute: number, n: number, errors: number): MinuteBucket {
  const latency = emptyHistogram();
  record(latency, 40, n);
  return {
    minute,
    routes: { "GET /v1/synthetic": { status: { "2xx": n - errors, "5xx": errors }, latency, phases: {} } },
    caches: {},
    outbox: null,
    gauges: {},
  };
}

describe("metrics", () => {
  it("counts requests by route pattern and status class, with cache hits, visible at /metrics after a flush", async () => {
    expect((await api("/healthz")).status).toBe(200);
    await api("/v1/skills");
    const second = await api("/v1/skills");
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect((await api("/v1/items/no-such-item-xyz")).status).toBe(404);
    expect((await api("/no/such/route")).status).toBe(404);

    const res = await api("/metrics", { headers: ops() });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toMatch(/^learning_http_requests_total\{method="GET",route="\/healthz",status_class="2xx"\} [1-9]\d*$/m);
    expect(text).toMatch(/^learning_http_requests_total\{method="GET",route="\/v1\/items\/:id",status_class="4xx"\} [1-9]\d*$/m);
    expect(text).toMatch(/^learning_http_requests_total\{method="GET",route="\(unmatched\)",status_class="4xx"\} [1-9]\d*$/m);
    expect(text).toMatch(/^learning_http_request_duration_seconds_bucket\{method="GET",route="\/v1\/skills",le="\+Inf"\} [1-9]\d*$/m);
    expect(text).toMatch(/^learning_cache_requests_total\{cache="content",result="hit"\} [1-9]\d*$/m);
    expect(text).toMatch(/^learning_phase_duration_seconds_count\{method="GET",route="\/v1\/skills",phase="kv"\} [1-9]\d*$/m);
    // Operator traffic is not counted.
    expect(text).not.toContain('route="/metrics"');

    const asJson = await api("/metrics?format=json&minutes=5", { headers: ops() });
    const report = await json<{ recent: { requests: number; routes: Array<{ route: string; count: number }> }; series: unknown[]; targets: { endpoints: unknown[] } }>(asJson);
    expect(report.recent.requests).toBeGreaterThan(0);
    expect(report.recent.routes.map((r) => r.route)).toContain("GET /v1/skills");
    expect(report.series.length).toBeGreaterThan(0);
    expect(report.targets.endpoints).toHaveLength(5);
    const byAccept = await api("/metrics", { headers: { ...ops(), accept: "application/json" } });
    expect(byAccept.headers.get("content-type")).toContain("application/json");
  });

  it("sends Server-Timing with the phases and the total", async () => {
    // An id no isolate has seen: past the in-memory layer to KV, then Postgres.
    const res = await api(`/v1/items/no-such-item-${Date.now().toString(36)}`);
    expect(res.headers.get("server-timing")).toMatch(/(^|, )kv;dur=[\d.]+/);
    expect(res.headers.get("server-timing")).toMatch(/(^|, )db;dur=[\d.]+/);
    expect(res.headers.get("server-timing")).toMatch(/total;dur=[\d.]+$/);
    expect((await api("/v1/skills")).headers.get("server-timing")).toMatch(/total;dur=/);
    expect((await api("/healthz")).headers.get("server-timing")).toMatch(/total;dur=/);
  });

  it("requires the operator token: none → 401, a wrong one → 403; the dashboard page itself is public", async () => {
    for (const path of ["/metrics", "/metrics?format=json", "/v1/ops/alerts", "/v1/ops/alerts/rules"]) {
      const none = await api(path);
      expect(none.status, path).toBe(401);
      expect((await problem(none)).type).toBe("/problems/unauthorized");
      const wrong = await api(path, { headers: { authorization: "Bearer not-the-operator-token" } });
      expect(wrong.status, path).toBe(403);
    }
    const page = await api("/ops/dashboard");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("/metrics?format=json");
    expect(html).not.toMatch(/<script[^>]+src=/);
    // The page's script is a template literal: no backslash escapes may hide in it.
    expect(html).not.toContain("\\");
  });

  it("serves the alert rules as a Prometheus rules file", async () => {
    const res = await api("/v1/ops/alerts/rules", { headers: ops() });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/yaml");
    const yaml = new TextDecoder().decode(await res.arrayBuffer());
    expect(yaml).toMatch(/^groups:$/m);
    expect(yaml).toContain("- alert: ErrorRateCritical");
  });

  it("fires ErrorRateCritical while 5 % of requests fail for a minute, and clears when they stop", async () => {
    const stub = env.METRICS.get(env.METRICS.idFromName(METRICS_OBJECT_NAME));
    // Well after any real traffic of this run, so only the injected minutes count.
    const t0 = floorMinute(Date.now()) + 3 * 60 * MINUTE_MS;
    const setClock = (t: number) => runInDurableObject(stub, (instance: MetricsDO) => void (instance.clock = () => t));
    const ingest = async (buckets: MinuteBucket[]) => {
      const batch: MetricBatch = { source: "test", sentAt: Date.now(), buckets };
      expect(await stub.ingest(batch)).toEqual({ ok: true, buckets: buckets.length });
    };
    const alerts = async () => json<AlertsBody>(await api("/v1/ops/alerts", { headers: ops() }));

    try {
      // 30 s into the first bad minute: holding, not yet for 1 min → pending.
      await setClock(t0 + 30_000);
      await ingest([minuteWith(t0 - MINUTE_MS, 200, 0), minuteWith(t0, 200, 10)]);
      let body = await alerts();
      expect(body.firing.map((a) => a.name)).not.toContain("ErrorRateCritical");
      expect(body.pending.map((a) => a.name)).toContain("ErrorRateCritical");

      // A full bad minute later: firing (critical, > 1 % for 1 min); the 5-minute warning is still pending.
      await setClock(t0 + MINUTE_MS + 30_000);
      await ingest([minuteWith(t0 + MINUTE_MS, 200, 10)]);
      body = await alerts();
      const critical = body.firing.find((a) => a.name === "ErrorRateCritical");
      expect(critical?.severity).toBe("critical");
      expect(critical?.value).toBeCloseTo(0.05, 5);
      expect(body.pending.map((a) => a.name)).toContain("ErrorRateWarning");
      expect(body.rules).toBeGreaterThan(10);
      const prom = await (await api("/metrics", { headers: ops() })).text();
      expect(prom).toMatch(/^learning_alerts\{alertname="ErrorRateCritical",severity="critical",alertstate="firing"\} 1$/m);

      // The errors stop: the next minute is clean, and the alert clears.
      await setClock(t0 + 2 * MINUTE_MS + 30_000);
      await ingest([minuteWith(t0 + 2 * MINUTE_MS, 200, 0)]);
      body = await alerts();
      expect(body.firing.map((a) => a.name)).not.toContain("ErrorRateCritical");
      expect(body.pending.map((a) => a.name)).not.toContain("ErrorRateCritical");
    } finally {
      await runInDurableObject(stub, (instance: MetricsDO) => void (instance.clock = () => Date.now()));
    }
  });

  it("rejects a malformed batch", async () => {
    const stub = env.METRICS.get(env.METRICS.idFromName(METRICS_OBJECT_NAME));
    const result = await stub.ingest({ source: "x", sentAt: 0, buckets: [{ minute: 123 }] });
    expect(result.ok).toBe(false);
  });
});
