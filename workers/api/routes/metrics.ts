/**
 * Operator metrics: `GET /metrics` (Prometheus text, or JSON with `?format=json` or
 * `Accept: application/json`), `GET /v1/ops/alerts` (rules pending or firing now),
 * `GET /v1/ops/alerts/rules` (the rules as a Prometheus alerting-rules file), all behind the
 * operator token, and `GET /ops/dashboard`, a public page whose data needs the token.
 *
 * Before reading, this isolate's own buffer is flushed, so a scrape sees its latest requests.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { ALERT_RULES, prometheusRulesYaml } from "../../../src/ops/alerts";
import { PROMETHEUS_CONTENT_TYPE } from "../../../src/ops/prometheus";
import { ENDPOINT_TARGETS, AVAILABILITY_TARGET, CACHE_HIT_TARGET, ERROR_RATE_TARGET, OVERALL_P95_TARGET_MS } from "../../../src/ops/targets";
import { flushMetrics, metricsObject } from "../../metrics/client";
import { DASHBOARD_HTML, dashboardCsp } from "../../metrics/dashboard";
import type { AppEnv } from "../lib/context";
import { requireOperator } from "../lib/ops-auth";

const security = [{ operatorToken: [] }];

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  summary: "Metrics: Prometheus text, or JSON (per-minute series, recent summary, alerts)",
  security,
  middleware: [requireOperator] as const,
  request: {
    query: z.object({
      format: z.enum(["prometheus", "json"]).optional(),
      minutes: z.coerce.number().int().min(1).max(1440).default(60).openapi({ description: "JSON: minutes of per-minute series" }),
    }),
  },
  responses: {
    200: {
      description: "Metrics",
      content: { "text/plain": { schema: z.string() }, "application/json": { schema: z.record(z.string(), z.unknown()).openapi("MetricsReport") } },
    },
  },
});

const AlertSchema = z
  .object({
    name: z.string(),
    severity: z.enum(["critical", "warning"]),
    summary: z.string(),
    state: z.enum(["firing", "pending", "inactive"]),
    value: z.number().nullable(),
    threshold: z.number(),
    op: z.enum([">", "<"]),
    forSeconds: z.number(),
    activeSince: z.number().nullable(),
    heldSeconds: z.number(),
  })
  .openapi("AlertStatus");

const alertsRoute = createRoute({
  method: "get",
  path: "/v1/ops/alerts",
  summary: "Alerts firing now (and pending ones: condition holding, not yet for long enough)",
  security,
  middleware: [requireOperator] as const,
  responses: {
    200: {
      description: "Alert states",
      content: { "application/json": { schema: z.object({ now: z.number(), firing: z.array(AlertSchema), pending: z.array(AlertSchema), rules: z.number() }) } },
    },
  },
});

const rulesRoute = createRoute({
  method: "get",
  path: "/v1/ops/alerts/rules",
  summary: "The alert rules as a Prometheus alerting-rules file (YAML)",
  security,
  middleware: [requireOperator] as const,
  responses: { 200: { description: "rules.yml", content: { "application/yaml": { schema: z.string() } } } },
});

/** Targets the dashboard draws (from src/ops/targets.ts). */
const TARGETS = {
  endpoints: ENDPOINT_TARGETS.map((t) => ({ name: t.name, label: t.label, p95Ms: t.p95Ms, matches: t.matches.source })),
  errorRate: ERROR_RATE_TARGET,
  cacheHitRatio: CACHE_HIT_TARGET,
  availability: AVAILABILITY_TARGET,
  overallP95Ms: OVERALL_P95_TARGET_MS,
};

export function registerMetricsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(metricsRoute, async (c) => {
    const { format, minutes } = c.req.valid("query");
    await flushMetrics(c.env.METRICS);
    const stub = metricsObject(c.env.METRICS);
    const wantsJson = format === "json" || (format === undefined && /application\/json/i.test(c.req.header("accept") ?? ""));
    if (wantsJson) {
      const report = await c.get("timing").measure("do", () => stub.report(minutes));
      return c.json({ ...report, targets: TARGETS }, 200, { "cache-control": "no-store" });
    }
    const text = await c.get("timing").measure("do", () => stub.prometheus());
    const res = c.text(text, 200, { "cache-control": "no-store" });
    res.headers.set("content-type", PROMETHEUS_CONTENT_TYPE);
    return res;
  });

  app.openapi(alertsRoute, async (c) => {
    await flushMetrics(c.env.METRICS);
    const stub = metricsObject(c.env.METRICS);
    const all = await c.get("timing").measure("do", () => stub.alerts());
    return c.json(
      { now: Date.now(), firing: all.filter((a) => a.state === "firing"), pending: all.filter((a) => a.state === "pending"), rules: all.length },
      200,
      { "cache-control": "no-store" },
    );
  });

  app.openapi(rulesRoute, (c) => {
    const res = c.text(prometheusRulesYaml(ALERT_RULES), 200);
    res.headers.set("content-type", "application/yaml; charset=utf-8");
    return res;
  });

  // The page is public (it holds no data); it asks for the operator token and sends it as a
  // Bearer header to /metrics?format=json. No CDN: everything is inline.
  app.get("/ops/dashboard", async (c) =>
    c.html(DASHBOARD_HTML, 200, {
      "cache-control": "no-store",
      "content-security-policy": await dashboardCsp(),
      "referrer-policy": "no-referrer",
    }),
  );
}
