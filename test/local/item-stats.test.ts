import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashRest } from "../../scripts/local/upstash-rest";
import type { UpstashRest } from "../../scripts/local/upstash-rest";
import { DisabledItemStats, RedisItemStats, createItemStats, itemStatsKey } from "../../src/stats/item-stats";

describe.skipIf(!process.env.TEST_REDIS_URL)("global item statistics on Redis (through the Upstash REST endpoint)", () => {
  let rest: UpstashRest;
  let redis: Redis;
  const prefix = `t${Date.now().toString(36)}`;
  const ids = [`${prefix}-a`, `${prefix}-b`, `${prefix}-never`];

  beforeAll(async () => {
    rest = await startUpstashRest({ port: 0, redisUrl: process.env.TEST_REDIS_URL, token: "stats-token" });
    redis = new Redis({ url: rest.url, token: "stats-token", enableTelemetry: false });
  });
  afterAll(async () => {
    await redis.del(...ids.map(itemStatsKey));
    await rest.close();
  });

  it("adds up attempts, correct answers and residuals across batches", async () => {
    const stats = new RedisItemStats(redis);
    await stats.record([
      { itemId: ids[0] ?? "", correct: true, expected: 0.75 },
      { itemId: ids[0] ?? "", correct: false, expected: 0.5 },
      { itemId: ids[1] ?? "", correct: true, expected: 0.9 },
    ]);
    await stats.record([{ itemId: ids[0] ?? "", correct: true, expected: 0.25 }]);
    const [a, b, never] = await stats.read(ids);
    expect(a).toEqual({ itemId: ids[0], attempts: 3, correct: 2, meanResidual: expect.closeTo((0.25 - 0.5 + 0.75) / 3, 9) });
    expect(b).toEqual({ itemId: ids[1], attempts: 1, correct: 1, meanResidual: expect.closeTo(0.1, 9) });
    expect(never).toEqual({ itemId: ids[2], attempts: 0, correct: 0, meanResidual: null });
  });

  it("is disabled without configuration", async () => {
    const stats = createItemStats({});
    expect(stats).toBeInstanceOf(DisabledItemStats);
    await stats.record([{ itemId: "x", correct: true, expected: 0.5 }]);
    expect(await stats.read(["x"])).toEqual([{ itemId: "x", attempts: 0, correct: 0, meanResidual: null }]);
  });
});
