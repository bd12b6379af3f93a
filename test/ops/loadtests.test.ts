/**
 * What the k6 scenarios declare and decide, checked in Node (k6 itself runs them; see
 * loadtests/README.md): the per-step mix, the thresholds (equal to the targets in
 * src/ops/targets.ts, and all able to fail), open-model executors, the stage shapes (the
 * peak held for DURATION), the learner population dealt over VUs, mock-test recovery after
 * 409, the knee search and the reports they write.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { capacityTable, seedLine, seedRow } from "../../loadtests/lib/capacity.js";
import { attemptEndedTest, testAfterNext, testAfterStart } from "../../loadtests/lib/mock-state.js";
import {
  CACHE_HIT_TARGET,
  ENDPOINTS,
  ERROR_RATE_TARGET,
  MIX,
  PLAN_BASELINE,
  SCENARIOS,
  TARGETS,
  buildOptions,
  expectedIterations,
  meanStepSeconds,
  ownedLearners,
  pickStep,
  seconds,
  thresholds,
  warmupSeconds,
} from "../../loadtests/lib/scenarios.js";
import { kneeMarkdown, kneeOf, nextRate } from "../../loadtests/tools/knee-lib";
import type { KneePlan, KneeStep } from "../../loadtests/tools/knee-lib";
import { k6Binary, runK6 } from "../../loadtests/tools/k6-run";
import { ENDPOINT_TARGETS, ERROR_RATE_TARGET as SERVER_ERROR_RATE_TARGET } from "../../src/ops/targets";

type Stage = { duration: string; target: number };

/** Seconds each stage holds the peak rate (starts and ends at it). */
function peakHold(stages: Stage[]): number {
  const peak = Math.max(...stages.map((s) => s.target));
  let previous = 0;
  let hold = 0;
  for (const s of stages) {
    if (s.target === peak && previous === peak) hold += seconds(s.duration);
    previous = s.target;
  }
  return hold;
}

/** A deterministic uniform stream (LCG), so the mix check never flakes. */
function uniforms(n: number, seed = 12345): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(x / 2 ** 31);
  }
  return out;
}

