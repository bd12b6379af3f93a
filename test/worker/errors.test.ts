/**
 * Errors mean what they say: a dependency that fails (Postgres, KV) is a 503 with Retry-After
 * or, where a cache can stand in, no error at all; a bug is a 500 with the request id. Each is
 * counted in /metrics (learning_dependency_failures_*_total, learning_internal_errors_total).
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LearnerDO } from "../../workers/learner/learner-do";
import { knownLearnerKey } from "../../workers/learner/outbox";
import { flushMetrics } from "../../workers/metrics/client";
import { api, fetchWith, learnerStub, problem, testEnv, tokenFor, uniqueLearner } from "./helpers";
import { LearnerClient } from "./learner-support";

/** A counter's value at /metrics, after this isolate's buffer is flushed to the MetricsDO. */
async function counter(name: string): Promise<number> {
  await flushMetrics(env.METRICS);
  const text = await (await api("/metrics", { headers: { authorization: `Bearer ${testEnv.OPS_TOKEN}` } })).text();
  const line = text.split("\n").find((l) => l.startsWith(`learning_${name}_total `));
  return Number(line?.split(" ")[1] ?? Number.NaN);
}

/** Runs one request through the API with some bindings replaced. */
const withEnv = (path: string, overrides: Record<string, unknown>, init?: RequestInit) => fetchWith(new Request(`https://api.test${path}`, init), overrides);

const failingKv = {
  get: () => Promise.reject(new Error("KV is down")),
  put: () => Promise.reject(new Error("KV is down")),
  delete: () => Promise.reject(new Error("KV is down")),
  list: () => Promise.reject(new Error("KV is down")),
  getWithMetadata: () => Promise.reject(new Error("KV is down")),
};

describe("errors mean what they say", () => {
  it("answers 503 with Retry-After when Postgres is down, and counts it", async () => {
    const before = await counter("dependency_failures_postgres");
    const res = await withEnv(`/v1/search?q=${uniqueLearner("nothing-cached")}`, { NEON_WS_PROXY: "127.0.0.1:9" });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    const p = await problem(res);
    expect(p.type).toBe("/problems/unavailable");
    expect(p.requestId).toBe(res.headers.get("x-request-id"));
    expect(await counter("dependency_failures_postgres")).toBeGreaterThan(before);
  });

  it("serves content from Postgres while KV fails, and counts the KV failures", async () => {
    const learner = await LearnerClient.create(uniqueLearner("kvdown"));
    const itemId = (await learner.next()).item?.id ?? "";
    const before = await counter("dependency_failures_kv");
    const res = await withEnv(`/v1/items/${itemId}`, { CONTENT: failingKv });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe(itemId);
    expect(await counter("dependency_failures_kv")).toBeGreaterThan(before);
  });

  it("answers 503 when a known learner's history cannot be loaded, and serves them once Postgres is back", async () => {
    const learner = await LearnerClient.create(uniqueLearner("pgdown"));
    await env.CONTENT.put(knownLearnerKey(learner.id), "1");
    await runInDurableObject(learnerStub(learner.id), (instance: LearnerDO) => {
      instance.useDatabase({ url: testEnv.DATABASE_URL, wsProxy: "127.0.0.1:9" });
    });
    const res = await api(`/v1/learners/${learner.id}/next`, { method: "POST", token: await tokenFor(learner.id), json: { mode: "practice" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    await runInDurableObject(learnerStub(learner.id), (instance: LearnerDO) => instance.useDatabase(null));
    expect((await learner.next()).item).not.toBeNull();
  });

  it("answers a bug with 500 (never a retryable 503), with the request id, and counts it", async () => {
    const learner = await LearnerClient.create(uniqueLearner("bug"));
    await learner.next();
    await runInDurableObject(learnerStub(learner.id), (instance: LearnerDO) => {
      instance.clock = () => {
        throw new TypeError("a programming error");
      };
    });
    const before = await counter("internal_errors");
    const res = await api(`/v1/learners/${learner.id}/next`, {
      method: "POST",
      token: await tokenFor(learner.id),
      json: { mode: "practice" },
      headers: { "x-request-id": "bug-trace-0001" },
    });
    expect(res.status).toBe(500);
    expect(res.headers.get("retry-after")).toBeNull();
    const p = await problem(res);
    expect(p.type).toBe("/problems/internal");
    expect(p.requestId).toBe("bug-trace-0001");
    expect(p.detail).not.toContain("programming error"); // no internals leak
    expect(await counter("internal_errors")).toBe(before + 1);
  });

  it("answers a body that is not JSON with 415, and broken JSON with 400, both problem+json in the contract", async () => {
    const id = uniqueLearner("media");
    const token = await tokenFor(id);
    const send = (contentType: string, body: string) => api(`/v1/learners/${id}/next`, { method: "POST", token, headers: { "content-type": contentType }, body });
    const notJson = await send("text/plain", '{"mode":"practice"}');
    expect(notJson.status).toBe(415);
    expect((await problem(notJson)).type).toBe("/problems/unsupported_media_type");
    const broken = await send("application/json", '{"mode": "practice"');
    expect(broken.status).toBe(400);
    expect((await problem(broken)).type).toBe("/problems/invalid_request");
    const doc = await (await api("/openapi.json")).json<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>();
    expect(Object.keys(doc.paths["/v1/learners/{id}/next"]?.post?.responses ?? {})).toContain("415");
  });
});
