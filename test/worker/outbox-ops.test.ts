import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client";
import { learners } from "../../src/db/schema";
import { knownLearnerKey } from "../../workers/learner/outbox";
import { api, json, testEnv, uniqueLearner } from "./helpers";

const ops = { authorization: `Bearer ${testEnv.OPS_TOKEN}` };

describe("outbox writer operator routes", () => {
  it("need the operator token", async () => {
    expect((await api("/v1/ops/writers")).status).toBe(401);
    expect((await api("/v1/ops/learners/mark-known", { method: "POST" })).status).toBe(401);
  });

  it("list every writer shard with its counters", async () => {
    const body = await json<{ shards: Array<{ shard: number; transactions: number }>; totals: { transactions: number } }>(await api("/v1/ops/writers", { headers: ops }));
    expect(body.shards.map((s) => s.shard)).toEqual([0, 1]);
    expect(body.totals.transactions).toBe(body.shards.reduce((a, s) => a + s.transactions, 0));
  });

  it("mark learners already in Postgres as known, page by page", async () => {
    const ids = [uniqueLearner("zz-known-a"), uniqueLearner("zz-known-b"), uniqueLearner("zz-known-c")];
    const db = createDatabase({ url: testEnv.DATABASE_URL, wsProxy: testEnv.NEON_WS_PROXY, max: 1 });
    try {
      await db.write.insert(learners).values(ids.map((id) => ({ id }))).onConflictDoNothing();
    } finally {
      await db.end();
    }
    for (const id of ids) expect(await env.CONTENT.get(knownLearnerKey(id))).toBeNull();
    let after = ids[0]?.replace(/-[^-]*-[^-]*$/, "") ?? ""; // just before the first of them
    let pages = 0;
    for (;;) {
      const page = await json<{ marked: number; next: string | null }>(await api(`/v1/ops/learners/mark-known?limit=2&after=${encodeURIComponent(after)}`, { method: "POST", headers: ops }));
      pages += 1;
      if (page.next === null) break;
      after = page.next;
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    for (const id of ids) expect(await env.CONTENT.get(knownLearnerKey(id))).toBe("1");
  });
});
