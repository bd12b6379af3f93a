import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashRest } from "../../scripts/local/upstash-rest";
import type { UpstashRest } from "../../scripts/local/upstash-rest";
import { DisabledItemStats, RedisItemStats, aggregateObservations, createItemStats, thetaBin } from "../../src/stats/item-stats";

describe("item statistics aggregates (pure)", () => {
  it("adds counts, residuals, information, θ bins and response-time buckets per item", () => {
    const d = aggregateObservations([
      { itemId: "a", correct: true, expected: 0.75, theta: 0.1, thetaVariance: 0.2, responseMs: 4000 },
      { itemId: "a", correct: false, expected: 0.5, theta: 0.0, thetaVariance: 0.4, responseMs: 300 },
      { itemId: "b", correct: true, expected: 0.9, theta: -1.3, thetaVariance: 1, responseMs: 1000 },
    ]);
    expect(d).toEqual({
      a: { n: 2, c: 1, sr: 0.25 - 0.5, si: 0.1875 + 0.25, n0: 2, c0: 1, st0: 0.1, sv0: expect.closeTo(0.6, 12), m4: 1, m0: 1 },
      b: { n: 1, c: 1, sr: expect.closeTo(0.1, 12), si: expect.closeTo(0.09, 12), ["n-5"]: 1, ["c-5"]: 1, ["st-5"]: -1.3, ["sv-5"]: 1, m2: 1 },
    });
    expect([thetaBin(0.124), thetaBin(0.126), thetaBin(-9), thetaBin(9)]).toEqual([0, 1, -24, 24]);
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)("global item statistics on Redis (through the Upstash REST endpoint)", () => {
  let rest: UpstashRest;
  let redis: Redis;
  const prefix = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}:`;

  beforeAll(async () => {
    rest = await startUpstashRest({ port: 0, redisUrl: process.env.TEST_REDIS_URL, token: "stats-token" });
    redis = new Redis({ url: rest.url, token: "stats-token", enableTelemetry: false });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await rest.close();
  });

  it("applies a delta atomically once per id and reads it back by θ bin", async () => {
    const stats = new RedisItemStats(redis, prefix);
    const delta = aggregateObservations([
      { itemId: "a", correct: true, expected: 0.75, theta: 1, thetaVariance: 0.2, responseMs: 800 },
      { itemId: "a", correct: false, expected: 0.5, theta: 1.05, thetaVariance: 0.4, responseMs: 800 },
      { itemId: "b", correct: true, expected: 0.9, theta: -2, thetaVariance: 0.1, responseMs: 800 },
    ]);
    expect(await stats.applyDeltas([{ id: "d1", payload: delta }])).toEqual(["applied"]);
    // Several deltas in one script, each guarded by its own id.
    const d2 = aggregateObservations([{ itemId: "a", correct: true, expected: 0.25, theta: 1, thetaVariance: 0.3, responseMs: 800 }]);
    expect(await stats.applyDeltas([{ id: "d1", payload: delta }, { id: "d2", payload: d2 }])).toEqual(["duplicate", "applied"]);
    const [a, b, never] = await stats.read(["a", "b", "never"]);
    expect(a).toMatchObject({ attempts: 3, correct: 2, meanResidual: expect.closeTo((0.25 - 0.5 + 0.75) / 3, 9), information: expect.closeTo(0.1875 * 2 + 0.25, 9) });
    expect(a?.bins).toEqual([{ theta: expect.closeTo(3.05 / 3, 9), variance: expect.closeTo(0.3, 9), n: 3, correct: 2 }]);
    expect(a?.responseTime[1]).toBe(3);
    expect(b).toMatchObject({ attempts: 1, correct: 1, bins: [{ theta: -2, variance: 0.1, n: 1, correct: 1 }] });
    expect(never).toMatchObject({ attempts: 0, correct: 0, meanResidual: null, bins: [] });
  });

  it("claims changed items once they have enough new responses, and keeps a claim until it is released", async () => {
    const stats = new RedisItemStats(redis, `${prefix}claim:`);
    const obs = (itemId: string, n: number) => Array.from({ length: n }, () => ({ itemId, correct: true, expected: 0.5, theta: 0, thetaVariance: 1, responseMs: 800 }));
    await stats.applyDeltas([{ id: "c1", payload: aggregateObservations([...obs("x", 3), ...obs("y", 1)]) }]);
    expect(await stats.claimChanged(2)).toEqual(["x"]);
    // Not released (a crashed job): claimed again, now with y once it reaches the threshold.
    await stats.applyDeltas([{ id: "c2", payload: aggregateObservations(obs("y", 1)) }]);
    expect(await stats.claimChanged(2)).toEqual(["x", "y"]);
    await stats.releaseChanged();
    expect(await stats.claimChanged(1)).toEqual([]);
    // Counts restart after a claim: x needs 2 new responses again.
    await stats.applyDeltas([{ id: "c3", payload: aggregateObservations(obs("x", 1)) }]);
    expect(await stats.claimChanged(2)).toEqual([]);
    expect(await stats.claimChanged(1)).toEqual(["x"]);
  });

  it("is disabled without configuration", async () => {
    const stats = createItemStats({});
    expect(stats).toBeInstanceOf(DisabledItemStats);
    await expect(stats.applyDeltas([{ id: "x", payload: {} }])).rejects.toThrow(/disabled/);
    expect((await stats.read(["x"]))[0]).toMatchObject({ itemId: "x", attempts: 0, correct: 0, meanResidual: null });
  });
});