describe("k6 step mix", () => {
  it("is 70 % practice, 20 % review, 10 % mock tests", () => {
    expect(MIX).toEqual({ practice: 0.7, review: 0.2, mock: 0.1 });
    expect(Object.values(MIX).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("draws the type of every step afresh, whatever the last step was", () => {
    expect(pickStep(0)).toBe("practice");
    expect(pickStep(0.69)).toBe("practice");
    expect(pickStep(0.7)).toBe("review");
    expect(pickStep(0.89)).toBe("review");
    expect(pickStep(0.9)).toBe("mock");
    expect(pickStep(0.999)).toBe("mock");
    const counts = { practice: 0, review: 0, mock: 0 };
    for (const r of uniforms(20000)) counts[pickStep(r)]++;
    expect(counts.practice / 20000).toBeCloseTo(0.7, 1);
    expect(counts.review / 20000).toBeCloseTo(0.2, 1);
    expect(counts.mock / 20000).toBeCloseTo(0.1, 1);
  });

  it("fails a run whose observed mix strays (the old flow's ~55 % mock steps), not an honest short one", () => {
    const t = thresholds(3000);
    expect(t.step_mock).toEqual(["rate>0.05", "rate<0.15"]);
    expect(t.step_review).toEqual(["rate>0.15", "rate<0.25"]);
    expect(t.step_practice).toEqual(["rate>0.65", "rate<0.75"]);
    // 200 steps: four standard deviations of binomial noise, still far below 55 %.
    const short = thresholds(200).step_mock ?? [];
    const upper = Number(/rate<([\d.]+)/.exec(short[1] ?? "")?.[1]);
    expect(upper).toBeGreaterThan(0.15);
    expect(upper).toBeLessThan(0.2);
  });
});

describe("k6 thresholds", () => {
  it("equal the targets, per endpoint, with mock-test calls under their own tags", () => {
    const t = thresholds();
    expect(t["http_req_duration{endpoint:next}"]).toEqual(["p(95)<300"]);
    expect(t["http_req_duration{endpoint:attempt}"]).toEqual(["p(95)<500"]);
    expect(t["http_req_duration{endpoint:progress}"]).toEqual(["p(95)<200"]);
    expect(t["http_req_duration{endpoint:content}"]).toEqual(["p(95)<100"]);
    expect(t["http_req_duration{endpoint:search}"]).toEqual(["p(95)<1000"]);
    expect(t["http_req_duration{endpoint:mock_start}"]).toEqual(["p(95)<300"]);
    expect(t["http_req_duration{endpoint:mock_next}"]).toEqual(["p(95)<300"]);
    expect(t["http_req_duration{endpoint:mock_report}"]).toEqual(["p(95)<200"]);
    expect(t.http_req_failed).toEqual(["rate<0.001"]);
    expect(t.unanswered_items).toEqual(["count<1"]);
    // …and the server side (alerts, dashboard) uses the same numbers.
    for (const target of ENDPOINT_TARGETS) expect(TARGETS[target.name]).toBe(target.p95Ms);
    expect(ERROR_RATE_TARGET).toBe(SERVER_ERROR_RATE_TARGET);
    expect(ENDPOINTS).toEqual(["next", "attempt", "progress", "content", "search", "mock_start", "mock_next", "mock_report"]);
  });

  it("ask the plan's > 85 % of content and search lookups from cache", () => {
    expect(CACHE_HIT_TARGET).toBe(0.85);
    expect(thresholds().cache_hit).toEqual(["rate>0.85"]);
  });

  it("can all fail: no `count>=0` and no bound a run always meets", () => {
    for (const [metric, list] of Object.entries(thresholds(1000))) {
      for (const expr of list) {
        expect(expr, `${metric}: ${expr}`).not.toMatch(/>=\s*0$|>\s*-|<\s*Infinity|rate<1$|rate>0$/);
        expect(expr).toMatch(/^(p\(95\)<\d+|rate[<>][\d.]+|count<1)$/);
      }
    }
  });

  it("keep per-endpoint request counts through the trend's count, not a threshold", () => {
    expect(buildOptions("load", {}).summaryTrendStats).toContain("count");
  });

  it("open fresh connections per step (a learner returning after thinking), never kept-alive ones across steps", () => {
    for (const name of ["load", "capacity", "smoke"] as const) expect(buildOptions(name, {}).noVUConnectionReuse).toBe(true);
  });
});

describe("k6 scenario shapes", () => {
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
    expect(cap.timeUnit).toBe("10s");
    const peak = Math.max(...cap.stages.map((s: Stage) => s.target)) / 10;
    expect(peak).toBeCloseTo(10000 / meanStepSeconds(1), 0);
    expect(cap.preAllocatedVUs).toBeGreaterThanOrEqual(10000);
  });

  it("hold the peak for exactly DURATION; the ramps keep their planned proportion around it", () => {
    const o = buildOptions("load", { USERS: "20", THINK_SCALE: "0.1", DURATION: "3m" });
    const stages = o.scenarios.load.stages as Stage[];
    expect(peakHold(stages)).toBe(180);
    // load: 5 min up, 20 min held, 2 min down → 45 s up, 3 min held, 18 s down.
    expect(stages.map((s) => s.duration)).toEqual(["45s", "180s", "18s"]);
    expect(Math.max(...stages.map((s) => s.target)) / 10).toBeCloseTo(20 / meanStepSeconds(0.1), 1);
    // Fractional rates become whole iterations per 10 s (k6 refuses 2.5 per 1 s).
    const slow = buildOptions("load", { RATE: "2.5", DURATION: "1m" }).scenarios.load.stages as Stage[];
    expect(slow.map((s) => s.target)).toEqual([25, 25, 0]);
    for (const name of Object.keys(SCENARIOS) as Array<keyof typeof SCENARIOS>) {
      for (const st of (buildOptions(name, { RATE: "3.33" }).scenarios[name].stages ?? []) as Stage[]) expect(Number.isInteger(st.target)).toBe(true);
    }
    for (const name of ["stress", "capacity", "spike"] as const) {
      const st = buildOptions(name, { DURATION: "2m" }).scenarios[name].stages as Stage[];
      expect(peakHold(st), name).toBe(120);
    }
    const smoke = buildOptions("smoke", { RATE: "5", DURATION: "30s" }).scenarios.smoke;
    expect(smoke).toMatchObject({ executor: "constant-arrival-rate", rate: 50, timeUnit: "10s", duration: "30s" });
    const chaos = buildOptions("chaos", { DURATION: "4m" }).scenarios;
    expect(chaos.fault_start).toMatchObject({ exec: "faultStart", startTime: "60s" });
    expect(chaos.fault_stop).toMatchObject({ exec: "faultStop" });
    // Without DURATION the plan's shape, or DURATION_SCALE times it.
    expect(peakHold(buildOptions("load", {}).scenarios.load.stages)).toBe(1200);
    expect(peakHold(buildOptions("load", { DURATION_SCALE: "0.1" }).scenarios.load.stages)).toBe(120);
  });

  it("count the iterations a ramp starts, for the mix band", () => {
    expect(expectedIterations([{ duration: "10s", target: 10 }, { duration: "60s", target: 10 }, { duration: "10s", target: 0 }])).toBe(50 + 600 + 50);
  });

  it("exclude a warm-up from the cache ratio: WARMUP, else 20 % of the run up to 60 s", () => {
    expect(warmupSeconds(120, {})).toBe(24);
    expect(warmupSeconds(3600, {})).toBe(60);
    expect(warmupSeconds(3600, { WARMUP: "90s" })).toBe(90);
    const env = buildOptions("load", { RATE: "10", DURATION: "60s" }).scenarios.load.env;
    expect(env.LT_WARMUP_S).toBe(String(warmupSeconds(15 + 60 + 6, {})));
  });
});

describe("learner population", () => {
  it("deals LEARNERS over the VUs: each learner to exactly one VU, every learner served", () => {
    const vus = 1000;
    const learners = 10000;
    const seen = new Map<number, number>();
    for (let vu = 1; vu <= vus; vu++) {
      const own = ownedLearners(vu, vus, learners);
      expect(own.length).toBe(10);
      for (const n of own) {
        expect(seen.has(n), `learner ${n} on two VUs`).toBe(false);
        seen.set(n, vu);
      }
    }
    expect(seen.size).toBe(learners);
    expect(Math.min(...seen.keys())).toBe(1);
    expect(Math.max(...seen.keys())).toBe(learners);
    // Without LEARNERS each VU is one learner, <prefix>-<vu>.
    expect(ownedLearners(7, 50, null)).toEqual([7]);
  });

  it("starts every VU up front when LEARNERS or VUS is set, and tells the flow how many there are", () => {
    const o = buildOptions("capacity", { LEARNERS: "10000", VUS: "1000", THINK_SCALE: "0.1", DURATION: "2m" }).scenarios.capacity;
    expect(o.preAllocatedVUs).toBe(1000);
    expect(o.maxVUs).toBe(1000);
    expect(o.env.LT_TOTAL_VUS).toBe("1000");
    const small = buildOptions("load", { LEARNERS: "5", RATE: "10" }).scenarios.load;
    expect(small.maxVUs).toBe(5);
    expect(buildOptions("chaos", { VUS: "100" }).scenarios.chaos.env.LT_TOTAL_VUS).toBe("102");
  });
});

describe("mock-test recovery (the API's 409 and 404)", () => {
  const id = "83e97680-8824-473d-80dc-feba593af03a";
  it("takes the running test back from a 409 on start instead of starting again forever", () => {
    expect(testAfterStart(201, { testId: id, status: "active" })).toEqual({ testId: id, recovered: false });
    const conflict = { type: "/problems/conflict", status: 409, detail: `mock test ${id} is still running; finish it or let it expire first` };
    expect(testAfterStart(409, conflict)).toEqual({ testId: id, recovered: true });
    expect(testAfterStart(409, { detail: "something else" })).toBeNull();
    expect(testAfterStart(503, null)).toBeNull();
    expect(testAfterStart(0, null)).toBeNull();
  });

  it("forgets the test only when the API says it ended or does not exist", () => {
    expect(testAfterNext(200, { item: { id: "x" }, done: false })).toBe("running");
    expect(testAfterNext(200, { item: null, done: true, report: {} })).toBe("ended");
    expect(testAfterNext(404, { status: 404 })).toBe("gone");
    expect(testAfterNext(409, { detail: "the mock test changed meanwhile; ask again" })).toBe("running");
    expect(testAfterNext(503, null)).toBe("running");
    expect(testAfterNext(0, null)).toBe("running");
    expect(attemptEndedTest({ mockTest: { testId: id, done: true } })).toBe(true);
    expect(attemptEndedTest({ mockTest: { testId: id, done: false } })).toBe(false);
    expect(attemptEndedTest({ correct: true })).toBe(false);
  });
});

describe("capacity report (handleSummary)", () => {
  const summary = (p95: number, failed: number, cache: number, dropped = 0, thresholdsOk = true) => ({
    state: { testRunDurationMs: 120_000 },
    metrics: {
      ...Object.fromEntries(ENDPOINTS.map((e) => [`http_req_duration{endpoint:${e}}`, { values: { "p(95)": p95, "p(99)": p95 * 1.5, count: e === "mock_report" ? 0 : 100 }, thresholds: { [`p(95)<${TARGETS[e]}`]: { ok: thresholdsOk } } }])),
      "http_req_duration{endpoint:next}": { values: { "p(95)": p95, "p(99)": p95 * 1.5, count: 2000 }, thresholds: { "p(95)<300": { ok: true } } },
      http_req_duration: { values: { "p(95)": p95 + 5 } },
      http_reqs: { values: { rate: 42, count: 5040 } },
      iterations: { values: { count: 2000 } },
      dropped_iterations: { values: { count: dropped } },
      http_req_failed: { values: { rate: failed } },
      cache_hit: { values: { rate: cache } },
      unanswered_items: { values: { count: 0 } },
      step_practice: { values: { rate: 0.7, passes: 1400, fails: 600 } },
      step_review: { values: { rate: 0.2, passes: 400, fails: 1600 } },
      step_mock: { values: { rate: 0.1, passes: 200, fails: 1800 } },
      vus_max: { values: { max: 30 } },
    },
  });

  it("writes Metric | Value | Target | Status with PASS, WARN and FAIL", () => {
    const ok = capacityTable("smoke", summary(80, 0, 0.9), { date: "2026-01-01T00:00:00Z", users: 100 });
    expect(ok.overall).toBe("PASS");
    expect(ok.json.thresholdsOk).toBe(true);
    expect(ok.markdown).toContain("| Metric | Value | Target | Status |");
    expect(ok.markdown).toMatch(/\| next p95 \| 80 ms \| < 300 ms \| PASS \|/);
    expect(ok.markdown).toMatch(/\| mock_report p95 \| – \| < 200 ms \| N\/A \|/);
    expect(ok.markdown).toMatch(/\| mock steps \| 10\.0 % \(200\) \| 10 % ± 5\.0 % \| PASS \|/);
    expect(ok.json.requests.next).toBe(2000);
    expect(ok.json.requests.mock).toBe(200);
    expect(ok.json.durationSeconds).toBe(120);
    const warn = capacityTable("smoke", summary(110, 0.0005, 0.9), {});
    expect(warn.rows.find((r) => r.metric === "content p95")?.status).toBe("WARN");
    expect(warn.overall).toBe("WARN");
    const fail = capacityTable("smoke", summary(50, 0.02, 0.5, 100), {});
    expect(fail.rows.find((r) => r.metric === "error rate")?.status).toBe("FAIL");
    expect(fail.rows.find((r) => r.metric.startsWith("cache hit ratio (content"))?.status).toBe("FAIL");
    expect(fail.rows.find((r) => r.metric === "throughput")?.status).toBe("FAIL");
    expect(fail.overall).toBe("FAIL");
    // A failed k6 threshold fails the report whatever the rows say.
    const th = capacityTable("smoke", summary(80, 0, 0.9, 0, false), {});
    expect(th.overall).toBe("FAIL");
    expect(th.markdown).toMatch(/failed: `http_req_duration\{endpoint:attempt\}: p\(95\)<500`/);
  });

  it("reports the score cache per request, per entry on the request path, and per prediction wherever it was made", () => {
    const data = summary(80, 0, 0.9);
    Object.assign(data.metrics, {
      score_cache_hit: { values: { rate: 0.88 } },
      score_cache_entries_reused: { values: { count: 900 } },
      score_cache_entries: { values: { count: 1000 } },
      score_cache_predicted: { values: { count: 750 } },
    });
    const rows = capacityTable("smoke", data, {}).rows;
    const row = (start: string) => rows.find((r) => r.metric.startsWith(start));
    expect(row("score cache: next requests")?.value).toBe(0.88);
    expect(row("score cache hit ratio")?.value).toBeCloseTo(0.9, 9);
    expect(row("score cache hit ratio")?.status).toBe("PASS");
    // Ranked ahead is not saved: 750 of 1,000 entries were still predicted, ahead of the request.
    expect(row("predictions the score cache saved")?.value).toBeCloseTo(0.25, 9);
  });

  it("carries the seed-style row and the comparison with the plan's baseline", () => {
    const r = capacityTable("capacity", summary(80, 0.0002, 0.9, 3), { date: "2026-01-01T00:00:00Z", learners: 10000, label: "10,000 learners" });
    expect(r.markdown).toContain("| run | req/s | p95 next | p95 content | errors | dropped |");
    expect(r.markdown).toContain("| 10,000 learners | 42.0 | 80 ms | 80 ms | 0.020 % | 3 (0.15 %) |");
    expect(PLAN_BASELINE).toEqual({ users: 10000, p95Ms: 320, errorRate: 0.0015 });
    expect(r.markdown).toContain("| p95, all requests | 85 ms | 320 ms |");
    expect(r.markdown).toContain("| errors | 0.020 % | 0.15 % |");
    expect(seedLine(seedRow(summary(80, 0, 0.9), "x"))).toBe("| x | 42.0 | 80 ms | 80 ms | 0.000 % | 0 |");
  });
});

describe("knee finder", () => {
  const plan: KneePlan = { start: 10, step: 10, max: 100, refine: 2, minGap: 1 };
  const step = (rate: number, pass: boolean): KneeStep => ({ rate, pass, reqPerSecond: rate * 2, p95: { next: 20 }, errorRate: 0, dropped: 0, droppedShare: 0, failed: pass ? [] : ["http_req_failed: rate<0.001"], k6Cores: 0.2, serverCores: null, seconds: 80 });

  it("climbs by the step until a rate fails, then bisects, then stops", () => {
    const steps: KneeStep[] = [];
    const capacity = 37; // a server that holds every threshold up to 37 steps/s
    const tried: number[] = [];
    for (let r = nextRate(steps, plan); r !== null; r = nextRate(steps, plan)) {
      tried.push(r);
      steps.push(step(r, r <= capacity));
    }
    expect(tried).toEqual([10, 20, 30, 40, 35, 37.5]);
    expect(kneeOf(steps)?.rate).toBe(35);
  });

  it("stops at max when nothing fails, and finds no knee when the first rate fails", () => {
    const all: KneeStep[] = [];
    for (let r = nextRate(all, plan); r !== null; r = nextRate(all, plan)) all.push(step(r, true));
    expect(all.map((s) => s.rate)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(kneeOf(all)?.rate).toBe(100);
    expect(kneeOf([step(10, false), step(5, false), step(2.5, false)])).toBeNull();
    // A lucky pass above a failure is not the knee.
    expect(kneeOf([step(10, true), step(20, false), step(30, true)])?.rate).toBe(10);
  });

  it("writes the table of every step", () => {
    const md = kneeMarkdown([step(10, true), step(20, false)], { date: "d", baseUrl: "u", script: "loadtests/load.js", hold: "60s", thinkScale: "0.1", done: true });
    expect(md).toContain("**Knee: 10 steps/s** (20.0 req/s)");
    expect(md).toContain("| steps/s | req/s | p95 next |");
    expect(md).toMatch(/\| 20 \| 40\.0 \| 20 ms \|.*\| FAIL: http_req_failed: rate<0\.001 \|/);
  });
});

/**
 * The flow itself (loadtests/lib/flow.js), run by the real k6 against a small fake API that
 * answers like ours: review with nothing due, a 503 on the first `next` of every mock test,
 * and learners who already have a test running (409 on start). Skipped where no k6 binary
 * exists (K6_BIN, PATH, or ../k6-bin/k6).
 */
const k6 = (() => {
  try {
    return k6Binary();
  } catch {
    return null;
  }
})();

describe.skipIf(k6 === null)("the k6 flow against a fake API", () => {
  it("draws the mix per step, tags mock calls, recovers from 409, counts each step once, deals learners", async () => {
    const api = fakeApi();
    const port = await new Promise<number>((ok) => api.server.listen(0, "127.0.0.1", () => ok((api.server.address() as AddressInfo).port)));
    const dir = mkdtempSync(join(tmpdir(), "k6-flow-"));
    try {
      const run = await runK6({
        script: "loadtests/load.js",
        env: { BASE_URL: `http://127.0.0.1:${port}`, JWT_SECRET: "test-secret", RATE: "40", DURATION: "12s", THINK_SCALE: "0", LEARNERS: "24", VUS: "12", LEARNER_PREFIX: "t", REPORT_DIR: dir, WARMUP: "0s" },
        logFile: join(dir, "k6.log"),
      });
      expect([0, 99], readFileSync(join(dir, "k6.log"), "utf8").slice(0, 2000)).toContain(run.exitCode);
      const report = JSON.parse(readFileSync(join(dir, "load.json"), "utf8"));
      const steps: number = report.steps;
      expect(steps).toBeGreaterThan(300);
      // The mix, per step: mock ~10 %, not the old ~55 %.
      expect(report.mix.mock).toBeGreaterThan(0.05);
      expect(report.mix.mock).toBeLessThan(0.15);
      expect(report.mix.review).toBeGreaterThan(0.14);
      expect(report.mix.review).toBeLessThan(0.26);
      // One `next` per practice or review step, an empty review included, except for practice
      // steps that start from the item the learner's previous answer brought (`next` in the
      // attempt, as the web app asks): each brought item starts one later step, but the last
      // one of each learner (24) may be left when the run ends.
      expect(api.attemptsWithNext).toBeGreaterThan(0);
      const withoutNextCall = report.requests.next + api.attemptsWithNext - Math.round((report.mix.practice + report.mix.review) * steps);
      expect(withoutNextCall).toBeGreaterThanOrEqual(0);
      expect(withoutNextCall).toBeLessThanOrEqual(24);
      expect(api.emptyReviews).toBeGreaterThan(0);
      // Mock-test calls under their own tags; every 409 on start was followed by that test.
      expect(report.requests.mock_start).toBeGreaterThan(0);
      expect(report.requests.mock_next).toBeGreaterThan(0);
      expect(report.requests.mock_report).toBeGreaterThan(0);
      expect(api.conflicts).toBeGreaterThan(0);
      expect(api.conflicts).toBeLessThanOrEqual(api.preRunning);
      expect(api.nextAfterConflict).toBe(api.conflicts);
      // A 503 on a test's first `next` does not make the learner start another one.
      expect(api.failedNexts).toBeGreaterThan(0);
      // Only content and search count for the cache ratio (the fake's /v1/skills always misses).
      expect(api.skills).toBeGreaterThan(0);
      expect(report.rows.find((r: { metric: string }) => r.metric.startsWith("cache hit ratio (content")).value).toBe(1);
      // Every learner served, none with two requests in flight.
      expect(api.learners.size).toBe(24);
      expect(api.overlaps).toBe(0);
      // Attempts say they are idempotent (Idempotency-Key = clientAttemptId), so the client may resend them.
      expect(api.attemptsWithoutKey).toBe(0);
      expect(report.thresholds.filter((t: { ok: boolean; metric: string }) => !t.ok && t.metric !== "http_req_failed").map((t: { metric: string }) => t.metric)).toEqual([]);
    } finally {
      api.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

/** Just enough of the API for the flow, with the mock-test rules of workers/learner/mock-runner.ts. */
function fakeApi() {
  const tests = new Map<string, { learner: string; answered: number; failedOnce: boolean; done: boolean }>();
  const running = new Map<string, string>();
  const inFlight = new Map<string, number>();
  const state = { server: null as unknown as Server, learners: new Set<string>(), overlaps: 0, emptyReviews: 0, conflicts: 0, preRunning: 0, nextAfterConflict: 0, failedNexts: 0, skills: 0, attemptsWithoutKey: 0, attemptsWithNext: 0 };
  const conflicted = new Set<string>();
  const seen = new Set<string>();
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  state.server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const m = /^\/v1\/learners\/([^/]+)(\/.*)$/.exec(url.pathname);
      if (!m) {
        if (url.pathname === "/v1/skills") state.skills++;
        return send(res, 200, { ok: true }, { "x-cache": url.pathname === "/v1/skills" ? "MISS" : "HIT" });
      }
      const [, learner = "", rest = ""] = m;
      const n = (inFlight.get(learner) ?? 0) + 1;
      inFlight.set(learner, n);
      if (n > 1) state.overlaps++;
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        setTimeout(() => {
          inFlight.set(learner, (inFlight.get(learner) ?? 1) - 1);
          send(res, status, body, headers);
        }, 2);
      const body = raw ? JSON.parse(raw) : {};
      state.learners.add(learner);
      // Every third learner already has a test running when the run starts.
      if (!seen.has(learner)) {
        seen.add(learner);
        if (Number(learner.split("-")[1]) % 3 === 0) {
          const id = randomUUID();
          tests.set(id, { learner, answered: 0, failedOnce: true, done: false });
          running.set(learner, id);
          state.preRunning++;
        }
      }
      if (rest === "/next") {
        if (body.mode === "review") {
          state.emptyReviews++;
          return reply(200, { mode: "review", item: null, source: "none", message: "nothing due" });
        }
        return reply(200, { mode: "practice", item: { id: "i1", kind: "choice", choices: ["a", "b"] }, source: "cache" }, { "x-cache": "HIT" });
      }
      if (rest === "/attempts") {
        if (req.headers["idempotency-key"] !== body.clientAttemptId) state.attemptsWithoutKey++;
        const t = [...tests.entries()].find(([id]) => body.itemId === `mock-${id}`);
        if (t) {
          const [id, test] = t;
          test.answered++;
          test.done = test.answered >= 2; // short tests: a 12 s run must see some end and report
          if (test.done) running.delete(learner);
          return reply(200, { correct: true, mockTest: { testId: id, answered: test.answered, done: test.done } });
        }
        if (body.next === "practice") {
          state.attemptsWithNext++;
          return reply(200, { correct: true, next: { mode: "practice", item: { id: "i1", kind: "choice", choices: ["a", "b"] }, source: "cache" } }, { "x-cache": "HIT" });
        }
        return reply(200, { correct: true });
      }
      if (rest === "/progress") return reply(200, {});
      if (rest === "/mock-tests") {
        const current = running.get(learner);
        if (current) {
          state.conflicts++;
          conflicted.add(current);
          return reply(409, { type: "/problems/conflict", status: 409, detail: `mock test ${current} is still running; finish it or let it expire first` });
        }
        const id = randomUUID();
        tests.set(id, { learner, answered: 0, failedOnce: false, done: false });
        running.set(learner, id);
        return reply(201, { testId: id, status: "active" });
      }
      const t = /^\/mock-tests\/([^/]+)(\/next)?$/.exec(rest);
      const test = t ? tests.get(t[1] ?? "") : undefined;
      if (!t || !test || test.learner !== learner) return reply(404, { status: 404, detail: "no such mock test" });
      if (!t[2]) return reply(200, { report: true });
      if (conflicted.has(t[1] ?? "")) {
        conflicted.delete(t[1] ?? "");
        state.nextAfterConflict++;
      }
      if (!test.failedOnce) {
        test.failedOnce = true;
        state.failedNexts++;
        return reply(503, { status: 503, detail: "try again" });
      }
      if (test.done) return reply(200, { testId: t[1], item: null, done: true, report: {} });
      return reply(200, { testId: t[1], item: { id: `mock-${t[1]}`, kind: "choice", choices: ["a", "b"] }, done: false });
    });
  });
  return state;
}
