import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COST_ENDPOINTS, DEFAULT_ASSUMPTIONS, DEFAULT_LOAD, DEFAULT_PROFILE, attemptsPerSecond, loadFromLoadTest, normaliseMix, projectCost, redisCommandsAt } from "../../src/ops/cost";
import type { EndpointProfile, Pricing } from "../../src/ops/cost";

const pricing = JSON.parse(readFileSync("config/pricing.json", "utf8")) as Pricing;
const zero: EndpointProfile = { workerCpuMs: 0, doRequests: 0, doActiveMs: 0, doRowsRead: 0, doRowsWritten: 0, kvReads: 0, kvWrites: 0, redisCommands: 0 };

describe("pricing table", () => {
  it("notes a source and a date for every price", () => {
    const lines = [...Object.values(pricing.cloudflare), ...Object.values(pricing.neon), ...Object.values(pricing.upstash)];
    expect(lines.length).toBeGreaterThanOrEqual(16);
    for (const l of lines) {
      expect(l.source).toMatch(/^https:\/\//);
      expect(l.date).toMatch(/^\d{4}-\d{2}$/);
      expect(l.price).toBeGreaterThan(0);
    }
  });
});

describe("cost model", () => {
  it("bills only what exceeds the allowance, at price per unit", () => {
    // 1,000 learners × 100 requests/day × 30.44 days = 3,044,000 content requests, 1 KV read each.
    const profile = Object.fromEntries(COST_ENDPOINTS.map((e) => [e, zero])) as Record<(typeof COST_ENDPOINTS)[number], EndpointProfile>;
    profile.content = { ...zero, kvReads: 10 };
    const r = projectCost(pricing, { learners: 1000, requestsPerLearnerPerDay: 100, mix: { content: 1 } }, profile, { ...DEFAULT_ASSUMPTIONS, neonMinCu: 0, neonReplicaCu: 0, pgBaseGb: 0 });
    expect(r.requestsPerMonth).toBeCloseTo(3_044_000, 6);
    const kv = r.lines.find((l) => l.service === "KV" && l.item === "reads");
    expect(kv?.quantity).toBeCloseTo(30_440_000, 3);
    // (30.44 M − 10 M included) / 1 M × $0.50
    expect(kv?.cost).toBeCloseTo(((30_440_000 - 10_000_000) / 1_000_000) * 0.5, 9);
    const requests = r.lines.find((l) => l.service === "Workers" && l.item === "requests");
    expect(requests?.cost).toBe(0); // within 10 M included
    expect(r.lines.find((l) => l.item.startsWith("Workers Paid"))?.cost).toBe(5);
    expect(r.total).toBeCloseTo(r.lines.reduce((a, l) => a + l.cost, 0), 9);
    expect(r.perLearner).toBeCloseTo(r.total / 1000, 12);
  });

  it("flushes attempts in batches: one alarm per attemptsPerFlush attempts", () => {
    const profile = Object.fromEntries(COST_ENDPOINTS.map((e) => [e, zero])) as Record<(typeof COST_ENDPOINTS)[number], EndpointProfile>;
    const r = projectCost(pricing, { learners: 100, requestsPerLearnerPerDay: 10, mix: { attempt: 1 } }, profile);
    const attempts = 100 * 10 * DEFAULT_ASSUMPTIONS.daysPerMonth;
    expect(r.lines.find((l) => l.service === "Durable Objects" && l.item.startsWith("requests"))?.quantity).toBeCloseTo(attempts / DEFAULT_ASSUMPTIONS.attemptsPerFlush, 6);
  });

  it("normalises the mix and rejects an empty one", () => {
    expect(normaliseMix({ next: 2, attempt: 2 })).toMatchObject({ next: 0.5, attempt: 0.5, content: 0 });
    expect(() => normaliseMix({})).toThrow(/positive share/);
  });

  it("turns a load-test result into a per-learner daily load", () => {
    // 100 users, 600 s, 6,000 requests → 0.1 req/s per user → 30 min/day = 180 requests.
    const load = loadFromLoadTest({ requests: { next: 3000, attempt: 3000 }, durationSeconds: 600, users: 100 }, 5000, 30);
    expect(load.requestsPerLearnerPerDay).toBeCloseTo(180, 9);
    expect(load.learners).toBe(5000);
    expect(() => loadFromLoadTest({ requests: {}, durationSeconds: 1, users: 1 }, 1, 1)).toThrow();
  });

  it("prices the default load well below the old plan's $1.14 per user per month, and scales per learner", () => {
    const r = projectCost(pricing, DEFAULT_LOAD, DEFAULT_PROFILE);
    expect(r.perLearner).toBeGreaterThan(0);
    expect(r.perLearner).toBeLessThan(1.14);
    const big = projectCost(pricing, { ...DEFAULT_LOAD, learners: 1_000_000 });
    expect(Math.abs(big.perLearner - r.perLearner) / r.perLearner).toBeLessThan(0.2);
  });
});

describe("Redis commands per attempt from the benchmark", () => {
  const rows = [
    { attemptsPerSecond: 1, commandsPerAttempt: 0.8 },
    { attemptsPerSecond: 10, commandsPerAttempt: 0.2 },
    { attemptsPerSecond: 100, commandsPerAttempt: 0.05 },
  ];
  it("interpolates in log(rate) and holds the ends", () => {
    expect(redisCommandsAt(rows, 10)).toBeCloseTo(0.2, 12);
    expect(redisCommandsAt(rows, Math.sqrt(10))).toBeCloseTo(0.5, 12);
    expect(redisCommandsAt(rows, 0.1)).toBe(0.8);
    expect(redisCommandsAt(rows, 1000)).toBe(0.05);
  });
  it("reads the attempt rate of a load", () => {
    expect(attemptsPerSecond({ learners: 86_400, requestsPerLearnerPerDay: 10, mix: { attempt: 1, next: 1 } })).toBeCloseTo(5, 12);
  });
});
