import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, drainOutbox, json, testEnv, uniqueLearner } from "./helpers";
import { LearnerClient } from "./learner-support";

const configured = Boolean((env as { UPSTASH_REDIS_REST_URL?: string }).UPSTASH_REDIS_REST_URL);

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

describe("item statistics route", () => {
  it("needs the operator token", async () => {
    expect((await api("/v1/ops/items/x-1/stats")).status).toBe(401);
    expect((await api("/v1/ops/items/x-1/stats", { headers: { authorization: "Bearer wrong-token-123456" } })).status).toBe(403);
  });
});
