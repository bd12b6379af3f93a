/**
 * k6 is not installable here, so this checks what the scenarios declare: the usage mix, the
 * thresholds (equal to the targets in src/ops/targets.ts), open-model executors, environment
 * scaling and the capacity table they write.
 */
import { describe, expect, it } from "vitest";
import { capacityTable } from "../../loadtests/lib/capacity.js";
import { ENDPOINTS, MIX, SCENARIOS, TARGETS, buildOptions, meanStepSeconds, seconds, thresholds } from "../../loadtests/lib/scenarios.js";
import { CACHE_HIT_TARGET, ENDPOINT_TARGETS, ERROR_RATE_TARGET } from "../../src/ops/targets";

describe("k6 scenarios", () => {
  it("follow the usage mix: 70 % practice, 20 % review, 10 % mock tests", () => {
    expect(MIX).toEqual({ practice: 0.7, review: 0.2, mock: 0.1 });
    expect(Object.values(MIX).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("declare thresholds equal to the targets", () => {
    const t = thresholds();
    expect(t["http_req_duration{endpoint:next}"]).toEqual(["p(95)<300"]);
    expect(t["http_req_duration{endpoint:attempt}"]).toEqual(["p(95)<500"]);
    expect(t["http_req_duration{endpoint:progress}"]).toEqual(["p(95)<200"]);
    expect(t["http_req_duration{endpoint:content}"]).toEqual(["p(95)<100"]);
    expect(t["http_req_duration{endpoint:search}"]).toEqual(["p(95)<1000"]);
    expect(t.http_req_failed).toEqual(["rate<0.001"]);
    expect(t.cache_hit).toEqual(["rate>0.8"]);
    expect(t.unanswered_items).toEqual(["count<1"]);
    // …and the server side (alerts, dashboard) uses the same numbers.
    for (const target of ENDPOINT_TARGETS) expect(TARGETS[target.name]).toBe(target.p95Ms);
    expect(ERROR_RATE_TARGET).toBe(0.001);
    expect(CACHE_HIT_TARGET).toBe(0.8);
    for (const e of ENDPOINTS) expect(t[`http_reqs{endpoint:${e}}`]).toEqual(["count>=0"]);
  });

  it("cover smoke, load, stress, capacity, spike, soak and chaos at the plan's sizes", () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(["capacity", "chaos", "load", "smoke", "soak", "spike", "stress"]);
    expect(SCENARIOS.smoke.users).toBe(100);
    expect(SCENARIOS.load.users).toBe(1000);
    expect(SCENARIOS.stress.users * Math.max(...SCENARIOS.stress.stages.map(([, l]) => l))).toBeGreaterThanOrEqual(5000);
    expect(SCENARIOS.capacity.users).toBe(10000);
    const spike = SCENARIOS.spike.stages;
    const jump = spike.findIndex(([, l]) => l === 5);
    expect(spike[jump - 1]?.[1]).toBe(1);
    expect(seconds(spike[jump]?.[0] ?? "")).toBeLessThanOrEqual(10);
    expect(seconds(SCENARIOS.soak.stages[0]?.[0] ?? "")).toBeGreaterThanOrEqual(3 * 3600);
  });

  it("use arrival-rate executors only (an open model), sized from users and think time", () => {
    for (const name of Object.keys(SCENARIOS) as Array<keyof typeof SCENARIOS>) {
      const o = buildOptions(name, {});
      const main = o.scenarios[name];
      expect(["constant-arrival-rate", "ramping-arrival-rate"]).toContain(main.executor);
      expect(main.exec).toBe("learnerStep");
      expect(main.maxVUs).toBeGreaterThan(main.preAllocatedVUs);
    }
    // 10,000 users at ~18.9 s a step → ~530 steps/s at full ramp.
    const cap = buildOptions("capacity", {}).scenarios.capacity;
    const peak = Math.max(...cap.stages.map((s: { target: number }) => s.target));
    expect(peak).toBeCloseTo(10000 / meanStepSeconds(1), 0);
    expect(cap.preAllocatedVUs).toBeGreaterThanOrEqual(10000);
  });

  it("scale down from the environment (users, rate, duration, think time)", () => {
    const o = buildOptions("load", { USERS: "20", THINK_SCALE: "0.1", DURATION: "2m" });
    const stages = o.scenarios.load.stages as Array<{ duration: string; target: number }>;
    expect(stages.reduce((a, s) => a + seconds(s.duration), 0)).toBeCloseTo(120, -1);
    expect(Math.max(...stages.map((s) => s.target))).toBeCloseTo(20 / meanStepSeconds(0.1), 1);
    const smoke = buildOptions("smoke", { RATE: "5", DURATION: "30s" }).scenarios.smoke;
    expect(smoke).toMatchObject({ executor: "constant-arrival-rate", rate: 50, timeUnit: "10s", duration: "30s" });
    const chaos = buildOptions("chaos", { DURATION: "4m" }).scenarios;
    expect(chaos.fault_start).toMatchObject({ exec: "faultStart", startTime: "60s" });
    expect(chaos.fault_stop).toMatchObject({ exec: "faultStop" });
  });
});

describe("capacity table (handleSummary)", () => {
  const summary = (p95: number, failed: number, cache: number, dropped = 0) => ({
    state: { testRunDurationMs: 120_000 },
    metrics: {
      ...Object.fromEntries(Object.keys(TARGETS).map((e) => [`http_req_duration{endpoint:${e}}`, { values: { "p(95)": p95, "p(99)": p95 * 1.5 } }])),
      http_reqs: { values: { rate: 42, count: 5040 } },
      "http_reqs{endpoint:next}": { values: { count: 2000 } },
      iterations: { values: { count: 2000 } },
      dropped_iterations: { values: { count: dropped } },
      http_req_failed: { values: { rate: failed } },
      cache_hit: { values: { rate: cache } },
      unanswered_items: { values: { count: 0 } },
      vus_max: { values: { max: 30 } },
    },
  });

  it("writes Metric | Value | Target | Status with PASS, WARN and FAIL", () => {
    const ok = capacityTable("smoke", summary(80, 0, 0.9), { date: "2026-01-01T00:00:00Z", users: 100 });
    expect(ok.overall).toBe("PASS");
    expect(ok.markdown).toContain("| Metric | Value | Target | Status |");
    expect(ok.markdown).toMatch(/\| next p95 \| 80 ms \| < 300 ms \| PASS \|/);
    expect(ok.json.requests.next).toBe(2000);
    expect(ok.json.durationSeconds).toBe(120);
    const warn = capacityTable("smoke", summary(110, 0.0005, 0.9), {});
    expect(warn.rows.find((r) => r.metric === "content p95")?.status).toBe("WARN");
    expect(warn.overall).toBe("WARN");
    const fail = capacityTable("smoke", summary(50, 0.02, 0.5, 100), {});
    expect(fail.rows.find((r) => r.metric === "error rate")?.status).toBe("FAIL");
    expect(fail.rows.find((r) => r.metric === "cache hit ratio")?.status).toBe("FAIL");
    expect(fail.rows.find((r) => r.metric === "throughput")?.status).toBe("FAIL");
    expect(fail.overall).toBe("FAIL");
  });
});
