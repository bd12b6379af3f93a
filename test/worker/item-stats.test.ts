import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createItemStats } from "../../src/stats/item-stats";
import type { LearnerDO } from "../../workers/learner/learner-do";
import type { OutboxWriterDO } from "../../workers/writer/writer-do";
import { api, drainOutbox, json, learnerStub, postgresAttempts, problem, testEnv, uniqueLearner, writerStub } from "./helpers";
import { LearnerClient } from "./learner-support";

const ops = () => ({ authorization: `Bearer ${testEnv.OPS_TOKEN}` });

const configured = Boolean(testEnv.UPSTASH_REDIS_REST_URL);

describe.skipIf(!configured)("global item statistics flow from the outbox to Redis", () => {
  it("counts each flushed attempt once per item", async () => {
    const learner = await LearnerClient.create(uniqueLearner("stats"));
    const next = await learner.next();
    const itemId = next.item?.id ?? "";
    const before = await json<{ attempts: number }>(await api(`/v1/ops/items/${itemId}/stats`, { headers: { authorization: `Bearer ${testEnv.OPS_TOKEN}` } }));
    await learner.answer(itemId, true);
    await drainOutbox(learner.id);
    const after = await json<{ enabled: boolean; attempts: number; correct: number; meanResidual: number }>(
      await api(`/v1/ops/items/${itemId}/stats`, { headers: { authorization: `Bearer ${testEnv.OPS_TOKEN}` } }),
    );
    expect(after.enabled).toBe(true);
    expect(after.attempts).toBe(before.attempts + 1);
    expect(after.meanResidual).not.toBeNull();
  });
});

describe.skipIf(!configured)("Redis down", () => {
  it("keeps serving and writing attempts, shows the backlog in a metric, and counts every attempt once when Redis returns", async () => {
    const learner = await LearnerClient.create(uniqueLearner("redis-down"));
    // A writer and a key prefix of this test's own: other files' learners answer the same
    // items at the same time, and taking Redis away from this shard touches no other test.
    const writerName = `test-writer-redis-${learner.id}`;
    const writer = writerStub(writerName, true);
    const upstash = { url: testEnv.UPSTASH_REDIS_REST_URL ?? "", token: testEnv.UPSTASH_REDIS_REST_TOKEN ?? "", prefix: `${testEnv.ITEM_STATS_KEY_PREFIX ?? ""}${learner.id}:` };
    const stats = createItemStats(upstash);
    const counts = async (ids: string[]) => new Map((await stats.read(ids)).map((s) => [s.itemId, s.attempts]));
    const items: string[] = [];
    for (let i = 0; i < 3; i++) {
      const next = await learner.next();
      items.push(next.item?.id ?? "");
      await learner.answer(next.item?.id ?? "", i !== 1);
    }

    // Overrides live in the objects' memory: set right before use. Nothing listens on port 9.
    await runInDurableObject(learnerStub(learner.id), (instance: LearnerDO) => instance.useWriter(writerName));
    await runInDurableObject(writer, (instance: OutboxWriterDO) => instance.useRedis({ ...upstash, url: "http://127.0.0.1:9" }));
    await drainOutbox(learner.id, writer);

    // Postgres has every attempt; Redis none; the learner is served as before; a metric shows it.
    expect(await postgresAttempts(learner.id)).toBe(3);
    const during = await writer.status();
    expect(during.pending.attempts).toBe(0);
    expect(during.itemStats.backlog).toBe(true);
    expect(during.itemStats.failures).toBeGreaterThan(0);
    expect(during.itemStats.lastError).toBeTruthy();
    for (const n of (await counts(items)).values()) expect(n).toBe(0);
    expect((await learner.next()).item).not.toBeNull();
    const metrics = await (await api("/metrics", { headers: ops() })).text();
    expect(metrics).toMatch(/^learning_item_stats_backlog 1$/m);
    expect(metrics).toMatch(/^learning_dependency_failures_redis_total [1-9]\d*$/m);

    // Redis is back: the shard's retry sends the waiting aggregates, each attempt once.
    await runInDurableObject(writer, (instance: OutboxWriterDO) => instance.useRedis(upstash));
    for (let i = 0; i < 3; i++) await runDurableObjectAlarm(writer);
    const after = await writer.status();
    expect(after.itemStats.backlog).toBe(false);
    expect(after.itemStats.failures).toBe(0);
    const expected = new Map<string, number>();
    for (const id of items) expected.set(id, (expected.get(id) ?? 0) + 1);
    expect(await counts(items)).toEqual(expected);
    expect(await (await api("/metrics", { headers: ops() })).text()).toMatch(/^learning_item_stats_backlog 0$/m);
  });
});

describe("item statistics route", () => {
  it("needs the operator token", async () => {
    expect((await api("/v1/ops/items/x-1/stats")).status).toBe(401);
    expect((await api("/v1/ops/items/x-1/stats", { headers: { authorization: "Bearer wrong-token-123456" } })).status).toBe(403);
  });

  it("answers an item the bank does not hold with 404, not with zeros", async () => {
    const res = await api("/v1/ops/items/no-such-item-1/stats", { headers: { authorization: `Bearer ${testEnv.OPS_TOKEN}` } });
    expect(res.status).toBe(404);
    expect((await problem(res)).detail).toContain("no-such-item-1");
  });
});
